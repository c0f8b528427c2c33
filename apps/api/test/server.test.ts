/** The real API process: refuses to start on a bad config or a mismatched schema; starts and stops cleanly. */
import { spawn } from 'node:child_process';
import { createDb, createPool } from '@app/db';
import { createTestDatabase, testConfig } from '@app/devkit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTenant } from '../../../db/seeds/seed.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

function configEnv(c: ReturnType<typeof testConfig>): Record<string, string> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, String(v)]));
}

/** Run the API; resolve with its exit code and output when it exits, or after `untilMs` (then SIGTERM it). */
function runApi(env: Record<string, string>, untilMs: number, onLine?: (line: string, kill: () => void) => void) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const kill = () => child.kill('SIGTERM');
    const take = (b: Buffer) => {
      out += b;
      for (const line of String(b).split('\n')) if (line) onLine?.(line, kill);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(kill, untilMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('API process start-up', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    const kdb = createDb(createPool({ connectionString: db.url, max: 1 }));
    await ensureTenant(kdb, 'demo', 'Demo');
    await kdb.destroy();
  });
  afterAll(() => db.drop());

  it('a missing secret stops it with a message naming the variable', async () => {
    const env = configEnv(testConfig(db.url));
    delete env.JWT_SECRET;
    env.APP_ENCRYPTION_KEY = 'too-short';
    const r = await runApi(env, 20_000);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/JWT_SECRET: required/);
    expect(r.out).toMatch(/APP_ENCRYPTION_KEY: must be base64 of exactly 32 bytes/);
  });

  it('starts, answers /health, and exits 0 on SIGTERM', async () => {
    const env = configEnv(testConfig(db.url, { API_PORT: '0', API_HOST: '127.0.0.1', LOG_LEVEL: 'info' }));
    let health = 0;
    const r = await runApi(env, 30_000, (line, kill) => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        fetch(`${m[1]}/health`)
          .then((res) => {
            health = res.status;
          })
          .finally(kill);
      }
    });
    expect(health).toBe(200);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/shutting down/);
  });

  it('refuses to start for a tenant the database does not hold', async () => {
    const r = await runApi(configEnv(testConfig(db.url, { TENANT_CODE: 'no-such-tenant' })), 20_000);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/tenant 'no-such-tenant' does not exist in this database/);
  });

  it('refuses to start when the database schema version differs from the code', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('UPDATE sys_schema_version SET version = 20200101000000');
    await c.end();
    const r = await runApi(configEnv(testConfig(db.url)), 20_000);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/refusing to start: database schema version 20200101000000 is older than the code's \d{14}/);
  });
});
