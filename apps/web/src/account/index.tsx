import { Route, Routes } from 'react-router';

/** The account screens (their own sub-paths under /account). */
export default function AccountArea() {
  return (
    <Routes>
      <Route index element={<p role="status">account</p>} />
    </Routes>
  );
}
