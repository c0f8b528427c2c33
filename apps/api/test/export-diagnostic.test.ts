/**
 * scripts/export-diagnostic.sh against a real database, Redis and API: one .tar.gz with versions, health,
 * the maintenance/license state, the configuration with every secret removed, and the logs' tails.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let dir: string;
let apiUrl: string;
const SCRIPT = fileURLToPath(new URL('../../../scripts/export-diagnostic.sh', import.meta.url));

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'diag-test-'));
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = async (...args: string[]) => {
  try {
    const r = await promisify(execFile)(SCRIPT, args);
    return { code: 0, out: r.stdout.trim(), err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout.trim(), err: x.stderr };
  }
};

describe('scripts/export-diagnostic.sh', () => {
  it('bundles versions, health, state, the configuration without secrets and the log tails', async () => {
    const c = t.deps.config;
    const dbUrl = new URL(c.DATABASE_URL);
    dbUrl.password = 'db-secret-pw';
    const env = [
      `TENANT_CODE=${c.TENANT_CODE}`,
      `DATABASE_URL=${c.DATABASE_URL}`,
      `REDIS_URL=${c.REDIS_URL}`,
      `JWT_SECRET=${c.JWT_SECRET}`,
      `APP_ENCRYPTION_KEY=${c.APP_ENCRYPTION_KEY}`,
      'SMTP_PASSWORD="smtp-secret-pw"',
      `TURNKEY_DB_URL=${dbUrl.toString().replace(/^postgres/, 'mysql')}`,
      'RATE_LIMIT_GENERAL_PER_MINUTE=600',
      'SMTP_HOST=',
    ].join('\n');
    writeFileSync(join(dir, '.env'), env);
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'api.log'), Array.from({ length: 6_000 }, (_, i) => `line ${i}`).join('\n'));
    writeFileSync(join(logs, 'notes.txt'), 'not a log');

    const out = join(dir, 'out');
    const r = await run('--env-file', join(dir, '.env'), '--logs', logs, '--api', apiUrl, '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`/einvoice-diagnostic-${c.TENANT_CODE}-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
    expect(readdirSync(out)).toEqual([r.out.split('/').at(-1)]); // no .partial left behind

    const x = join(dir, 'x');
    mkdirSync(x);
    expect(spawnSync('tar', ['-xzf', r.out, '-C', x]).status).toBe(0);
    const [bundle] = readdirSync(x);
    const read = (f: string) => readFileSync(join(x, bundle as string, f), 'utf8');

    const versions = JSON.parse(read('versions.json'));
    expect(versions.postgres).toMatch(/^\d+/);
    expect(versions.redis).toMatch(/^\d+\.\d+/);
    expect(versions.schemaVersionOfDatabase).toBe(versions.schemaVersionOfCode);
    const health = JSON.parse(read('health.json'));
    expect(health.database.ok).toBe(true);
    expect(health.redis.ok).toBe(true);
    expect(health.api).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(JSON.parse(read('system-status.json'))).toMatchObject({
      maintenance: { enabled: false },
      license: { status: 'active' },
    });

    const config = read('config.env');
    for (const secret of [c.JWT_SECRET, c.APP_ENCRYPTION_KEY, 'smtp-secret-pw', 'db-secret-pw'])
      expect(config).not.toContain(secret);
    expect(config).toContain('JWT_SECRET=[removed]');
    expect(config).toContain('SMTP_PASSWORD=[removed]');
    expect(config).toContain(':[removed]@');
    expect(config).toContain('RATE_LIMIT_GENERAL_PER_MINUTE=600');
    expect(config).toContain(`TENANT_CODE=${c.TENANT_CODE}`);

    const apiLog = read('logs/api.log').split('\n');
    expect(apiLog).toHaveLength(5_000);
    expect(apiLog.at(-1)).toBe('line 5999');
    expect(readdirSync(join(x, bundle as string, 'logs'))).toEqual(['api.log']);
  }, 60_000);

  it('refuses bad usage with exit 2 and names what is missing', async () => {
    expect((await run('--logs', join(dir, 'nowhere'))).code).toBe(2);
    expect((await run('--sideways')).code).toBe(2);
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: scripts/export-diagnostic.sh');
  });
});
