import { Route, Routes } from 'react-router';
import './system.css';
import { ClientErrorsPage } from './ClientErrorsPage.tsx';
import { SystemPage } from './SystemPage.tsx';

/** Operations (`ops.admin`, gated by the section): the system's state, and the browsers' error reports. */
export default function SystemArea() {
  return (
    <Routes>
      <Route index element={<SystemPage />} />
      <Route path="client-errors" element={<ClientErrorsPage />} />
    </Routes>
  );
}
