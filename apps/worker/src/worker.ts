/**
 * One BullMQ Worker per queue of the registry. Each job is looked up by name, its payload validated
 * with the registry's zod schema (invalid → UnrecoverableError: no retries), and its handler run under
 * the hard timeout of its class with an AbortSignal. The handler's outcome (`done | skipped`) is the
 * job's return value. Retries and backoff come from the job's options (see jobOptions in @app/jobs).
 */
import {
  bullPrefix,
  JOBS,
  type JobDefinition,
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobOutcome,
  type JobTimeouts,
  QUEUE_NAMES,
  type QueueName,
  runWithTimeout,
} from '@app/jobs';
import type { Logger } from '@app/logger';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { createOutageLog } from './lib/outage-log.ts';
import { sleep } from './lib/sleep.ts';

export type WorkerDeps = {
  /** A connection made with createRedis(url, 'worker') (BullMQ workers need maxRetriesPerRequest: null). */
  connection: Redis;
  /** REDIS_KEY_PREFIX; jobs live under bullPrefix(prefix), as for createQueues. */
  prefix: string;
  handlers: JobHandlers;
  timeouts: JobTimeouts;
  /** Jobs run at once per queue (WORKER_CONCURRENCY). */
  concurrency: number;
  log: Logger;
};

export type RunningWorker = {
  workers: Worker[];
  /** Stop fetching jobs and wait for the active ones to finish. */
  close(): Promise<void>;
  isRunning(): boolean;
};

const definitionOf = (name: string): JobDefinition | undefined =>
  Object.hasOwn(JOBS, name) ? (JOBS as Record<string, JobDefinition>)[name] : undefined;

/** Run one job: the BullMQ processor of every queue. */
export async function processJob(deps: WorkerDeps, queue: QueueName, job: Job, signal?: AbortSignal): Promise<JobOutcome> {
  const attempt = job.attemptsMade + 1;
  const log = deps.log.child({ jobId: job.id, job: job.name, attempt });
  const def = definitionOf(job.name);
  if (!def || def.queue !== queue) throw new UnrecoverableError(`unknown job "${job.name}" on queue "${queue}"`);
  const parsed = def.payload.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(`invalid payload for ${job.name}: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`);
  }
  const handler = deps.handlers[job.name as JobName] as JobHandler<JobName>;
  const timeoutMs = deps.timeouts[def.timeout];
  const started = performance.now();
  const outcome = await runWithTimeout(
    (s) => handler(parsed.data as never, { jobId: job.id ?? '', attempt, signal: s, log }),
    timeoutMs,
    { signal, what: `job ${job.name} ${job.id}` },
  );
  log.info({ outcome, ms: Math.round(performance.now() - started) }, 'job finished');
  return outcome;
}

/** Longer than createRedis's longest pause between reconnect tries (2 s). */
const RECONNECT_SETTLE_MS = 3_000;

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

  const workers = QUEUE_NAMES.map((queue) => {
    const worker = new Worker(queue, (job: Job, _token?: string, signal?: AbortSignal) => processJob(deps, queue, job, signal), {
      connection: deps.connection,
      prefix: bullPrefix(deps.prefix),
      concurrency: deps.concurrency,
    });
    worker.on('failed', (job, err) => {
      const final = !job || Boolean(job.finishedOn);
      deps.log[final ? 'error' : 'warn'](
        { jobId: job?.id, job: job?.name, attemptsMade: job?.attemptsMade, final, err },
        final ? 'job failed; kept in the failed set' : 'job failed; will retry',
      );
    });
    worker.on('error', (err) => redisOutage.failed(err, { queue }));
    worker.on('active', () => redisOutage.recovered());
    return worker;
  });

  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => closeWorker(w, deps.log)));
    },
    isRunning: () => workers.every((w) => w.isRunning()),
  };
}
