/**
 * The contract between the registry and the worker's handlers: one typed handler per job name.
 * A handler returns what it did (`done`, or `skipped` when there was nothing left to do, e.g. a
 * redelivered job) and throws on failure; BullMQ then retries it with the job's retry policy, and once
 * the retries are used up (or on an UnrecoverableError) the worker stores it in sys_dead_letters.
 * A CircuitOpenError (a dependency's breaker is open) is not a failure: the job is put back, delayed
 * until the breaker lets calls through again, without using one of its attempts.
 */
import type { JobName, JobPayload } from './registry.ts';

export type JobOutcome = 'done' | 'skipped';

/** The logging a handler may do (pino's Logger fits). */
export interface JobLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type JobContext = {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** Aborted at the job's hard timeout or when the job is cancelled: stop working and throw. */
  signal: AbortSignal;
  /** Carries the job id and name on every line. */
  log: JobLog;
};

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<JobOutcome>;

/** Exactly one handler per job of the registry: adding a job without its handler fails to compile. */
export type JobHandlers = { [N in JobName]: JobHandler<N> };
