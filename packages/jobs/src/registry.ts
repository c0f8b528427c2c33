/**
 * The one registry of queues and jobs, shared by the API (producers) and the worker (consumers).
 * A job's payload is validated with its zod schema on both sides.
 */
import { z } from 'zod';

/**
 * Priority classes (platform plan §9), most urgent first. Each class is its own BullMQ queue, served by
 * its own BullMQ Worker with its own concurrency quota (WORKER_CONCURRENCY_P1…P4). A backlog in one class
 * therefore never stands in front of a job of another: a P1 job waits only for P1 jobs and P1 slots,
 * whatever is queued in P4. (BullMQ priorities inside one queue would order the jobs but not reserve
 * slots: a slot busy with a long P4 job is busy, and a huge prioritized set is slower to add to.)
 */
export const PRIORITY_CLASSES = {
  P1: { queue: 'p1-interactive', description: 'A user is waiting: instant exports, instant calculations.' },
  P2: { queue: 'p2-workflow', description: 'Process steps: event delivery, order processing, stock adjustments, notifications.' },
  P3: { queue: 'p3-scheduled', description: 'Scheduled work: scheduled reports, data sync, period close.' },
  P4: { queue: 'p4-maintenance', description: 'Maintenance: archiving, cleanup, month-end housekeeping.' },
} as const;
export type PriorityClass = keyof typeof PRIORITY_CLASSES;
export const PRIORITY_CLASS_NAMES = Object.keys(PRIORITY_CLASSES) as PriorityClass[];

export const QUEUE_NAMES = PRIORITY_CLASS_NAMES.map((c) => PRIORITY_CLASSES[c].queue);
export type QueueName = (typeof PRIORITY_CLASSES)[PriorityClass]['queue'];

/** The queue of a priority class. */
export const queueOf = (c: PriorityClass): QueueName => PRIORITY_CLASSES[c].queue;

/** The priority class of a queue name, or undefined for a name that is not one of ours. */
export const classOfQueue = (queue: string): PriorityClass | undefined =>
  PRIORITY_CLASS_NAMES.find((c) => PRIORITY_CLASSES[c].queue === queue);

/** Hard timeout classes (platform plan §3.2): general jobs 30 s, reports 15 min (JOB_TIMEOUT_MS, REPORT_JOB_TIMEOUT_MS). */
export type TimeoutClass = 'general' | 'report';

/**
 * How a job is retried after a failed try; when the retries are used up it fails for good and the worker
 * stores it in sys_dead_letters. An UnrecoverableError (or an invalid payload) skips the remaining retries.
 */
export type RetryPolicy =
  /** `attempts` tries in all; retry n waits baseMs × 2^(n-1). */
  | { kind: 'exponential'; attempts: number; baseMs: number }
  /** The first try, then one retry after each delay in turn (BullMQ custom backoff `schedule`). */
  | { kind: 'schedule'; delaysMs: readonly number[] };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Named retry schedules for job types that declare `{ kind: 'schedule' }`. */
export const RETRY_SCHEDULES = {
  /** The Turnkey hand-off: 1 min, 5 min, 15 min, 1 h, 4 h, then dead-lettered. */
  turnkey: [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR],
} as const satisfies Record<string, readonly number[]>;

export type JobDefinition<P extends z.ZodTypeAny = z.ZodTypeAny> = {
  payload: P;
  /** The priority class, hence the queue and the worker slots the job runs in. */
  priority: PriorityClass;
  timeout: TimeoutClass;
  retry: RetryPolicy;
  description: string;
};

const define = <P extends z.ZodTypeAny>(d: JobDefinition<P>) => d;

export const JOBS = {
  'event.dispatch': define({
    payload: z.object({ outboxId: z.string().regex(/^\d+$/), eventId: z.string().uuid(), eventType: z.string() }),
    priority: 'P2',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 10, baseMs: 5_000 },
    description: 'Deliver one outbox event to its subscribers (webhooks, notifications).',
  }),
  'maintenance.cleanup': define({
    payload: z.object({}),
    priority: 'P4',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: MINUTE },
    description:
      "Delete expired idempotency keys, expired sessions, old dispatched outbox rows, and what is past its retention (RETENTION_*: audit log, decided approvals and ops reports, web error reports, sent notification mails, report files under reports/ and temp files under tmp/ in storage); create the coming months' invoice partitions.",
  }),
  'turnkey.handoff': define({
    payload: z.object({}),
    priority: 'P2',
    timeout: 'general',
    // Each message keeps its own retry schedule (1 min … 4 h) in turnkey_messages; this job only drains.
    retry: { kind: 'exponential', attempts: 3, baseMs: 5_000 },
    description:
      'Hand due Turnkey messages off: build the MIG XML, check it against the XSDs, write it atomically into UpCast/<CAT>/<MSG>/SRC.',
  }),
  'turnkey.results': define({
    payload: z.object({}),
    priority: 'P2',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: 5_000 },
    description: "Read Turnkey's verdicts (TURNKEY_MESSAGE_LOG / TURNKEY_SYSEVENT_LOG) back onto the delivered messages.",
  }),
  'turnkey.deadlines': define({
    payload: z.object({}),
    priority: 'P3',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: MINUTE },
    description:
      'Flag MIG messages not yet accepted after most of their upload limit (B2C 48 h, B2B 7 days) with a DeadlineAtRisk event.',
  }),
  'turnkey.unpack': define({
    payload: z.object({}),
    priority: 'P2',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: 5_000 },
    description:
      "Read each file Turnkey leaves in Unpack/BAK once: ProcessResult verdicts onto delivered messages, the daily SummaryResult's totals and lists, E0501 allocations imported as tracks.",
  }),
  'turnkey.reconcile': define({
    // The Asia/Taipei day to reconcile; without it, yesterday and the day before (late summaries, midnight).
    payload: z.object({
      day: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .refine((d) => {
          const t = Date.parse(`${d}T00:00:00Z`);
          return Number.isFinite(t) && new Date(t).toISOString().startsWith(d);
        }, 'not a calendar day')
        .optional(),
    }),
    priority: 'P3',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 5, baseMs: MINUTE },
    description:
      "Compare a day's hand-offs per message type with the platform's SummaryResult; store each difference and announce them with one TurnkeyReconciliationDiffers event.",
  }),
  'certificate.watch': define({
    payload: z.object({}),
    priority: 'P3',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: MINUTE },
    description:
      "Announce sellers' signing certificates that expire within 30, 14, 7 or 1 days, or have expired (CertificateExpiring, once per threshold).",
  }),
  'period.close': define({
    // A period (ROC year + even month) to close alone; without it, every period that has ended.
    payload: z.object({
      period: z
        .string()
        .regex(/^\d{3}(0[2468]|1[02])$/)
        .optional(),
    }),
    // Scheduled work with a deadline (blanks for E0402 within 10 days): its own class, so no cleanup
    // backlog in P4 can delay it.
    priority: 'P3',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 5, baseMs: MINUTE },
    description:
      "Close the blocks of every period that has ended and store each block's unissued numbers (period_blanks) for E0402; one PeriodClosed event per seller and period.",
  }),
  'import.invoices': define({
    payload: z.object({ importId: z.string().uuid() }),
    // Bulk work nobody waits on second by second: not P1, and not P2, whose slots deliver events and hand
    // invoices to Turnkey. P3 holds it beside the other batch work (at most WORKER_CONCURRENCY_P3 imports at
    // once, so the API keeps its share of the database); the report timeout, because a file of 100,000
    // invoices runs for minutes. A run cut off (timeout, crash) resumes on its retry where it stopped.
    priority: 'P3',
    timeout: 'report',
    retry: { kind: 'exponential', attempts: 5, baseMs: 30_000 },
    description:
      'Read an uploaded import file (CSV or JSON lines), check every invoice, then issue them one by one as the uploader, logging each outcome; resumes where a killed run stopped and never issues an invoice twice.',
  }),
  'webhook.deliver': define({
    payload: z.object({}),
    // A process step (P2, beside event delivery). One run per worker process at a time keeps up to
    // WEBHOOK_CONCURRENCY requests in flight, claiming more as they finish, for about 20 s; a request may take
    // 60 s (large payloads), hence the report timeout. Each delivery keeps its own retry schedule (1 min …
    // 24 h, 10 tries) in sys_webhook_deliveries; this job only sends what is due. Scheduled every 5 s and
    // nudged when deliveries are added.
    priority: 'P2',
    timeout: 'report',
    retry: { kind: 'exponential', attempts: 3, baseMs: 5_000 },
    description:
      'Send the due webhook deliveries (claimed with SKIP LOCKED and a lease, at most WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION per subscription), signed, to addresses checked again before each try; record each try; retry 1 min … 24 h, the tenth failure is dead with a WebhookDead event.',
  }),
  'maintenance.vacuum': define({
    payload: z.object({}),
    priority: 'P4',
    timeout: 'report',
    retry: { kind: 'exponential', attempts: 3, baseMs: MINUTE },
    description:
      'VACUUM (ANALYZE) the high-churn tables (idempotency keys, sessions, outbox, Turnkey messages, blocks, webhook deliveries, mails) off-peak, 03:30 Asia/Taipei.',
  }),
  'maintenance.slow_queries': define({
    payload: z.object({}),
    priority: 'P4',
    timeout: 'report',
    retry: { kind: 'exponential', attempts: 3, baseMs: MINUTE },
    description:
      'The daily slow-query report into sys_ops_reports (pg_stat_statements, else SLOW_QUERY_LOG_FILE): top SQL by total and mean time, counts, suggested indexes; a statement over SLOW_QUERY_ALERT_MS sets the alert, logs an error and announces SlowQueryDetected. 04:00 Asia/Taipei.',
  }),
  'maintenance.archive': define({
    payload: z.object({}),
    // Runs for as long as a month's export takes (the report timeout); a run cut off leaves the month online
    // and the next day's run starts it again.
    priority: 'P4',
    timeout: 'report',
    retry: { kind: 'exponential', attempts: 3, baseMs: 5 * MINUTE },
    description:
      'Archive invoice months older than ARCHIVE_HOT_MONTHS (docs/archive.md): export the invoices, items and every row referencing them to storage with a manifest, read it back and verify it, then delete those rows and drop the partitions in one transaction; a month with a Turnkey message not accepted (or recent activity) waits. 04:30 Asia/Taipei.',
  }),
  'webhook.cleanup': define({
    payload: z.object({}),
    priority: 'P4',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: MINUTE },
    description: 'Delete webhook deliveries (and their tries) older than WEBHOOK_LOG_RETENTION_DAYS (90).',
  }),
  'notification.send': define({
    payload: z.object({}),
    // A process step (platform plan §9 puts notifications in P2). Each mail keeps its own tries in
    // notification_mails (1 min … 4 h, then failed); this job only drains what is due.
    priority: 'P2',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: 5_000 },
    description:
      'Send the due notification e-mails over SMTP (claimed with SKIP LOCKED, behind the smtp circuit breaker); a sent mail is marked with its ClientNotificationSent event in one transaction, a failed try waits (1 min … 4 h), the sixth failure gives up.',
  }),
  'notification.digest': define({
    payload: z.object({}),
    priority: 'P3',
    timeout: 'general',
    retry: { kind: 'exponential', attempts: 3, baseMs: MINUTE },
    description:
      "Collect each user's waiting digest items into one mail once their digest is due (every hour, or daily at their Asia/Taipei hour).",
  }),
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

export const isJobName = (name: string): name is JobName => Object.hasOwn(JOBS, name);

/** The definition of a job name, or undefined for a name the registry does not know. */
export const definitionOf = (name: string): JobDefinition | undefined =>
  isJobName(name) ? (JOBS[name] as JobDefinition) : undefined;

/** The queue a job of `name` is added to: the queue of its priority class. */
export const queueFor = (name: JobName): QueueName => queueOf(JOBS[name].priority);

/** How long BullMQ keeps finished jobs: completed ones 1 day (dedup window for job ids), failed ones 7 days. */
export const KEEP_COMPLETED_SECONDS = 24 * 3600;
export const KEEP_FAILED_SECONDS = 7 * 24 * 3600;

/** The BullMQ backoff type of retry schedules; the delays travel in the job's own options (see scheduleBackoff). */
export const SCHEDULE_BACKOFF = 'schedule';

/** Total tries a retry policy allows, the first one included. */
export const attemptsOf = (retry: RetryPolicy): number =>
  retry.kind === 'exponential' ? retry.attempts : retry.delaysMs.length + 1;

/**
 * BullMQ `attempts` and `backoff` for a retry policy. A schedule's delays are stored with the job
 * (`backoff.delaysMs`), so a job keeps the schedule it was enqueued with, as it keeps its `attempts`.
 */
export function retryOptions(retry: RetryPolicy) {
  return {
    attempts: attemptsOf(retry),
    backoff:
      retry.kind === 'exponential'
        ? { type: 'exponential' as const, delay: retry.baseMs }
        : // BullMQ's BackoffOptions has no field for a list; it stores and returns the object as given.
          ({ type: SCHEDULE_BACKOFF, delaysMs: [...retry.delaysMs] } as { type: string; delay?: number }),
  };
}

/**
 * The worker's BullMQ `settings.backoffStrategy`: the delay before retry `attemptsMade` of a job whose
 * backoff type is `schedule` (the n-th delay of its list; the last one again if the list is shorter).
 * -1 (do not retry) for a type it does not know, rather than retrying in a hot loop.
 */
export function backoffStrategy(
  attemptsMade: number,
  type?: string,
  _err?: Error,
  job?: { opts: { backoff?: unknown } },
): number {
  if (type !== SCHEDULE_BACKOFF) return -1;
  const delays = (job?.opts.backoff as { delaysMs?: unknown } | undefined)?.delaysMs;
  if (!Array.isArray(delays) || delays.length === 0) return -1;
  const d = Number(delays[Math.min(Math.max(attemptsMade, 1), delays.length) - 1]);
  return Number.isFinite(d) && d >= 0 ? d : -1;
}

/** BullMQ job options for a job of `name`, shared by every producer. `retry` replaces the registry's policy (tests). */
export function jobOptions(name: JobName, opts: { jobId?: string; retry?: RetryPolicy } = {}) {
  const def: JobDefinition = JOBS[name];
  return {
    jobId: opts.jobId,
    ...retryOptions(opts.retry ?? def.retry),
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  };
}
