/**
 * The worker's maintenance jobs run once from the shell, against DATABASE_URL, whether or not a worker runs
 * (scripts/retention-cleanup.sh, scripts/vacuum-maintenance.sh, scripts/slow-query-report.sh): the same code
 * the scheduled jobs run, with the same variables and limits as the worker (packages/config).
 *
 *   node --import tsx scripts/ops/maintenance-job.ts cleanup|vacuum|slow-queries
 *
 * cleanup: RETENTION_* and the storage settings (STORAGE_DRIVER, STORAGE_LOCAL_ROOT, S3_*) as in deploy/.env.
 * slow-queries: SLOW_QUERY_ALERT_MS, SLOW_QUERY_LOG_FILE. Prints one JSON line of what was done (log lines go
 * to stderr). Exit codes: 0 done, 1 failed, 2 bad usage; slow-queries: 3 when the report alerts.
 */
import { configSchema } from '@app/config';
import { createDb, createPool } from '@app/db';
import { createLogger } from '@app/logger';
import { createStorage, type Storage } from '@app/storage';
import { z } from 'zod';
import {
  cleanupExpired,
  createMaintenanceVacuumHandler,
  STORAGE_RETENTION_CLASSES,
} from '../../apps/worker/src/jobs/maintenance.cleanup.ts';
import { runSlowQueryReport } from '../../apps/worker/src/jobs/maintenance.slow-queries.ts';

const JOBS = ['cleanup', 'vacuum', 'slow-queries'] as const;
type Which = (typeof JOBS)[number];
const prefixes = STORAGE_RETENTION_CLASSES.map((c) => c.prefix).join(' and ');

const USAGE: Record<Which, string> = {
  cleanup: `usage: scripts/retention-cleanup.sh
  Deletes what is past its retention now, as the worker's hourly maintenance.cleanup does: expired idempotency
  keys (at their expires_at, IDEMPOTENCY_TTL_HOURS after the request) and sessions, old processed outbox rows,
  the audit log, decided approvals and slow-query reports (RETENTION_AUDIT_DAYS), web error reports
  (RETENTION_CLIENT_ERRORS_DAYS), sent notification mails (RETENTION_NOTIFICATIONS_DAYS), and in object storage
  the report files and temp files (${prefixes}; RETENTION_REPORT_FILES_DAYS, RETENTION_TEMP_FILES_DAYS) — never
  the uploaded imports/.
  Webhook logs are webhook.cleanup's (WEBHOOK_LOG_RETENTION_DAYS).
  Needs DATABASE_URL, and STORAGE_DRIVER with STORAGE_LOCAL_ROOT or S3_* (deploy/.env).
  Exit: 0 done, 1 failed, 2 bad usage.`,
  vacuum: `usage: scripts/vacuum-maintenance.sh
  VACUUM (ANALYZE) of the high-churn tables now, as the worker's daily maintenance.vacuum does (03:30).
  Needs DATABASE_URL. Exit: 0 done, 1 failed, 2 bad usage.`,
  'slow-queries': `usage: scripts/slow-query-report.sh
  Writes a slow-query report into sys_ops_reports now, as the worker's daily maintenance.slow_queries does
  (04:00): top SQL by total and mean time, counts, suggested indexes; from pg_stat_statements (then reset for
  this database, so the next report starts here), else from SLOW_QUERY_LOG_FILE. A statement slower than
  SLOW_QUERY_ALERT_MS (5000) alerts: SlowQueryDetected, mailed to the administrators by the worker.
  Needs DATABASE_URL. Exit: 0 stored, 3 stored with an alert, 1 failed, 2 bad usage.`,
};

const shape = configSchema.shape;
/** The variables these jobs read, with the worker's own rules (bounds, defaults). */
const jobConfig = z.object({
  RETENTION_AUDIT_DAYS: shape.RETENTION_AUDIT_DAYS,
  RETENTION_CLIENT_ERRORS_DAYS: shape.RETENTION_CLIENT_ERRORS_DAYS,
  RETENTION_NOTIFICATIONS_DAYS: shape.RETENTION_NOTIFICATIONS_DAYS,
  RETENTION_REPORT_FILES_DAYS: shape.RETENTION_REPORT_FILES_DAYS,
  RETENTION_TEMP_FILES_DAYS: shape.RETENTION_TEMP_FILES_DAYS,
  SLOW_QUERY_ALERT_MS: shape.SLOW_QUERY_ALERT_MS,
  SLOW_QUERY_LOG_FILE: shape.SLOW_QUERY_LOG_FILE,
  STORAGE_DRIVER: shape.STORAGE_DRIVER,
  STORAGE_LOCAL_ROOT: shape.STORAGE_LOCAL_ROOT,
  S3_ENDPOINT: shape.S3_ENDPOINT,
  S3_PORT: shape.S3_PORT,
  S3_USE_SSL: shape.S3_USE_SSL,
  S3_ACCESS_KEY: shape.S3_ACCESS_KEY,
  S3_SECRET_KEY: shape.S3_SECRET_KEY,
  S3_BUCKET: shape.S3_BUCKET,
  S3_REGION: shape.S3_REGION,
});

async function main(): Promise<number> {
  const [which, ...rest] = process.argv.slice(2);
  if (!JOBS.includes(which as Which)) {
    console.error(`usage: maintenance-job.ts ${JOBS.join('|')}`);
    return 2;
  }
  const job = which as Which;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE[job]);
    return 0;
  }
  if (rest.length > 0) {
    console.error(USAGE[job]);
    return 2;
  }
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL must be set (source deploy/.env)');
    return 2;
  }
  // Empty counts as unset, as in the worker (`FOO=` in deploy/.env takes the default).
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = jobConfig.safeParse(env);
  if (!parsed.success) {
    for (const i of parsed.error.issues) console.error(`${i.path.join('.')}: ${i.message}`);
    return 2;
  }
  const c = parsed.data;
  let storage: Storage | null = null;
  if (job === 'cleanup') {
    try {
      storage = createStorage(c);
    } catch (e) {
      console.error((e as Error).message);
      return 2;
    }
  }

  const db = createDb(createPool({ connectionString: process.env.DATABASE_URL, max: 1 }));
  const log = createLogger({ name: `ops-${job}`, level: 'warn' }, process.stderr);
  try {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    if (job === 'cleanup') {
      const deleted = await cleanupExpired(db, {
        storage,
        retention: {
          audit: c.RETENTION_AUDIT_DAYS,
          clientErrors: c.RETENTION_CLIENT_ERRORS_DAYS,
          notifications: c.RETENTION_NOTIFICATIONS_DAYS,
          reportFiles: c.RETENTION_REPORT_FILES_DAYS,
          tempFiles: c.RETENTION_TEMP_FILES_DAYS,
        },
      });
      console.log(JSON.stringify({ job: 'maintenance.cleanup', deleted, ms: ms() }));
    } else if (job === 'vacuum') {
      await createMaintenanceVacuumHandler({ db })({}, { jobId: 'ops', attempt: 1, signal: new AbortController().signal, log });
      console.log(JSON.stringify({ job: 'maintenance.vacuum', ms: ms() }));
    } else {
      const r = await runSlowQueryReport(db, { alertMs: c.SLOW_QUERY_ALERT_MS, logFile: c.SLOW_QUERY_LOG_FILE }, log);
      console.log(
        JSON.stringify({ job: 'maintenance.slow_queries', reportId: r.id, alert: r.alert, summary: r.summary, ms: ms() }),
      );
      return r.alert ? 3 : 0;
    }
    return 0;
  } catch (e) {
    console.error(`${job}: ${(e as Error).message}`);
    return 1;
  } finally {
    await db.destroy();
  }
}

process.exitCode = await main();
