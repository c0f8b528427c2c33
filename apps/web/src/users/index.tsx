import { Route, Routes } from 'react-router';

/** The users screens (their own sub-paths under /users). */
export default function UsersArea() {
  return (
    <Routes>
      <Route index element={<p role="status">users</p>} />
    </Routes>
  );
}
