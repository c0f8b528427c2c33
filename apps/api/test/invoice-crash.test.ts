/**
 * Crash safety of issuance: the API process is killed with SIGKILL while 16 clients issue invoices.
 * After a restart, every invoice whose 201 reached a client is in the database, no number was issued
 * twice, the block's counter equals the invoices stored (no number lost or skipped), and retrying the
 * requests that were in flight with their Idempotency-Keys never makes a second invoice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createDb, createPool } from '@app/db';
import { freePort } from '@app/devkit';
import { createTestDatabase, testConfig } from '@app/devkit/testing';
import { periodOf } from '@app/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../db/seeds/seed.ts';
import { ADMIN, POS } from './helpers.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const json = async (r: Response | Promise<Response>): Promise<any> => (await r).json();

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
let base: string;
let api: ChildProcess | undefined;

async function startApi(): Promise<void> {
  api = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${base}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('API did not start');
}

const call = (path: string, body: unknown, token: string, key: string = randomUUID()) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  const cfg = testConfig(db.url, {
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    RATE_LIMIT_GENERAL_PER_MINUTE: '1000000',
    LOGIN_IP_MAX_PER_MINUTE: '1000',
  });
  env = Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, String(v)]));
  base = `http://127.0.0.1:${port}`;
  const seedDb = createDb(createPool({ connectionString: db.url, max: 1 }));
  await seedDemo(seedDb, { tenantCode: cfg.TENANT_CODE, tenantName: 'Demo', admin: ADMIN, posClient: POS });
  await seedDb.destroy();
});
afterAll(async () => {
  api?.kill('SIGKILL');
  await db.drop();
});

describe('issuance survives a SIGKILL under load', () => {
  it('acknowledged invoices are stored, no number twice, none lost, retries never double', async () => {
    await startApi();
    const login = await json(
      fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      }),
    );
    const admin = login.accessToken as string;
    const seller = await json(
      call('/api/v1/sellers', { ban: '04595257', name: 'S', address: 'A', qrAesKey: 'FE0F50D87215F625D1248F5FDAEBA37F' }, admin),
    );
    const site = await json(call(`/api/v1/sellers/${seller.id}/sites`, { code: 'S1', name: 'Site 1' }, admin));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const track = await c.query<{ id: string }>(
      `INSERT INTO tracks (seller_id, invoice_type, year_month, track, begin_no, end_no) VALUES ($1, '07', $2, 'AB', 0, 9999) RETURNING id`,
      [seller.id, periodOf(new Date()).yearMonth],
    );
    const block = await json(call(`/api/v1/tracks/${track.rows[0]!.id}/blocks`, { siteId: site.id, booklets: 200 }, admin));
    const body = { siteId: site.id, printMark: 'Y', items: [{ description: '汽油', quantity: '10', unitPrice: '30' }] };

    const acknowledged: string[] = [];
    const inFlight: string[] = [];
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const key = randomUUID();
        inFlight.push(key);
        try {
          const r = await call('/api/v1/invoices', body, admin, key);
          if (r.status === 201) acknowledged.push((await json(r)).invoiceNumber);
          inFlight.splice(inFlight.indexOf(key), 1);
        } catch {
          return; // connection reset by the kill: this key stays in flight
        }
      }
    };
    const loops = Array.from({ length: 16 }, worker);
    await new Promise((r) => setTimeout(r, 1500));
    killed = true;
    api?.kill('SIGKILL');
    await Promise.all(loops);
    expect(acknowledged.length).toBeGreaterThan(20);

    await startApi();
    const stored = await c.query<{ invoice_number: string }>('SELECT invoice_number FROM invoices');
    const numbers = new Set(stored.rows.map((r) => r.invoice_number));
    for (const n of acknowledged) expect(numbers.has(n), `acknowledged ${n} is stored`).toBe(true);
    expect(numbers.size).toBe(stored.rows.length);
    const b = await c.query<{ next_no: number; begin_no: number }>('SELECT next_no, begin_no FROM track_blocks WHERE id = $1', [
      block.id,
    ]);
    expect(b.rows[0]!.next_no - b.rows[0]!.begin_no).toBe(stored.rows.length);

    // Retry the requests that were cut off, with their keys: each ends with exactly one invoice.
    for (const key of inFlight) {
      const r = await call('/api/v1/invoices', body, admin, key);
      expect([201, 409]).toContain(r.status); // 409 IDEMPOTENCY_IN_PROGRESS while a dead claim's lease runs
    }
    const after = await c.query<{ n: string; d: string }>(
      'SELECT count(*)::text AS n, count(DISTINCT invoice_number)::text AS d FROM invoices',
    );
    expect(after.rows[0]!.n).toBe(after.rows[0]!.d);
    const b2 = await c.query<{ next_no: number; begin_no: number }>('SELECT next_no, begin_no FROM track_blocks WHERE id = $1', [
      block.id,
    ]);
    expect(b2.rows[0]!.next_no - b2.rows[0]!.begin_no).toBe(Number(after.rows[0]!.n));
    await c.end();
    api?.kill('SIGTERM');
  }, 60_000);
});
