import { Route, Routes } from 'react-router';

/** The devices screens (their own sub-paths under /devices). */
export default function DevicesArea() {
  return (
    <Routes>
      <Route index element={<p role="status">devices</p>} />
    </Routes>
  );
}
