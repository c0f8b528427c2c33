/**
 * Everything the worker process runs, built from its config: one job worker per priority class, the
 * outbox relay, the job schedules (after moving jobs left in the queues of an older version), dead
 * letters, and the publication of circuit breaker states. main.ts adds the process concerns (config,
 * schema check, signals, exit codes); tests start this in-process with their own handlers, subscribers
 * and relay hooks.
 */
import { hostname } from 'node:os';
import { systemResolver, webhookSealer } from '@app/api/services';
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
  nudgeWebhookDelivery,
  publishCircuitState,
  type Queues,
  queueFor,
} from '@app/jobs';
import type { Logger } from '@app/logger';
import { createStorage, type StorageConfig } from '@app/storage';
import { createXsdValidator } from '@app/xsd';
import type { ApiServices } from './api-services.ts';
import { createDeadLetterStore, type DeadLetterSink } from './dead-letter.ts';
import { importQueuedSubscriber } from './jobs/import.invoices.ts';
import { createHandlers } from './jobs/index.ts';
import { DEFAULT_ARCHIVE } from './jobs/maintenance.archive.ts';
import { DEFAULT_RETENTION } from './jobs/maintenance.cleanup.ts';
import { kickNotificationSend } from './jobs/notification.ts';
import { createOutageLog } from './lib/outage-log.ts';
import { type MaintenanceWatch, startMaintenanceWatch } from './maintenance-watch.ts';
import { createSmtpMailer, type Mailer, smtpSettings } from './notification/mailer.ts';
import { notificationSubscriber } from './notification/subscriber.ts';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.ts';
import { registerSchedulesInBackground } from './schedules.ts';
import { createSubscriberRegistry, type SubscriberRegistry } from './subscribers.ts';
import { createWebhookDeliverer, type WebhookDelivererOptions } from './webhook/deliverer.ts';
import { webhookFanoutSubscriber } from './webhook/fanout.ts';
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
  | 'TENANT_CODE'
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
      | 'RETENTION_AUDIT_DAYS'
      | 'RETENTION_CLIENT_ERRORS_DAYS'
      | 'RETENTION_NOTIFICATIONS_DAYS'
      | 'ARCHIVE_HOT_MONTHS'
      | 'ARCHIVE_RESTORED_KEEP_DAYS'
      | 'RETENTION_REPORT_FILES_DAYS'
      | 'RETENTION_TEMP_FILES_DAYS'
      | 'SLOW_QUERY_ALERT_MS'
      | 'SLOW_QUERY_LOG_FILE'
      | 'SMTP_HOST'
      | 'SMTP_PORT'
      | 'SMTP_SECURE'
      | 'SMTP_USER'
      | 'SMTP_PASSWORD'
      | 'SMTP_FROM'
      | 'APP_PUBLIC_URL'
      | 'APP_ENCRYPTION_KEY'
      | 'WEBHOOK_ALLOW_INTERNAL_TARGETS'
      | 'WEBHOOK_TIMEOUT_MS'
      | 'WEBHOOK_LARGE_TIMEOUT_MS'
      | 'WEBHOOK_LARGE_PAYLOAD_BYTES'
      | 'WEBHOOK_CONCURRENCY'
      | 'WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION'
      | 'WEBHOOK_LOG_RETENTION_DAYS'
      | 'WORKER_HEARTBEAT_FILE'
    >
  > &
  // Object storage (STORAGE_*, S3_*): maintenance.cleanup deletes the old report and temp files there.
  StorageConfig;

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
  /** Replace the SMTP mailer made from SMTP_* (tests); used only when e-mail is on (SMTP_HOST set). */
  mailer?: Mailer;
  /** Replace parts of the webhook sender (tests: the name resolver, the clock, the run budget). */
  webhooks?: Partial<Pick<WebhookDelivererOptions, 'resolve' | 'now' | 'runBudgetMs' | 'sender'>>;
  /** How often the maintenance flag is read (default 2 s, as the API's write guard). */
  maintenancePollMs?: number;
};

export type Runtime = {
  worker: RunningWorker;
  relay: OutboxRelay;
  queues: Queues;
  subscribers: SubscriberRegistry;
  handlers: JobHandlers;
  maintenance: MaintenanceWatch;
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
  // Webhooks (docs/integration-guide.md §10): every event becomes a delivery row per matching
  // subscription, sent by webhook.deliver — at once when this process is sending already, else nudged.
  const sealer = config.APP_ENCRYPTION_KEY ? webhookSealer(config.APP_ENCRYPTION_KEY) : null;
  const webhookSender = createWebhookDeliverer({
    db,
    open: (sealed) => {
      if (!sealer) throw new Error('APP_ENCRYPTION_KEY is not set');
      return sealer.open(sealed);
    },
    resolve: systemResolver,
    allowInternal: config.WEBHOOK_ALLOW_INTERNAL_TARGETS ?? false,
    timeouts: {
      timeoutMs: config.WEBHOOK_TIMEOUT_MS ?? 30_000,
      largeTimeoutMs: config.WEBHOOK_LARGE_TIMEOUT_MS ?? 60_000,
      largePayloadBytes: config.WEBHOOK_LARGE_PAYLOAD_BYTES ?? 262_144,
    },
    concurrency: config.WEBHOOK_CONCURRENCY ?? 16,
    perSubscription: config.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION ?? 4,
    onMoreDue: () => nudgeWebhookDelivery(queues),
    ...deps.webhooks,
  });
  subscribers.subscribe(
    'webhooks',
    webhookFanoutSubscriber({
      db,
      nudge: () => (webhookSender.isRunning() ? webhookSender.wake() : nudgeWebhookDelivery(queues)),
    }),
  );
  // E-mail notifications (docs/notifications.md): on with SMTP_HOST (the config then requires SMTP_FROM and
  // APP_PUBLIC_URL); off, events make no mails and the log says so once.
  const smtp = smtpSettings(config);
  const publicUrl = config.APP_PUBLIC_URL ?? null;
  const mailer = smtp && publicUrl ? (deps.mailer ?? createSmtpMailer(smtp)) : null;
  const kickSend = kickNotificationSend(queues, log);
  if (mailer && smtp && publicUrl) {
    subscribers.subscribe('notification.email', notificationSubscriber({ db, log, publicUrl, kick: kickSend }));
    log.info({ email: 'on', smtpHost: smtp.SMTP_HOST, smtpPort: smtp.SMTP_PORT }, 'e-mail notifications on');
  } else {
    log.info({ email: 'off' }, 'e-mail notifications are off: SMTP_HOST is not set');
  }
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
      notification: { mailer, publicUrl, breakers: deps.breakers ?? circuitBreakers, kick: kickSend },
      webhooks: { deliverer: webhookSender, retentionDays: config.WEBHOOK_LOG_RETENTION_DAYS ?? 90 },
      retention: {
        audit: config.RETENTION_AUDIT_DAYS ?? DEFAULT_RETENTION.audit,
        clientErrors: config.RETENTION_CLIENT_ERRORS_DAYS ?? DEFAULT_RETENTION.clientErrors,
        notifications: config.RETENTION_NOTIFICATIONS_DAYS ?? DEFAULT_RETENTION.notifications,
        reportFiles: config.RETENTION_REPORT_FILES_DAYS ?? DEFAULT_RETENTION.reportFiles,
        tempFiles: config.RETENTION_TEMP_FILES_DAYS ?? DEFAULT_RETENTION.tempFiles,
      },
      storage: createStorage(config),
      archive: {
        hotMonths: config.ARCHIVE_HOT_MONTHS ?? DEFAULT_ARCHIVE.hotMonths,
        restoredKeepDays: config.ARCHIVE_RESTORED_KEEP_DAYS ?? DEFAULT_ARCHIVE.restoredKeepDays,
      },
      slowQueries: { alertMs: config.SLOW_QUERY_ALERT_MS ?? 5_000, logFile: config.SLOW_QUERY_LOG_FILE },
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
  // Maintenance mode pauses the jobs (the API is read-only then; an export must not miss the worker's writes).
  const maintenance = startMaintenanceWatch({
    db,
    tenantCode: config.TENANT_CODE,
    workers: worker.workers,
    log,
    workerId: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
    pollMs: deps.maintenancePollMs,
    heartbeatFile: config.WORKER_HEARTBEAT_FILE,
  });
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
    maintenance,
    stop: () => {
      stopping ??= (async () => {
        await maintenance.stop();
        await relay.stop();
        schedules.cancel();
        unfollowBreakers();
        producerRedis.off('ready', publishAll);
        webhookSender.stop();
        await worker.close();
        webhookSender.close();
        await queues.close();
        mailer?.close();
        workerRedis.disconnect();
        producerRedis.disconnect();
      })();
      return stopping;
    },
  };
}
