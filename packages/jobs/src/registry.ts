/**
 * The one registry of queues and jobs, shared by the API (producers) and the worker (consumers).
 * A job's payload is validated with its zod schema on both sides.
 */
import { z } from 'zod';

/** Priority classes (platform plan §9): lower number = more urgent; maps onto BullMQ `priority`. */
export const PRIORITY = { P1: 1, P2: 2, P3: 3, P4: 4 } as const;
export type PriorityClass = keyof typeof PRIORITY;

/** Hard timeout classes (platform plan §3.2): general jobs 30 s, reports 15 min (configurable). */
export type TimeoutClass = 'general' | 'report';

export const QUEUE_NAMES = ['events', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type JobDefinition<P extends z.ZodTypeAny = z.ZodTypeAny> = {
  queue: QueueName;
  payload: P;
  priority: PriorityClass;
  timeout: TimeoutClass;
  /** Total tries including the first. */
  attempts: number;
  /** Exponential backoff base: retry n waits base × 2^(n-1). */
  backoffMs: number;
  description: string;
};

const define = <P extends z.ZodTypeAny>(d: JobDefinition<P>) => d;

export const JOBS = {
  'event.dispatch': define({
    queue: 'events',
    payload: z.object({ outboxId: z.string().regex(/^\d+$/), eventId: z.string().uuid(), eventType: z.string() }),
    priority: 'P2',
    timeout: 'general',
    attempts: 10,
    backoffMs: 5_000,
    description: 'Deliver one outbox event to its subscribers (webhooks, notifications).',
  }),
  'maintenance.cleanup': define({
    queue: 'maintenance',
    payload: z.object({}),
    priority: 'P4',
    timeout: 'general',
    attempts: 3,
    backoffMs: 60_000,
    description:
      "Delete expired idempotency keys, expired sessions and old dispatched outbox rows; create the coming months' invoice partitions.",
  }),
  'period.close': define({
    queue: 'maintenance',
    // A period (ROC year + even month) to close alone; without it, every period that has ended.
    payload: z.object({
      period: z
        .string()
        .regex(/^\d{3}(0[2468]|1[02])$/)
        .optional(),
    }),
    // Ahead of cleanup in the maintenance queue: blocks must close and blanks exist for E0402's 10-day deadline.
    priority: 'P2',
    timeout: 'general',
    attempts: 5,
    backoffMs: 60_000,
    description:
      "Close the blocks of every period that has ended and store each block's unissued numbers (period_blanks) for E0402; one PeriodClosed event per seller and period.",
  }),
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

/** How long BullMQ keeps finished jobs: completed ones 1 day (dedup window for job ids), failed ones 7 days. */
export const KEEP_COMPLETED_SECONDS = 24 * 3600;
export const KEEP_FAILED_SECONDS = 7 * 24 * 3600;

/** BullMQ job options for a job of `name`, shared by every producer. */
export function jobOptions(name: JobName, opts: { jobId?: string } = {}) {
  const def = JOBS[name];
  return {
    jobId: opts.jobId,
    priority: PRIORITY[def.priority],
    attempts: def.attempts,
    backoff: { type: 'exponential' as const, delay: def.backoffMs },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  };
}
