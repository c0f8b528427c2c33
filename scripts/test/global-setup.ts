/**
 * Vitest global setup: start a throwaway PostgreSQL and Redis on free ports, migrate a template
 * database once, and hand the addresses to the test files (each clones its own database from the
 * template; see packages/devkit/src/testing.ts). Everything is stopped and deleted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@app/db';
import { freePort, startPostgres, startRedis } from '@app/devkit';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

export const TEMPLATE_DB = 'app_template';

export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), 'einv-test-'));
  const [pgPort, redisPort] = [await freePort(), await freePort()];
  const [pgServer, redis] = await Promise.all([
    startPostgres({ dataDir: join(root, 'pg'), port: pgPort, durable: false }),
    startRedis({ dataDir: join(root, 'redis'), port: redisPort, durable: false }),
  ]);
  const admin = new pg.Client({ connectionString: pgServer.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  await migrate(pgServer.url(TEMPLATE_DB));

  project.provide('pgAdminUrl', pgServer.url('postgres'));
  project.provide('pgTemplateDb', TEMPLATE_DB);
  project.provide('redisUrl', redis.url);
  project.provide('testRoot', root);

  return async () => {
    await Promise.allSettled([pgServer.stop(), redis.stop()]);
    rmSync(root, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplateDb: string;
    redisUrl: string;
    testRoot: string;
  }
}
