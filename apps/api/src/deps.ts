/** Make the real dependencies of the API from the config (server.ts, the docs generator, tests). */
import type { Config } from '@app/config';
import { assertSchemaVersion, createDb, createPool } from '@app/db';
import { createQueues, createRedis } from '@app/jobs';
import type { Logger } from '@app/logger';
import { createStorage } from '@app/storage';
import type { Redis } from 'ioredis';
import type { AppDeps } from './context.ts';
import { FallbackCounterStore, MemoryCounterStore, RedisCounterStore } from './lib/rate-limiter.ts';
import { TokenService } from './lib/tokens.ts';

export async function createDeps(config: Config, log: Logger): Promise<AppDeps & { close: () => Promise<void> }> {
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    applicationName: 'einvoice-api',
  });
  pool.on('error', (err) => log.error({ err }, 'idle database connection failed'));
  const db = createDb(pool);
  try {
    // Before anything else touches the database: a mismatched schema stops the process here.
    await assertSchemaVersion(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const redis = createRedis(config.REDIS_URL, 'client');
  // Commands fail fast while Redis is unreachable (the API keeps serving on fallbacks); give the
  // first connection a moment so a healthy start does not begin in fallback mode.
  await waitForRedis(redis, 3_000);
  // Connection errors repeat on every reconnect attempt; /health and the metrics report the outage.
  const queues = createQueues(redis, config.REDIS_KEY_PREFIX, {
    onError: (err, queue) => log.debug({ err, queue }, 'queue connection error'),
  });
  const storage = createStorage(config);
  const limiter = new FallbackCounterStore(new RedisCounterStore(redis, config.REDIS_KEY_PREFIX), new MemoryCounterStore(), log);
  const tenant = { id: await tenantId(db, config), code: config.TENANT_CODE };
  const tokens = new TokenService(config.JWT_SECRET, tenant.id, config.ACCESS_TOKEN_TTL_SECONDS);
  return {
    config,
    log,
    pool,
    db,
    redis,
    queues,
    storage,
    limiter,
    tokens,
    tenant,
    now: () => new Date(),
    close: async () => {
      await queues.close().catch(() => {});
      redis.disconnect();
      await db.destroy();
    },
  };
}

/** The id of this stack's tenant. A missing row means a wrong TENANT_CODE or an unseeded database: refuse. */
async function tenantId(db: AppDeps['db'], config: Config): Promise<string> {
  const row = await db.selectFrom('sys_tenants').select('id').where('code', '=', config.TENANT_CODE).executeTakeFirst();
  if (!row) {
    throw new Error(
      `tenant '${config.TENANT_CODE}' does not exist in this database: check TENANT_CODE, or seed the tenant first`,
    );
  }
  return row.id;
}

function waitForRedis(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}
