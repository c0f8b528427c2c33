import { Route, Routes } from 'react-router';
import { InvoiceDetailPage } from './InvoiceDetailPage.tsx';
import { InvoiceListPage } from './InvoiceListPage.tsx';
import { ProofPage } from './ProofPage.tsx';
import './invoices.css';

/** The invoices screens: the search, one invoice with its actions, and its printable proof. */
export default function InvoicesArea() {
  return (
    <Routes>
      <Route index element={<InvoiceListPage />} />
      <Route path=":number" element={<InvoiceDetailPage />} />
      <Route path=":number/proof" element={<ProofPage />} />
    </Routes>
  );
}
