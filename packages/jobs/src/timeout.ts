import { JOBS, type JobName, type TimeoutClass } from './registry.ts';

/** Milliseconds per timeout class (from config: JOB_TIMEOUT_MS, REPORT_JOB_TIMEOUT_MS). */
export type JobTimeouts = Record<TimeoutClass, number>;

export const jobTimeoutMs = (name: JobName, timeouts: JobTimeouts): number => timeouts[JOBS[name].timeout];

export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError';
  constructor(
    readonly timeoutMs: number,
    what = 'job',
  ) {
    super(`${what} timed out after ${timeoutMs} ms`);
  }
}

/**
 * Run `fn` with a hard deadline: after `timeoutMs` the signal given to `fn` is aborted and the returned
 * promise rejects with JobTimeoutError, whether or not `fn` notices. Work that ignores the signal keeps
 * running in the background until it ends by itself, which is one reason handlers must be idempotent.
 * An abort of `opts.signal` (e.g. BullMQ cancelling the job) rejects at once with its reason.
 */
export async function runWithTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  opts: { signal?: AbortSignal; what?: string } = {},
): Promise<T> {
  const deadline = new AbortController();
  const parent = opts.signal;
  const signal = parent ? AbortSignal.any([parent, deadline.signal]) : deadline.signal;
  let timer: NodeJS.Timeout | undefined;
  let onParentAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new JobTimeoutError(timeoutMs, opts.what);
      deadline.abort(err);
      reject(err);
    }, timeoutMs);
    if (parent) {
      onParentAbort = () =>
        reject(parent.reason instanceof Error ? parent.reason : new Error(String(parent.reason ?? 'aborted')));
      if (parent.aborted) onParentAbort();
      else parent.addEventListener('abort', onParentAbort, { once: true });
    }
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(signal)), expired]);
  } finally {
    clearTimeout(timer);
    if (parent && onParentAbort) parent.removeEventListener('abort', onParentAbort);
  }
}
