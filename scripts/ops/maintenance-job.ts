/**
 * The worker's maintenance jobs run once from the shell, against DATABASE_URL, whether or not a worker runs
 * (scripts/retention-cleanup.sh, scripts/vacuum-maintenance.sh): the same code the scheduled jobs run.
 *
 *   node --import tsx scripts/ops/maintenance-job.ts cleanup|vacuum
 *
 * RETENTION_AUDIT_DAYS, RETENTION_CLIENT_ERRORS_DAYS, RETENTION_NOTIFICATIONS_DAYS as in deploy/.env
 * (defaults 730, 90, 90). Prints one JSON line of what was done. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import { createDb, createPool } from '@app/db';
import { createLogger } from '@app/logger';
import {
  cleanupExpired,
  createMaintenanceVacuumHandler,
  DEFAULT_RETENTION,
  type RetentionDays,
} from '../../apps/worker/src/jobs/maintenance.cleanup.ts';

const USAGE = {
  cleanup: `usage: scripts/retention-cleanup.sh
  Deletes what is past its retention now, as the worker's hourly maintenance.cleanup does: expired idempotency
  keys and sessions, old processed outbox rows, the audit log and decided approvals (RETENTION_AUDIT_DAYS),
  web error reports (RETENTION_CLIENT_ERRORS_DAYS), sent notification mails (RETENTION_NOTIFICATIONS_DAYS).
  Needs DATABASE_URL. Exit: 0 done, 1 failed, 2 bad usage.`,
  vacuum: `usage: scripts/vacuum-maintenance.sh
  VACUUM (ANALYZE) of the high-churn tables now, as the worker's daily maintenance.vacuum does (03:30).
  Needs DATABASE_URL. Exit: 0 done, 1 failed, 2 bad usage.`,
};

function days(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of days ≥ 1 (got "${raw}")`);
  return n;
}

async function main(): Promise<number> {
  const [which, ...rest] = process.argv.slice(2);
  if (which !== 'cleanup' && which !== 'vacuum') {
    console.error('usage: maintenance-job.ts cleanup|vacuum');
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE[which]);
    return 0;
  }
  if (rest.length > 0) {
    console.error(USAGE[which]);
    return 2;
  }
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL must be set (source deploy/.env)');
    return 2;
  }
  let retention: RetentionDays;
  try {
    retention = {
      audit: days('RETENTION_AUDIT_DAYS', DEFAULT_RETENTION.audit),
      clientErrors: days('RETENTION_CLIENT_ERRORS_DAYS', DEFAULT_RETENTION.clientErrors),
      notifications: days('RETENTION_NOTIFICATIONS_DAYS', DEFAULT_RETENTION.notifications),
    };
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const db = createDb(createPool({ connectionString: process.env.DATABASE_URL, max: 1 }));
  const log = createLogger({ name: `ops-${which}`, level: 'warn' });
  try {
    const t0 = performance.now();
    if (which === 'cleanup') {
      const deleted = await cleanupExpired(db, { retention });
      console.log(JSON.stringify({ job: 'maintenance.cleanup', deleted, ms: Math.round(performance.now() - t0) }));
    } else {
      await createMaintenanceVacuumHandler({ db })({}, { jobId: 'ops', attempt: 1, signal: new AbortController().signal, log });
      console.log(JSON.stringify({ job: 'maintenance.vacuum', ms: Math.round(performance.now() - t0) }));
    }
    return 0;
  } catch (e) {
    console.error(`${which}: ${(e as Error).message}`);
    return 1;
  } finally {
    await db.destroy();
  }
}

process.exitCode = await main();
