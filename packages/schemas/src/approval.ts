/**
 * Two-step approval (seed "手動轉檔 UI + 二階段審核"). An action marked as needing approval does not run when
 * asked: the API answers 202 with a pending request, and the action runs only when a different user holding
 * `approve` accepts it (as the requester, whose permission and data scope are checked again then). Which
 * actions need it: manual resend of an invoice's Turnkey messages, voids, and allowances whose total is above
 * `APPROVAL_ALLOWANCE_THRESHOLD` (deploy/.env.example).
 */
import { z } from 'zod';

export const APPROVAL_ACTIONS = ['turnkey.resend', 'invoice.void', 'allowance.issue'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

/** pending → approved (the action ran) | failed (approved, but the action refused) | rejected | withdrawn. */
export const APPROVAL_STATUSES = ['pending', 'approved', 'failed', 'rejected', 'withdrawn'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

const person = z.object({ id: z.string(), username: z.string(), displayName: z.string() });

export const approvalView = z.object({
  id: z.string(),
  action: z.enum(APPROVAL_ACTIONS),
  status: z.enum(APPROVAL_STATUSES),
  /** The invoice number the action is about. */
  invoiceNumber: z.string(),
  sellerId: z.string(),
  /** allowance.issue: the allowance's tax-included total; otherwise null. */
  amount: z.number().nullable(),
  /** The request body as the requester sent it (what will run). */
  payload: z.unknown(),
  requestedBy: person,
  requestedAt: z.string(),
  decidedBy: person.nullable(),
  decidedAt: z.string().nullable(),
  /** The approver's note, or the reason for a rejection. */
  decisionNote: z.string().nullable(),
  /** approved: what the action answered (as the direct call would have). */
  result: z.unknown().nullable(),
  /** failed: why the action refused when it ran. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type ApprovalView = z.infer<typeof approvalView>;

/** What an action needing approval answers, with status 202. */
export const approvalRequired = z.object({ approvalRequired: z.literal(true), approval: approvalView });
export type ApprovalRequired = z.infer<typeof approvalRequired>;

export const listApprovalsQuery = z.strictObject({
  /** Default: pending. */
  status: z.enum([...APPROVAL_STATUSES, 'all']).default('pending'),
  action: z.enum(APPROVAL_ACTIONS).optional(),
  invoiceNumber: z
    .string()
    .regex(/^[A-Z]{2}\d{8}$/, 'an invoice number like AB12345678')
    .optional(),
  /** 'true': only the caller's own requests. */
  mine: z.enum(['true', 'false']).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const approvalPage = z.object({ items: z.array(approvalView), nextCursor: z.string().nullable() });

export const approvalParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'an approval id') });

export const approveBody = z.strictObject({ note: z.string().trim().max(200).optional() });
export const rejectBody = z.strictObject({ reason: z.string().trim().min(1, 'a reason').max(200) });
