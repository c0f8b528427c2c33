import { Route, Routes } from 'react-router';

/** The imports screens (their own sub-paths under /imports). */
export default function ImportsArea() {
  return (
    <Routes>
      <Route index element={<p role="status">imports</p>} />
    </Routes>
  );
}
