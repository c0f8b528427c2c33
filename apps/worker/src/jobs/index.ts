import type { Database } from '@app/db';
import type { CircuitBreakerRegistry, JobHandlers } from '@app/jobs';
import type { Storage } from '@app/storage';
import type { XsdValidator } from '@app/xsd';
import type { ApiServices } from '../api-services.ts';
import type { Mailer } from '../notification/mailer.ts';
import type { SubscriberRegistry } from '../subscribers.ts';
import type { WebhookDeliverer } from '../webhook/deliverer.ts';
import { createCertificateWatchHandler } from './certificate.watch.ts';
import { createEventDispatchHandler } from './event.dispatch.ts';
import { createImportInvoicesHandler } from './import.invoices.ts';
import { createMaintenanceArchiveHandler, DEFAULT_ARCHIVE } from './maintenance.archive.ts';
import { createMaintenanceCleanupHandler, createMaintenanceVacuumHandler, type RetentionDays } from './maintenance.cleanup.ts';
import { createMaintenanceSlowQueriesHandler, type SlowQueryOptions } from './maintenance.slow-queries.ts';
import { createNotificationDigestHandler, createNotificationSendHandler } from './notification.ts';
import { createPeriodCloseHandler } from './period.close.ts';
import { createTurnkeyReconcileHandler } from './turnkey.reconcile.ts';
import { createTurnkeyDeadlinesHandler, createTurnkeyHandoffHandler, createTurnkeyResultsHandler } from './turnkey.ts';
import { createTurnkeyUnpackHandler } from './turnkey.unpack.ts';
import { createWebhookCleanupHandler } from './webhook.cleanup.ts';
import { createWebhookDeliverHandler } from './webhook.deliver.ts';

/** The production handler of every job in the registry (the type makes a missing one a compile error). */
export function createHandlers(deps: {
  db: Database;
  subscribers: SubscriberRegistry;
  /** The API's services (issuing, E0501 import) for the jobs that need them. */
  api?: () => Promise<ApiServices>;
  offlineGraceHours?: number;
  turnkey?: {
    root?: string | undefined;
    dbUrl?: string | undefined;
    validator: XsdValidator | null;
    batchSize: number;
    lanes?: number;
    leaseMs?: number;
    riskHours?: { b2c: number; b2b: number };
    /** Day folders of Unpack/BAK older than this are not walked (TURNKEY_UNPACK_LOOKBACK_DAYS). */
    unpackLookbackDays?: number;
  };
  /** E-mail notifications; without, or with `mailer: null` (no SMTP_HOST), mails stay queued. */
  notification?: {
    mailer: Mailer | null;
    publicUrl: string | null;
    /** Where the `smtp` breaker lives (default: the process's breakers). */
    breakers?: CircuitBreakerRegistry;
    /** Ask for a notification.send run (after digests were queued). */
    kick?: () => Promise<void>;
  };
  /** Webhooks: the process's sender (without one, webhook.deliver skips) and the log's retention. */
  webhooks?: { deliverer?: WebhookDeliverer; retentionDays?: number };
  /** Days each data class is kept (RETENTION_*); default DEFAULT_RETENTION. */
  retention?: RetentionDays;
  /** Invoice archiving (ARCHIVE_HOT_MONTHS, ARCHIVE_RESTORED_KEEP_DAYS; 0 months = off); default DEFAULT_ARCHIVE. */
  archive?: { hotMonths: number; restoredKeepDays: number };
  /** Object storage, whose report and temp files maintenance.cleanup deletes by age; without, they stay. */
  storage?: Storage | null;
  /** The slow-query report (SLOW_QUERY_*); default: alert at 5 s, pg_stat_statements only. */
  slowQueries?: SlowQueryOptions;
}): JobHandlers {
  const tk = deps.turnkey ?? { validator: null, batchSize: 1_000 };
  return {
    'turnkey.handoff': createTurnkeyHandoffHandler({
      db: deps.db,
      root: tk.root,
      validator: tk.validator,
      batchSize: tk.batchSize,
      lanes: tk.lanes ?? 1,
      ...(tk.leaseMs ? { leaseMs: tk.leaseMs } : {}),
    }),
    'turnkey.results': createTurnkeyResultsHandler({ db: deps.db, turnkeyDbUrl: tk.dbUrl }),
    'turnkey.deadlines': createTurnkeyDeadlinesHandler({
      db: deps.db,
      b2cHours: tk.riskHours?.b2c ?? 24,
      b2bHours: tk.riskHours?.b2b ?? 96,
    }),
    'turnkey.unpack': createTurnkeyUnpackHandler({
      db: deps.db,
      root: tk.root,
      api: deps.api,
      lookbackDays: tk.unpackLookbackDays ?? 14,
    }),
    'turnkey.reconcile': createTurnkeyReconcileHandler({ db: deps.db }),
    'event.dispatch': createEventDispatchHandler(deps),
    'maintenance.cleanup': createMaintenanceCleanupHandler({ db: deps.db, retention: deps.retention, storage: deps.storage }),
    'maintenance.slow_queries': createMaintenanceSlowQueriesHandler({
      db: deps.db,
      options: deps.slowQueries ?? { alertMs: 5_000 },
    }),
    'maintenance.vacuum': createMaintenanceVacuumHandler({ db: deps.db }),
    'maintenance.archive': createMaintenanceArchiveHandler({
      db: deps.db,
      storage: deps.storage,
      ...(deps.archive ?? DEFAULT_ARCHIVE),
    }),
    'period.close': createPeriodCloseHandler(deps),
    'certificate.watch': createCertificateWatchHandler(deps),
    'import.invoices': createImportInvoicesHandler(deps),
    'webhook.deliver': createWebhookDeliverHandler({ deliverer: deps.webhooks?.deliverer }),
    'webhook.cleanup': createWebhookCleanupHandler({ db: deps.db, retentionDays: deps.webhooks?.retentionDays }),
    'notification.send': createNotificationSendHandler({
      db: deps.db,
      mailer: deps.notification?.mailer ?? null,
      ...(deps.notification?.breakers ? { breakers: deps.notification.breakers } : {}),
    }),
    'notification.digest': createNotificationDigestHandler({
      db: deps.db,
      publicUrl: deps.notification?.mailer ? deps.notification.publicUrl : null,
      ...(deps.notification?.kick ? { kick: deps.notification.kick } : {}),
    }),
  };
}
