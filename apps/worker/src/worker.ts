/**
 * One BullMQ Worker per priority class (queue), each with its own concurrency quota: a backlog in one
 * class never takes the slots of another, so a flood of P4 jobs cannot hold up a P1 job.
 *
 * Each job is looked up by name, its payload validated with the registry's zod schema (invalid →
 * UnrecoverableError: no retries), and its handler run under the hard timeout of its class with an
 * AbortSignal. The handler's outcome (`done | skipped`) is the job's return value. Retries follow the
 * job's retry policy (exponential, or an explicit schedule through the `schedule` backoff strategy).
 * A CircuitOpenError puts the job back, delayed, without using an attempt. Every failed try is noted in
 * the job's log; a job that fails for good is stored as a dead letter.
 */
import {
  backoffStrategy,
  bullPrefix,
  classOfQueue,
  definitionOf,
  isCircuitOpenError,
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobOutcome,
  type JobTimeouts,
  PRIORITY_CLASS_NAMES,
  type PriorityClass,
  type QueueName,
  queueOf,
  runWithTimeout,
} from '@app/jobs';
import type { Logger } from '@app/logger';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type DeadLetterSink, failureLine, firstFailureIn } from './dead-letter.ts';
import { createOutageLog } from './lib/outage-log.ts';
import { sleep } from './lib/sleep.ts';

export type ClassConcurrency = Record<PriorityClass, number>;

export type WorkerDeps = {
  /** A connection made with createRedis(url, 'worker') (BullMQ workers need maxRetriesPerRequest: null). */
  connection: Redis;
  /** REDIS_KEY_PREFIX; jobs live under bullPrefix(prefix), as for createQueues. */
  prefix: string;
  handlers: JobHandlers;
  timeouts: JobTimeouts;
  /** Jobs run at once per priority class (WORKER_CONCURRENCY_P1…P4); a number gives every class the same. */
  concurrency: ClassConcurrency | number;
  log: Logger;
  /** Where jobs that failed for good are stored (sys_dead_letters); without it they are only logged. */
  deadLetters?: DeadLetterSink;
};

export type RunningWorker = {
  /** One per priority class, in class order (P1 first). */
  workers: Worker[];
  /** Stop fetching jobs, wait for the active ones to finish and for their dead letters to be stored. */
  close(): Promise<void>;
  isRunning(): boolean;
};

/** The CircuitOpenError in `err` or its causes (a handler may wrap it), if any. */
function circuitOpenIn(err: unknown) {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (isCircuitOpenError(e)) return e;
  }
  return undefined;
}

/** A little spread, so jobs refused by one open breaker do not all come back in the same millisecond. */
const jitter = (ms: number) => Math.round(Math.random() * Math.min(1_000, ms * 0.1));

/** Run one job: the BullMQ processor of every queue. */
export async function processJob(
  deps: Pick<WorkerDeps, 'handlers' | 'timeouts' | 'log'>,
  queue: QueueName,
  job: Job,
  token?: string,
  signal?: AbortSignal,
): Promise<JobOutcome> {
  const attempt = job.attemptsMade + 1;
  const log = deps.log.child({ jobId: job.id, job: job.name, attempt });
  // Any queue runs any job the registry knows: a job left in another class's queue by an upgrade that
  // moved its type still runs.
  const def = definitionOf(job.name);
  if (!def) throw new UnrecoverableError(`unknown job "${job.name}" on queue "${queue}"`);
  const parsed = def.payload.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(`invalid payload for ${job.name}: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`);
  }
  const handler = deps.handlers[job.name as JobName] as JobHandler<JobName>;
  const timeoutMs = deps.timeouts[def.timeout];
  const started = performance.now();
  try {
    const outcome = await runWithTimeout(
      (s) => handler(parsed.data as never, { jobId: job.id ?? '', attempt, signal: s, log }),
      timeoutMs,
      { signal, what: `job ${job.name} ${job.id}` },
    );
    log.info({ outcome, ms: Math.round(performance.now() - started) }, 'job finished');
    return outcome;
  } catch (err) {
    const open = circuitOpenIn(err);
    if (open && token) {
      // The dependency is known to be down: come back when its breaker lets a call through, without
      // using an attempt (moveToDelayed skips the attempt count; DelayedError tells BullMQ it moved).
      const delayMs = open.retryAfterMs + jitter(open.retryAfterMs);
      await job.moveToDelayed(Date.now() + delayMs, token);
      log.warn({ breaker: open.breaker, delayMs }, 'dependency circuit open: job put back without using an attempt');
      throw new DelayedError();
    }
    throw err;
  }
}

/** Longer than createRedis's longest pause between reconnect tries (2 s). */
const RECONNECT_SETTLE_MS = 3_000;
/** Longest wait at close for dead letters still being written. */
const DEAD_LETTER_FLUSH_MS = 10_000;
/** Pauses between tries of a dead-letter write that failed (the database may be restarting). */
const DEAD_LETTER_RETRY_MS = [500, 1_000, 2_000, 4_000, 8_000];

/**
 * Close one Worker, letting its active jobs finish. Works around a BullMQ 6 hang (taskforcesh/bullmq#4656):
 * close() while the blocking connection waits to reconnect never resolves. So wait for that connection to
 * settle first; if Redis stays unreachable, active jobs could not be marked finished anyway, and the worker
 * is closed without waiting for them (their jobs come back as stalled and run again).
 */
async function closeWorker(worker: Worker, log: Logger): Promise<void> {
  const blocking = worker.getBackend().blockingClient;
  const client = blocking ? await Promise.race([blocking, sleep(RECONNECT_SETTLE_MS).then(() => null)]) : null;
  const status = () => (client as { status?: string } | null)?.status;
  const until = Date.now() + RECONNECT_SETTLE_MS;
  while (status() === 'reconnecting' && Date.now() < until) await sleep(20);
  if (blocking && (client === null || status() === 'reconnecting')) {
    log.warn({ queue: worker.name }, 'Redis unreachable while stopping: closing the worker without waiting for active jobs');
    await worker.close(true);
    return;
  }
  await worker.close();
}

export function startWorker(deps: WorkerDeps): RunningWorker {
  const redisOutage = createOutageLog(deps.log, 'job worker');
  deps.connection.on('ready', () => redisOutage.recovered());
  const concurrencyOf = (c: PriorityClass) => (typeof deps.concurrency === 'number' ? deps.concurrency : deps.concurrency[c]);
  /** Dead-letter writes in flight, awaited by close(). */
  const pending = new Set<Promise<void>>();
  const stopping = new AbortController();

  async function storeDeadLetter(reader: Queue, job: Job, err: Error, queue: QueueName): Promise<void> {
    if (!deps.deadLetters) return;
    const lastFailedAt = new Date(job.finishedOn ?? Date.now());
    const logs = await reader.getJobLogs(job.id!).catch(() => ({ logs: [] as string[] }));
    const letter = {
      queue,
      jobId: job.id!,
      jobName: job.name,
      priorityClass: classOfQueue(queue) ?? 'P4',
      payload: job.data,
      attempts: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      lastError: err?.message || job.failedReason || 'unknown error',
      errorStack: err?.stack ?? job.stacktrace?.at(-1) ?? null,
      firstFailedAt: firstFailureIn(logs.logs) ?? lastFailedAt,
      lastFailedAt,
    };
    const log = deps.log.child({ jobId: job.id, job: job.name, queue });
    for (let i = 0; ; i++) {
      try {
        await deps.deadLetters.record(letter);
        log.info({ attempts: letter.attempts, maxAttempts: letter.maxAttempts }, 'dead letter stored');
        return;
      } catch (e) {
        const wait = DEAD_LETTER_RETRY_MS[i];
        if (wait === undefined || stopping.signal.aborted) {
          log.error({ err: e }, 'could not store the dead letter; the job stays in the failed set for 7 days');
          return;
        }
        await sleep(wait, stopping.signal);
      }
    }
  }

  async function onFailed(reader: Queue, queue: QueueName, job: Job, err: Error): Promise<void> {
    const final = Boolean(job.finishedOn);
    const of = job.opts.attempts ?? 1;
    deps.log[final ? 'error' : 'warn'](
      { jobId: job.id, job: job.name, queue, attemptsMade: job.attemptsMade, final, err },
      final ? 'job failed for good; storing it as a dead letter' : 'job failed; will retry',
    );
    try {
      await job.log(failureLine(job.attemptsMade, of, new Date(job.finishedOn ?? Date.now()), err?.message ?? ''));
    } catch {
      // The log line only dates the first failure; losing it (Redis down) loses nothing else.
    }
    if (final) await storeDeadLetter(reader, job, err, queue);
  }

  const readers: Queue[] = [];
  const workers = PRIORITY_CLASS_NAMES.map((c) => {
    const queue = queueOf(c);
    const reader = new Queue(queue, { connection: deps.connection, prefix: bullPrefix(deps.prefix) });
    reader.on('error', () => {});
    readers.push(reader);
    const worker = new Worker(
      queue,
      (job: Job, token?: string, signal?: AbortSignal) => processJob(deps, queue, job, token, signal),
      {
        connection: deps.connection,
        prefix: bullPrefix(deps.prefix),
        concurrency: concurrencyOf(c),
        settings: { backoffStrategy },
      },
    );
    worker.on('failed', (job, err) => {
      if (!job) {
        deps.log.error({ queue, err }, 'a job failed and BullMQ did not say which');
        return;
      }
      const p = onFailed(reader, queue, job, err).catch((e) =>
        deps.log.error({ err: e, jobId: job.id }, 'failure handling failed'),
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    });
    worker.on('error', (err) => redisOutage.failed(err, { queue }));
    worker.on('active', () => redisOutage.recovered());
    return worker;
  });

  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => closeWorker(w, deps.log)));
      // Jobs that failed while closing are still being recorded: give them a bounded moment.
      const flushed = Promise.all([...pending]).then(() => true);
      const inTime = await Promise.race([flushed, sleep(DEAD_LETTER_FLUSH_MS).then(() => false)]);
      if (!inTime) deps.log.warn({ pending: pending.size }, 'stopped before every dead letter was stored');
      stopping.abort();
      await Promise.all(readers.map((r) => r.close().catch(() => {})));
    },
    isRunning: () => workers.every((w) => w.isRunning()),
  };
}
