import { Route, Routes } from 'react-router';
import { AuditLogPage } from './AuditLogPage.tsx';

/** The audit log (`audit.read`, gated by the section). */
export default function AuditArea() {
  return (
    <Routes>
      <Route index element={<AuditLogPage />} />
    </Routes>
  );
}
