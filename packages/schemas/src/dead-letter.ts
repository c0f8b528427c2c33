import { PRIORITY_CLASS_NAMES } from '@app/jobs/registry';
import { z } from 'zod';

const priorityClass = z.enum(PRIORITY_CLASS_NAMES as [string, ...string[]]);
export const deadLetterStatus = z.enum(['dead', 'retried']);

export const deadLetterParams = z.strictObject({ id: z.string().regex(/^\d{1,19}$/, 'a dead letter id') });

export const listDeadLettersQuery = z.strictObject({
  jobName: z.string().max(100).optional(),
  priorityClass: priorityClass.optional(),
  status: deadLetterStatus.optional(),
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListDeadLettersQuery = z.infer<typeof listDeadLettersQuery>;

export const purgeDeadLettersBody = z.strictObject({
  /** Rows whose last failure is older than this many days (0: every row the other filters match). */
  olderThanDays: z.number().int().min(0).max(3650),
  jobName: z.string().max(100).optional(),
  status: deadLetterStatus.optional(),
});
export type PurgeDeadLettersInput = z.infer<typeof purgeDeadLettersBody>;

export const deadLetterView = z.object({
  id: z.string(),
  status: deadLetterStatus,
  queue: z.string(),
  jobId: z.string(),
  jobName: z.string(),
  priorityClass: z.string(),
  payload: z.unknown(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  lastError: z.string(),
  errorStack: z.string().nullable(),
  firstFailedAt: z.string(),
  lastFailedAt: z.string(),
  createdAt: z.string(),
  retriedAt: z.string().nullable(),
  retriedBy: z.string().nullable(),
  retryJobId: z.string().nullable(),
});
export type DeadLetterView = z.infer<typeof deadLetterView>;

export const retriedDeadLetter = deadLetterView.extend({
  /** Where the job is now: `retried` (the failed job re-run in place), `added` (added anew) or `pending` (already queued). */
  requeue: z.object({
    outcome: z.enum(['retried', 'added', 'pending']),
    queue: z.string(),
    jobId: z.string(),
    state: z.string(),
  }),
});
