import { Route, Routes } from 'react-router';

/** The turnkey screens (their own sub-paths under /turnkey). */
export default function TurnkeyArea() {
  return (
    <Routes>
      <Route index element={<p role="status">turnkey</p>} />
    </Routes>
  );
}
