import { Route, Routes } from 'react-router';

/** The webhooks screens (their own sub-paths under /webhooks). */
export default function WebhooksArea() {
  return (
    <Routes>
      <Route index element={<p role="status">webhooks</p>} />
    </Routes>
  );
}
