/**
 * Maintenance (read-only) mode and the license: writes refused as a whole (503 MAINTENANCE, 403
 * LICENSE_EXPIRED), reads and signing in kept open, the grace period announced on every answer; toggles
 * reach every API process within the state's 2 s cache.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestApp, type TestApp } from './helpers.ts';
import { createUser, PASSWORD } from './notification-helpers.ts';

let t: TestApp;
let admin: string;
let operator: string;
const STATE_TTL_MS = 2_000;

const newSeller = (ban: string, token = admin) =>
  t.call({ method: 'POST', url: '/api/v1/sellers', token, payload: { ban, name: `S${ban}`, address: 'A' } });
const maintenance = (enabled: boolean, token = admin, reason?: string) =>
  t.call({ method: 'PUT', url: '/api/v1/admin/maintenance', token, payload: { enabled, ...(reason ? { reason } : {}) } });
const setLicense = async (v: { expiresInDays: number; graceDays?: number; status?: string }) => {
  await t.deps.db
    .updateTable('sys_license')
    .set({
      expires_at: new Date(Date.now() + v.expiresInDays * 86_400_000),
      grace_period_days: v.graceDays ?? 14,
      status: v.status ?? 'active',
    })
    .where('tenant_id', '=', t.deps.tenant.id)
    .execute();
  await sleep(STATE_TTL_MS + 100);
};

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
  await createUser(t, admin, 'guard.op', { roles: ['operator'], scope: { all: true } });
  operator = (await t.login('guard.op', PASSWORD)).accessToken;
});
afterAll(async () => t?.close());

describe('maintenance mode', () => {
  it('refuses writes with 503 MAINTENANCE, keeps reads and sign-in working, and is turned off again', async () => {
    expect((await maintenance(true, operator)).statusCode).toBe(403);
    const on = await maintenance(true, admin, '搬遷至地端主機');
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json().maintenance).toMatchObject({ enabled: true, reason: '搬遷至地端主機', by: 'user:admin' });

    const refused = await newSeller('04595257');
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'MAINTENANCE' });
    expect(refused.json().message).toContain('搬遷至地端主機');
    expect(refused.headers['retry-after']).toBe('60');
    expect((await t.call({ url: '/api/v1/sellers', token: admin })).statusCode).toBe(200);
    const signIn = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'guard.op', password: PASSWORD },
    });
    expect(signIn.statusCode, signIn.body).toBe(200);
    expect(signIn.json().accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const status = (await t.call({ url: '/api/v1/system/status', token: operator })).json();
    expect(status.maintenance).toMatchObject({ enabled: true, reason: '搬遷至地端主機' });

    expect((await maintenance(false)).statusCode).toBe(200);
    expect((await newSeller('04595257')).statusCode).toBe(201);
    const audit = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['action', 'actor_name', 'status_code'])
      .where('action', '=', 'ops.maintenance_set')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.actor_name, a.status_code])).toEqual([
      ['guard.op', 403],
      ['admin', 200],
      ['admin', 200],
    ]);
  });

  it('a toggle made elsewhere (another API process, the ops script) is followed within 2 s', async () => {
    await t.deps.db
      .insertInto('sys_maintenance')
      .values({ tenant_id: t.deps.tenant.id, enabled: true, changed_by: 'script' })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ enabled: true, changed_by: 'script' }))
      .execute();
    await sleep(STATE_TTL_MS + 100);
    expect((await newSeller('22099131')).statusCode).toBe(503);
    await t.deps.db.updateTable('sys_maintenance').set({ enabled: false }).execute();
    await sleep(STATE_TTL_MS + 100);
    expect((await newSeller('22099131')).statusCode).toBe(201);
  });
});

describe('scripts/maintenance.sh', () => {
  const script = fileURLToPath(new URL('../../../scripts/maintenance.sh', import.meta.url));
  const run = async (...args: string[]) => {
    try {
      const r = await promisify(execFile)(script, args, {
        env: { ...process.env, DATABASE_URL: t.deps.config.DATABASE_URL, TENANT_CODE: t.deps.config.TENANT_CODE },
      });
      return { code: 0, out: r.stdout };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout + x.stderr };
    }
  };

  it('turns the mode on and off straight in the database; status says which by its exit code', async () => {
    expect((await run('status')).code).toBe(0);
    const on = await run('on', '升級', '至', '0.2.0');
    expect(on).toMatchObject({ code: 0 });
    expect(on.out).toContain('maintenance: on since');
    expect(on.out).toContain('(升級 至 0.2.0)');
    expect((await run('status')).code).toBe(3);
    await sleep(STATE_TTL_MS + 100);
    expect((await newSeller('24549210')).json()).toMatchObject({ code: 'MAINTENANCE' });
    expect((await run('off')).code).toBe(0);
    await sleep(STATE_TTL_MS + 100);
    expect((await newSeller('24549210')).statusCode).toBe(201);
    expect((await run('sideways')).code).toBe(2);
  }, 30_000);
});

describe('license', () => {
  it('warns on every answer during the grace period, then makes the system read-only; revoked is read-only at once', async () => {
    await setLicense({ expiresInDays: -2, graceDays: 14 });
    const during = await newSeller('53212539');
    expect(during.statusCode).toBe(201);
    expect(during.headers['x-license-warning']).toMatch(/^expired \d{4}-\d{2}-\d{2}; read-only from \d{4}-\d{2}-\d{2}$/);
    const read = await t.call({ url: '/api/v1/sellers', token: admin });
    expect(read.headers['x-license-warning']).toBeDefined();
    expect((await t.call({ url: '/api/v1/system/status', token: admin })).json().license.status).toBe('grace');

    await setLicense({ expiresInDays: -20, graceDays: 14 });
    const after = await newSeller('12345675');
    expect(after.statusCode).toBe(403);
    expect(after.json().code).toBe('LICENSE_EXPIRED');
    expect((await t.call({ url: '/api/v1/sellers', token: admin })).statusCode).toBe(200);
    const signIn = await t.call({ method: 'POST', url: '/api/v1/auth/login', payload: ADMIN });
    expect(signIn.statusCode, signIn.body).toBe(200);
    expect((await t.call({ url: '/api/v1/system/status', token: admin })).json().license.status).toBe('expired');

    await setLicense({ expiresInDays: 300, status: 'revoked' });
    expect((await newSeller('12345675')).json().code).toBe('LICENSE_EXPIRED');

    await setLicense({ expiresInDays: 300 });
    const renewed = await newSeller('12345675');
    expect(renewed.statusCode).toBe(201);
    expect(renewed.headers['x-license-warning']).toBeUndefined();
  });
});
