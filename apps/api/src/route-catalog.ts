/**
 * Build the app with inert dependencies (nothing connects) to read its route table: for the
 * generated docs (docs/rbac-matrix.md, OpenAPI) and the tests that keep them in step.
 */
import { randomBytes } from 'node:crypto';
import { parseConfig } from '@app/config';
import { createDb, createPool } from '@app/db';
import { createQueues, createRedis } from '@app/jobs';
import { createLogger } from '@app/logger';
import { createLocalStorage } from '@app/storage';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { AppDeps } from './context.ts';
import { FallbackCounterStore, MemoryCounterStore } from './lib/rate-limiter.ts';
import { TokenService } from './lib/tokens.ts';
import { type RouteInfo, routeRegistry } from './plugins/scope-injector.ts';

export async function inertApp(): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const config = parseConfig({
    TENANT_CODE: 'catalog',
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    REDIS_URL: 'redis://127.0.0.1:1',
    JWT_SECRET: randomBytes(32).toString('hex'),
    APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
  });
  const log = createLogger({ name: 'catalog', level: 'silent' });
  const pool = createPool({ connectionString: config.DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, 'client', { lazyConnect: true });
  const memory = new MemoryCounterStore();
  const deps: AppDeps = {
    config,
    log,
    pool,
    db: createDb(pool),
    redis,
    queues: createQueues(redis, 'catalog'),
    storage: createLocalStorage('/nonexistent'),
    limiter: new FallbackCounterStore(memory, memory, log),
    tokens: new TokenService(config.JWT_SECRET, '00000000-0000-0000-0000-000000000000', 900),
    tenant: { id: '00000000-0000-0000-0000-000000000000', code: 'catalog' },
    now: () => new Date(),
  };
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      await deps.queues.close().catch(() => {});
      redis.disconnect();
      await pool.end();
    },
  };
}

export async function routeCatalog(): Promise<RouteInfo[]> {
  const { app, close } = await inertApp();
  try {
    return [...routeRegistry(app)].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  } finally {
    await close();
  }
}
