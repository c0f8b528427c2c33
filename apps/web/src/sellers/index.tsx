import { Route, Routes } from 'react-router';
import { SellerDetailPage } from './SellerDetail.tsx';
import { SellerCreatePage, SellerEditPage } from './SellerForms.tsx';
import { SellerList } from './SellerList.tsx';
import { SiteCreatePage, SiteEditPage } from './SiteForms.tsx';

/** The sellers screens (their own sub-paths under /sellers): everyone signed in reads; writes need seller.manage. */
export default function SellersArea() {
  return (
    <Routes>
      <Route index element={<SellerList />} />
      <Route path="new" element={<SellerCreatePage />} />
      <Route path=":id" element={<SellerDetailPage />} />
      <Route path=":id/edit" element={<SellerEditPage />} />
      <Route path=":id/sites/new" element={<SiteCreatePage />} />
      <Route path=":id/sites/:siteId/edit" element={<SiteEditPage />} />
    </Routes>
  );
}
