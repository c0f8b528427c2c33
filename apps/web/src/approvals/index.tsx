import { Route, Routes } from 'react-router';
import './approvals.css';
import { ApprovalDetail } from './ApprovalDetail.tsx';
import { ApprovalsList } from './ApprovalsList.tsx';

/** Two-step approval: the requests waiting for a decision and one's own (`/approvals`), one request (`/approvals/:id`). */
export default function ApprovalsArea() {
  return (
    <Routes>
      <Route index element={<ApprovalsList />} />
      <Route path=":id" element={<ApprovalDetail />} />
    </Routes>
  );
}
