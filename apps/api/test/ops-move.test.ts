/**
 * Moving a tenant (platform plan §10) for real: export.sh from a running source (maintenance on, encrypted
 * archive), install.sh --local for a fresh local stack (PostgreSQL, Redis, API, worker, the Turnkey stand-in),
 * import.sh into it with the API's health check; then every table's row count and checksum and every stored
 * object are compared with the source. The source stays read-only; the new stack serves the source's users.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAlive, stopPid } from '@app/devkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../../scripts/ops/env.ts';
import { databaseSums } from '../../../scripts/ops/snapshot.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { fillTenant, folderHashes, runScript } from './ops-helpers.ts';

describe('export.sh → install.sh --local → import.sh', () => {
  let t: TestApp;
  let dir: string;
  let target: string;
  let stackPid = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ops-move-'));
    t = await createTestApp();
    await fillTenant(t, join(dir, 'source-turnkey'));
  });
  afterAll(async () => {
    if (stackPid && isAlive(stackPid)) await stopPid(stackPid, 'SIGTERM', 60_000);
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves every table, stored object and Turnkey file, and the new stack serves the source users', async () => {
    const c = t.deps.config;
    const sourceEnv = join(dir, 'source.env');
    writeFileSync(
      sourceEnv,
      `TENANT_CODE=demo\nDATABASE_URL=${t.dbUrl}\nSTORAGE_DRIVER=local\nSTORAGE_LOCAL_ROOT=${c.STORAGE_LOCAL_ROOT}\nTURNKEY_ROOT=${join(dir, 'source-turnkey')}\nAPP_ENCRYPTION_KEY=${c.APP_ENCRYPTION_KEY}\nJWT_SECRET=${c.JWT_SECRET}\n`,
    );
    const pass = join(dir, 'pass');
    writeFileSync(pass, 'a long transfer passphrase\n');

    // 1. Export: maintenance on, then the archive.
    const ex = await runScript('export.sh', [
      '--env-file',
      sourceEnv,
      '--passphrase-file',
      pass,
      '--out',
      join(dir, 'exports'),
      '--wait-seconds',
      '5',
    ]);
    expect(ex.code, ex.err).toBe(0);
    const exported = JSON.parse(ex.out);
    expect(exported.file).toMatch(/einvoice-export-demo-\d{8}T\d{6}Z\.tar\.gz\.enc$/);
    expect(readFileSync(`${exported.file}.sha256`, 'utf8')).toBe(`${exported.sha256}  ${exported.file.split('/').at(-1)}\n`);
    const sourceSums = await databaseSums(t.dbUrl);
    const sourceObjects = folderHashes(c.STORAGE_LOCAL_ROOT);
    const sourceTurnkey = folderHashes(join(dir, 'source-turnkey'));

    // 2. A fresh local stack for the tenant, with the source's secrets (the archived env file carries them).
    target = join(dir, 'target');
    mkdirSync(join(target, 'data'), { recursive: true });
    const [api, pgPort, redis, maria, sim] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    writeFileSync(
      join(target, '.env'),
      `STACK_TENANT_CODE=demo\nSTACK_DATA_DIR=${target}/data\nSTACK_STATE_DIR=${target}/state\nSTACK_API_PORT=${api}\nSTACK_PG_PORT=${pgPort}\nSTACK_REDIS_PORT=${redis}\nSTACK_MARIADB_PORT=${maria}\nSTACK_TURNKEY_SIM_PORT=${sim}\n`,
    );
    writeFileSync(
      join(target, 'data', 'stack-secrets.json'),
      JSON.stringify({
        JWT_SECRET: c.JWT_SECRET,
        APP_ENCRYPTION_KEY: c.APP_ENCRYPTION_KEY,
        adminPassword: 'target-admin-password',
        posClientSecret: 'target-pos-secret-0123',
        turnkeyDbPassword: 'turnkey-db-password',
      }),
    );
    const web = join(dir, 'web');
    mkdirSync(web);
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>e-invoice</title>');
    const inst = await runScript('install.sh', ['--local', 'demo', '--dir', target], { STACK_WEB_DIST: web });
    stackPid = Number(readFileSync(join(target, 'state', 'stack.pid'), 'utf8'));
    expect(inst.code, `${inst.out}\n${inst.err}`).toBe(0);
    expect(inst.out).toContain('.env exists: keeping it');
    const tenantEnv = join(target, 'state', 'tenant.env');
    const targetVars = parseEnvFile(readFileSync(tenantEnv, 'utf8'));
    const targetUrl = targetVars.DATABASE_URL as string;

    // The target quiet while it takes over (the import keeps maintenance on: --keep-maintenance).
    const env = { DATABASE_URL: targetUrl, TENANT_CODE: 'demo' };
    expect((await runScript('maintenance.sh', ['on', 'import'], env)).code).toBe(0);

    // 3. Import, wrong passphrase first: refused, nothing changed.
    const wrong = join(dir, 'wrong');
    writeFileSync(wrong, 'not the passphrase at all');
    const before = await databaseSums(targetUrl);
    const bad = await runScript('import.sh', [exported.file, '--env-file', tenantEnv, '--passphrase-file', wrong, '--yes']);
    expect(bad.code).toBe(3);
    expect(bad.err).toContain('wrong passphrase');
    expect((await databaseSums(targetUrl)).sys_users).toEqual(before.sys_users);

    const im = await runScript('import.sh', [
      exported.file,
      '--env-file',
      tenantEnv,
      '--passphrase-file',
      pass,
      '--keep-maintenance',
      '--yes',
    ]);
    expect(im.code, im.err).toBe(0);
    const report = JSON.parse(im.out);
    expect(report).toMatchObject({ healthy: true, objects: 3, problems: [] });
    expect(report.previousDatabase).toMatch(/^einvoice__before_\d{14}$/);
    // The running API still serves the fresh stack's tenant, which the imported database does not hold: its
    // health says so until it is restarted.
    const stale = await fetch(`http://127.0.0.1:${api}/health`);
    expect(stale.status).toBe(503);
    expect(JSON.stringify(await stale.json())).toContain('restart the API');

    // 4. Nothing lost: every table as in the source. The running worker writes its heartbeat, and its outbox
    // relay may already have taken the imported events (dispatched_at): those compare without that column.
    const targetSums = await databaseSums(targetUrl);
    const skip = new Set(['sys_worker_heartbeats', 'sys_outbox']);
    for (const [table, sum] of Object.entries(sourceSums)) {
      if (!skip.has(table)) expect(targetSums[table], table).toEqual(sum);
    }
    expect(Object.keys(targetSums).sort()).toEqual(Object.keys(sourceSums).sort());
    const outbox = async (url: string) => {
      const cl = new pg.Client({ connectionString: url });
      await cl.connect();
      try {
        return (
          await cl.query(
            `SELECT count(*)::int AS n, md5(string_agg(id::text || event_type || payload::text, ',' ORDER BY id)) AS h FROM sys_outbox`,
          )
        ).rows[0];
      } finally {
        await cl.end();
      }
    };
    expect(await outbox(targetUrl)).toEqual(await outbox(t.dbUrl));
    expect(folderHashes(targetVars.STORAGE_LOCAL_ROOT as string)).toEqual(sourceObjects);
    // The Turnkey folder came over whole; the target's Turnkey stand-in may already have taken a file from
    // UpCast/…/SRC into its BAK or ERR folder — the same file, by name and content.
    const targetTurnkey = Object.entries(folderHashes(targetVars.TURNKEY_ROOT as string));
    for (const [path, hash] of Object.entries(sourceTurnkey)) {
      const name = path.split('/').at(-1);
      expect(
        targetTurnkey.some(([p, h]) => p.split('/').at(-1) === name && h === hash),
        path,
      ).toBe(true);
    }

    // 5. Switch over: maintenance off, the stack restarted (its processes read the tenant at start); the source's
    // users sign in there and find the invoices. (The local stack re-seeds its demo admin at every start.)
    expect((await runScript('maintenance.sh', ['off'], env)).code).toBe(0);
    await stopPid(stackPid, 'SIGTERM', 60_000);
    const again = await runScript('install.sh', ['--local', 'demo', '--dir', target], { STACK_WEB_DIST: web });
    expect(again.code, `${again.out}\n${again.err}`).toBe(0);
    stackPid = Number(readFileSync(join(target, 'state', 'stack.pid'), 'utf8'));
    const login = await fetch(`http://127.0.0.1:${api}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'move-login-1' },
      body: JSON.stringify({ username: 'clerk', password: 'clerk-password-1' }),
    });
    expect(login.status, await login.clone().text()).toBe(200);
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const list = await fetch(`http://127.0.0.1:${api}/api/v1/invoices?limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(12);
    // The source stays read-only: the rollback. (Signing in there still works, and is audited there: the
    // sums above were taken before, as the export saw the source.)
    const admin = (await t.login()).accessToken;
    const write = await t.call({
      method: 'POST',
      url: '/api/v1/sellers',
      token: admin,
      payload: { ban: '22099131', name: 'x', address: 'y' },
    });
    expect(write.statusCode).toBe(503);
    expect(write.json().code).toBe('MAINTENANCE');
    expect((await runScript('maintenance.sh', ['status'], { DATABASE_URL: t.dbUrl, TENANT_CODE: 'demo' })).code).toBe(3);
  }, 240_000);
});
