/**
 * The worker process: config → logger → database → schema check → job workers, outbox relay and
 * schedules → on SIGTERM/SIGINT a graceful stop (relay first, then active jobs finish) and exit 0.
 * A schema mismatch or any unexpected error is logged as one fatal line and exits non-zero.
 */
import { loadConfigOrExit } from '@app/config';
import { assertSchemaVersion, createDb, createPool, SchemaVersionMismatchError } from '@app/db';
import { createLogger, fatalExit } from '@app/logger';
import { createStorage } from '@app/storage';
import { lazyApiServices } from './api-services.ts';
import { classConcurrency, startRuntime } from './runtime.ts';

const config = loadConfigOrExit();
const log = createLogger({ name: 'worker', level: config.LOG_LEVEL, base: { tenant: config.TENANT_CODE } });

function die(err: unknown, msg: string): never {
  log.fatal({ err }, msg);
  process.exit(1);
}
process.on('uncaughtException', (err) => die(err, 'uncaught exception'));
process.on('unhandledRejection', (err) => die(err, 'unhandled promise rejection'));

async function main(): Promise<void> {
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    applicationName: 'worker',
  });
  // An idle connection dropped by a PostgreSQL restart must not take the worker down: the relay and
  // the jobs retry, and the pool reconnects.
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost'));
  const db = createDb(pool);
  try {
    await assertSchemaVersion(db);
  } catch (err) {
    if (err instanceof SchemaVersionMismatchError) {
      await db.destroy().catch(() => {});
      fatalExit(
        log,
        { databaseVersion: err.database?.toString() ?? null, codeVersion: err.code.toString() },
        `refusing to start: ${err.message}`,
      );
    }
    throw err;
  }

  const api = lazyApiServices({ config, db, pool, storage: createStorage(config), log });
  const runtime = startRuntime({ config, db, log, api });
  log.info({ concurrency: classConcurrency(config), subscribers: runtime.subscribers.names() }, 'worker started');

  // A stop that hangs (e.g. Redis gone while jobs finish) must not keep the process alive forever.
  const graceMs = config.JOB_TIMEOUT_MS + 10_000;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) die(new Error(`${signal} during shutdown`), 'second signal; exiting at once');
    stopping = true;
    log.info({ signal }, 'stopping: relay first, then waiting for active jobs');
    setTimeout(() => die(new Error(`shutdown took longer than ${graceMs} ms`), 'shutdown timed out'), graceMs).unref();
    runtime
      .stop()
      .then(() => db.destroy())
      .then(() => {
        log.info('worker stopped');
        process.exit(0);
      })
      .catch((err) => die(err, 'error while stopping'));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err) => die(err, 'worker failed to start'));
