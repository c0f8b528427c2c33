import { Route, Routes } from 'react-router';

/** The tracks screens (their own sub-paths under /tracks). */
export default function TracksArea() {
  return (
    <Routes>
      <Route index element={<p role="status">tracks</p>} />
    </Routes>
  );
}
