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
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
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
