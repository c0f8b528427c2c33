/**
 * Everything the worker process runs, built from its config: job workers, the outbox relay and the
 * job schedules. main.ts adds the process concerns (config, schema check, signals, exit codes);
 * tests start this in-process with their own handlers, subscribers and relay hooks.
 */
import type { Config } from '@app/config';
import type { Database } from '@app/db';
import { createQueues, createRedis, type JobHandlers, type Queues } from '@app/jobs';
import type { Logger } from '@app/logger';
import { createHandlers } from './jobs/index.ts';
import { createOutageLog } from './lib/outage-log.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
import { registerSchedulesInBackground } from './schedules.ts';
import { createSubscriberRegistry, type SubscriberRegistry } from './subscribers.ts';
import { type RunningWorker, startWorker } from './worker.ts';

type WorkerConfig = Pick<
  Config,
  | 'REDIS_URL'
  | 'REDIS_KEY_PREFIX'
  | 'WORKER_CONCURRENCY'
  | 'JOB_TIMEOUT_MS'
  | 'REPORT_JOB_TIMEOUT_MS'
  | 'OUTBOX_BATCH_SIZE'
  | 'OUTBOX_POLL_MS'
  | 'OFFLINE_SUBMIT_GRACE_HOURS'
>;

export type RuntimeDeps = {
  config: WorkerConfig;
  db: Database;
  log: Logger;
  subscribers?: SubscriberRegistry;
  /** Replace some production handlers (tests). */
  handlers?: Partial<JobHandlers>;
  /** Relay tuning and hooks (tests). */
  relay?: Partial<Pick<OutboxRelayOptions, 'maxBackoffMs' | 'enqueueTimeoutMs' | 'afterEnqueue' | 'onDispatched'>>;
};

export type Runtime = {
  worker: RunningWorker;
  relay: OutboxRelay;
  queues: Queues;
  subscribers: SubscriberRegistry;
  handlers: JobHandlers;
  /** Stop the relay, let active jobs finish, close the queues and Redis connections (not the database). */
  stop(): Promise<void>;
};

export function startRuntime(deps: RuntimeDeps): Runtime {
  const { config, db, log } = deps;
  // Workers block on Redis and must wait out outages; producers (relay, schedules) fail fast instead.
  const workerRedis = createRedis(config.REDIS_URL, 'worker');
  const producerRedis = createRedis(config.REDIS_URL, 'client', { commandTimeout: 5_000 });
  const queueOutage = createOutageLog(log, 'queue Redis connection');
  producerRedis.on('ready', () => queueOutage.recovered());
  const queues = createQueues(producerRedis, config.REDIS_KEY_PREFIX, {
    onError: (err, queue) => queueOutage.failed(err, { queue }),
  });

  const subscribers = deps.subscribers ?? createSubscriberRegistry();
  const handlers: JobHandlers = {
    ...createHandlers({ db, subscribers, offlineGraceHours: config.OFFLINE_SUBMIT_GRACE_HOURS }),
    ...deps.handlers,
  };
  const worker = startWorker({
    connection: workerRedis,
    prefix: config.REDIS_KEY_PREFIX,
    handlers,
    timeouts: { general: config.JOB_TIMEOUT_MS, report: config.REPORT_JOB_TIMEOUT_MS },
    concurrency: config.WORKER_CONCURRENCY,
    log,
  });
  const relay = createOutboxRelay({
    db,
    queue: queues.events,
    log,
    batchSize: config.OUTBOX_BATCH_SIZE,
    pollMs: config.OUTBOX_POLL_MS,
    isReady: () => producerRedis.status === 'ready',
    ...deps.relay,
  });
  relay.start();
  const schedules = registerSchedulesInBackground(queues, log);

  let stopping: Promise<void> | null = null;
  return {
    worker,
    relay,
    queues,
    subscribers,
    handlers,
    stop: () => {
      stopping ??= (async () => {
        await relay.stop();
        schedules.cancel();
        await worker.close();
        await queues.close();
        workerRedis.disconnect();
        producerRedis.disconnect();
      })();
      return stopping;
    },
  };
}
