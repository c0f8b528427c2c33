import { Route, Routes } from 'react-router';

/** The invoices screens (their own sub-paths under /invoices). */
export default function InvoicesArea() {
  return (
    <Routes>
      <Route index element={<p role="status">invoices</p>} />
    </Routes>
  );
}
