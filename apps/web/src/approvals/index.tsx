import { Route, Routes } from 'react-router';

/** The approvals screens (their own sub-paths under /approvals). */
export default function ApprovalsArea() {
  return (
    <Routes>
      <Route index element={<p role="status">approvals</p>} />
    </Routes>
  );
}
