/**
 * Everything the worker process runs, built from its config: one job worker per priority class, the
 * outbox relay, the job schedules (after moving jobs left in the queues of an older version), dead
 * letters, and the publication of circuit breaker states. main.ts adds the process concerns (config,
 * schema check, signals, exit codes); tests start this in-process with their own handlers, subscribers
 * and relay hooks.
 */
import { hostname } from 'node:os';
import type { Config } from '@app/config';
import type { Database } from '@app/db';
import {
  type CircuitBreakerRegistry,
  type CircuitBreakerSnapshot,
  circuitBreakers,
  createQueues,
  createRedis,
  type JobHandlers,
  moveLegacyJobs,
  publishCircuitState,
  type Queues,
  queueFor,
} from '@app/jobs';
import type { Logger } from '@app/logger';
import { createXsdValidator } from '@app/xsd';
import type { ApiServices } from './api-services.ts';
import { createDeadLetterStore, type DeadLetterSink } from './dead-letter.ts';
import { importQueuedSubscriber } from './jobs/import.invoices.ts';
import { createHandlers } from './jobs/index.ts';
import { createOutageLog } from './lib/outage-log.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
import { registerSchedulesInBackground } from './schedules.ts';
import { createSubscriberRegistry, type SubscriberRegistry } from './subscribers.ts';
import { type ClassConcurrency, type RunningWorker, startWorker } from './worker.ts';

type WorkerConfig = Pick<
  Config,
  | 'REDIS_URL'
  | 'REDIS_KEY_PREFIX'
  | 'WORKER_CONCURRENCY_P1'
  | 'WORKER_CONCURRENCY_P2'
  | 'WORKER_CONCURRENCY_P3'
  | 'WORKER_CONCURRENCY_P4'
  | 'JOB_TIMEOUT_MS'
  | 'REPORT_JOB_TIMEOUT_MS'
  | 'OUTBOX_BATCH_SIZE'
  | 'OUTBOX_POLL_MS'
  | 'OFFLINE_SUBMIT_GRACE_HOURS'
> &
  Partial<
    Pick<
      Config,
      | 'TURNKEY_ROOT'
      | 'TURNKEY_XSD_DIR'
      | 'TURNKEY_DB_URL'
      | 'TURNKEY_HANDOFF_BATCH'
      | 'TURNKEY_HANDOFF_LANES'
      | 'TURNKEY_HANDOFF_LEASE_SECONDS'
      | 'TURNKEY_RISK_B2C_HOURS'
      | 'TURNKEY_RISK_B2B_HOURS'
      | 'TURNKEY_UNPACK_LOOKBACK_DAYS'
    >
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
  /** Where dead letters go (default: sys_dead_letters in `db`). */
  deadLetters?: DeadLetterSink;
  /** The breakers whose state changes are logged and published (default: the process's `circuitBreakers`). */
  breakers?: CircuitBreakerRegistry;
  /** The API's services for the jobs that issue or import (main.ts makes them; without, those jobs fail). */
  api?: () => Promise<ApiServices>;
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

/** The job slots per priority class, from WORKER_CONCURRENCY_P1…P4. */
export const classConcurrency = (config: WorkerConfig): ClassConcurrency => ({
  P1: config.WORKER_CONCURRENCY_P1,
  P2: config.WORKER_CONCURRENCY_P2,
  P3: config.WORKER_CONCURRENCY_P3,
  P4: config.WORKER_CONCURRENCY_P4,
});

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
  // An accepted invoice import (ImportQueued) becomes its import.invoices job.
  subscribers.subscribe('import.invoices', importQueuedSubscriber(queues));
  const handlers: JobHandlers = {
    ...createHandlers({
      db,
      subscribers,
      ...(deps.api ? { api: deps.api } : {}),
      offlineGraceHours: config.OFFLINE_SUBMIT_GRACE_HOURS,
      turnkey: {
        root: config.TURNKEY_ROOT,
        dbUrl: config.TURNKEY_DB_URL,
        // Read at start: a bad schema folder is a configuration error, not a message error.
        validator: config.TURNKEY_XSD_DIR ? createXsdValidator(config.TURNKEY_XSD_DIR) : null,
        batchSize: config.TURNKEY_HANDOFF_BATCH ?? 1_000,
        lanes: config.TURNKEY_HANDOFF_LANES ?? 2,
        leaseMs: (config.TURNKEY_HANDOFF_LEASE_SECONDS ?? 120) * 1000,
        riskHours: { b2c: config.TURNKEY_RISK_B2C_HOURS ?? 24, b2b: config.TURNKEY_RISK_B2B_HOURS ?? 96 },
        unpackLookbackDays: config.TURNKEY_UNPACK_LOOKBACK_DAYS ?? 14,
      },
    }),
    ...deps.handlers,
  };
  const worker = startWorker({
    connection: workerRedis,
    prefix: config.REDIS_KEY_PREFIX,
    handlers,
    timeouts: { general: config.JOB_TIMEOUT_MS, report: config.REPORT_JOB_TIMEOUT_MS },
    concurrency: classConcurrency(config),
    deadLetters: deps.deadLetters ?? createDeadLetterStore(db),
    log,
  });
  const relay = createOutboxRelay({
    db,
    queue: queues[queueFor('event.dispatch')],
    log,
    batchSize: config.OUTBOX_BATCH_SIZE,
    pollMs: config.OUTBOX_POLL_MS,
    isReady: () => producerRedis.status === 'ready',
    ...deps.relay,
  });
  relay.start();
  const schedules = registerSchedulesInBackground(queues, log, {
    before: async () => {
      const moved = await moveLegacyJobs(producerRedis, config.REDIS_KEY_PREFIX);
      if (moved.moved + moved.schedulersRemoved + moved.unknown > 0) {
        log.info(moved, 'moved the jobs left in the queues of an older version to the priority-class queues');
      }
    },
  });

  // Breaker state changes: one log line each, and the state in Redis for the API's metrics (again for
  // every breaker whenever the connection comes up, so a change made while Redis was away is not lost).
  const breakers = deps.breakers ?? circuitBreakers;
  const workerId = `${hostname()}:${process.pid}`;
  const publish = (snap: CircuitBreakerSnapshot) =>
    publishCircuitState(producerRedis, config.REDIS_KEY_PREFIX, snap, { worker: workerId, at: new Date() }).catch((err) =>
      log.debug({ err }, 'could not publish the circuit state'),
    );
  const unfollowBreakers = breakers.onStateChange((snap, from) => {
    log[snap.state === 'open' ? 'warn' : 'info'](
      { breaker: snap.name, from, to: snap.state, consecutiveFailures: snap.consecutiveFailures, lastError: snap.lastError },
      `circuit "${snap.name}" ${snap.state}`,
    );
    void publish(snap);
  });
  const publishAll = () => {
    for (const snap of breakers.snapshots()) void publish(snap);
  };
  producerRedis.on('ready', publishAll);

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
        unfollowBreakers();
        producerRedis.off('ready', publishAll);
        await worker.close();
        await queues.close();
        workerRedis.disconnect();
        producerRedis.disconnect();
      })();
      return stopping;
    },
  };
}
