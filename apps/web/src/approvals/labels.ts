import type { ApprovalAction, ApprovalStatus } from '@app/schemas/approval';
import type { MessageKey } from '../i18n/index.ts';

export const ACTION_LABEL: Record<ApprovalAction, MessageKey> = {
  'turnkey.resend': 'approvals.action.turnkeyResend',
  'invoice.void': 'approvals.action.invoiceVoid',
  'allowance.issue': 'approvals.action.allowanceIssue',
};

export const STATUS_LABEL: Record<ApprovalStatus, MessageKey> = {
  pending: 'approvals.status.pending',
  approved: 'approvals.status.approved',
  failed: 'approvals.status.failed',
  rejected: 'approvals.status.rejected',
  withdrawn: 'approvals.status.withdrawn',
};

/** The badge colour of a status: done well, went wrong, or waiting. */
export const STATUS_BADGE: Record<ApprovalStatus, string> = {
  pending: 'badge warn',
  approved: 'badge good',
  failed: 'badge bad',
  rejected: 'badge bad',
  withdrawn: 'badge',
};
