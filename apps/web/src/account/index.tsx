import { Route, Routes } from 'react-router';
import './account.css';
import { AccountPage } from './AccountPage.tsx';

/** The signed-in user's own account (every user). */
export default function AccountArea() {
  return (
    <Routes>
      <Route index element={<AccountPage />} />
    </Routes>
  );
}
