/** The API process: parse config, refuse a mismatched schema, listen, close gracefully on signals. */
import { loadConfigOrExit } from '@app/config';
import { SchemaVersionMismatchError } from '@app/db';
import { createLogger, fatalExit } from '@app/logger';
import { syncRbacCatalog } from '../../../db/seeds/seed.ts';
import { buildApp } from './app.ts';
import { createDeps } from './deps.ts';

const config = loadConfigOrExit();
const log = createLogger({ name: 'api', level: config.LOG_LEVEL, base: { tenant: config.TENANT_CODE } });

let deps: Awaited<ReturnType<typeof createDeps>>;
try {
  deps = await createDeps(config, log);
  await syncRbacCatalog(deps.db, deps.tenant.id);
} catch (err) {
  if (err instanceof SchemaVersionMismatchError) {
    fatalExit(log, { database: String(err.database), code: String(err.code) }, `refusing to start: ${err.message}`);
  }
  fatalExit(log, { error: (err as Error).message }, 'refusing to start: could not prepare the database');
}

const app = await buildApp(deps);
await app.listen({ host: config.API_HOST, port: config.API_PORT });

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    log.error('graceful shutdown took too long; exiting');
    process.exit(1);
  }, 15_000);
  force.unref();
  await app.close();
  await deps.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled promise rejection'));
