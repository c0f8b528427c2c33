import { Route, Routes } from 'react-router';

/** The audit screens (their own sub-paths under /audit). */
export default function AuditArea() {
  return (
    <Routes>
      <Route index element={<p role="status">audit</p>} />
    </Routes>
  );
}
