import { Route, Routes } from 'react-router';

/** The sellers screens (their own sub-paths under /sellers). */
export default function SellersArea() {
  return (
    <Routes>
      <Route index element={<p role="status">sellers</p>} />
    </Routes>
  );
}
