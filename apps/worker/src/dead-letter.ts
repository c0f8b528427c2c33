/**
 * Dead letters: jobs that failed for good (retries used up, an UnrecoverableError, an invalid payload,
 * or stalled too often) are stored in sys_dead_letters, where operators list, retry and purge them
 * (GET/POST /api/v1/dead-letters, apps/api/src/modules/dead-letter). BullMQ keeps the failed job too,
 * for KEEP_FAILED_SECONDS (7 days).
 *
 * The first failure time comes from the job's BullMQ log: the worker appends one line per failed try
 * (`failureLine`), and a dead letter's first failure is the latest line of a first try (a job retried
 * from the dead letters starts again at try 1).
 */
import type { Database } from '@app/db';
import type { PriorityClass } from '@app/jobs';

export type DeadLetter = {
  queue: string;
  jobId: string;
  jobName: string;
  priorityClass: PriorityClass;
  payload: unknown;
  /** Tries made. */
  attempts: number;
  /** Tries the job was allowed. */
  maxAttempts: number;
  lastError: string;
  errorStack: string | null;
  firstFailedAt: Date;
  lastFailedAt: Date;
};

export type DeadLetterSink = { record(letter: DeadLetter): Promise<void> };

const MAX_ERROR_LENGTH = 2_000;
const MAX_STACK_LENGTH = 8_000;

/**
 * The database sink. Recording the same death twice (a retried write whose first try did commit) adds
 * nothing: one row per queue, job id and time of final failure.
 */
export function createDeadLetterStore(db: Database): DeadLetterSink {
  return {
    async record(d) {
      await db
        .insertInto('sys_dead_letters')
        .values({
          queue: d.queue,
          job_id: d.jobId,
          job_name: d.jobName,
          priority_class: d.priorityClass,
          payload: JSON.stringify(d.payload ?? null),
          attempts: d.attempts,
          max_attempts: d.maxAttempts,
          last_error: d.lastError.slice(0, MAX_ERROR_LENGTH),
          error_stack: d.errorStack?.slice(0, MAX_STACK_LENGTH) ?? null,
          first_failed_at: d.firstFailedAt,
          last_failed_at: d.lastFailedAt,
        })
        .onConflict((oc) => oc.columns(['queue', 'job_id', 'last_failed_at']).doNothing())
        .execute();
    },
  };
}

/** The job-log line of a failed try, e.g. `try 2/6 failed at 2026-11-21T08:00:00.000Z: connection refused`. */
export const failureLine = (attempt: number, of: number, at: Date, message: string): string =>
  `try ${attempt}/${of} failed at ${at.toISOString()}: ${message.slice(0, 500)}`;

const LINE = /^try (\d+)\/\d+ failed at (\S+):/;

/** The time of the latest failed first try in a job's log lines, or null when there is none. */
export function firstFailureIn(lines: readonly string[]): Date | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = LINE.exec(lines[i]!);
    if (m && m[1] === '1') {
      const at = new Date(m[2]!);
      if (!Number.isNaN(at.getTime())) return at;
    }
  }
  return null;
}
