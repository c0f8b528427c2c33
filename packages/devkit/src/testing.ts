/**
 * Helpers for test files: a database cloned from the migrated template, a unique Redis key prefix,
 * and a complete Config for the processes under test.
 */
import { randomBytes } from 'node:crypto';
import { type Config, parseConfig } from '@app/config';
import pg from 'pg';
import { inject } from 'vitest';

let counter = 0;

/** Create a fresh database from the migrated template; returns its URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplateDb');
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  return {
    url,
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await closeConnections(c, name);
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Wait (up to `timeoutMs`) until no session is connected to database `name`. A pool's end() resolves before its
 * sockets have closed; dropping the database WITH (FORCE) meanwhile kills them mid-goodbye, which surfaces as an
 * unhandled error in the process that owned them.
 */
export async function closeConnections(admin: pg.ClientBase, name: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await admin.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    if (r.rows[0].n === 0) return;
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** A Config for a test: the given database, the shared test Redis under a unique key prefix. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TENANT_CODE: 'demo',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '10',
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `t${process.pid}x${counter++}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    STORAGE_LOCAL_ROOT: `${inject('testRoot')}/storage-${process.pid}-${counter++}`,
    // Tests act directly unless they test the approval step itself (apps/api/test/approval.test.ts turns it on).
    APPROVAL_REQUIRED_FOR: 'none',
    ...overrides,
  });
}
