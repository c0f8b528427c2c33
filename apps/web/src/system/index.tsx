import { Route, Routes } from 'react-router';

/** The system screens (their own sub-paths under /system). */
export default function SystemArea() {
  return (
    <Routes>
      <Route index element={<p role="status">system</p>} />
    </Routes>
  );
}
