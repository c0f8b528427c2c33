/**
 * Maintenance mode in the worker, against real Redis and PostgreSQL: turning it on lets the running job finish,
 * then no new job starts; the heartbeat row says the worker has paused only once that job is done (what the export
 * script waits for); turning it off resumes the queued work. The heartbeat file is touched while paused too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testConfig } from '@app/devkit/testing';
import { jobOptions, queueFor } from '@app/jobs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseSums, unpack } from '../../../scripts/ops/snapshot.ts';
import { waitForPausedWorkers } from '../src/maintenance-watch.ts';
import { type Runtime, startRuntime } from '../src/runtime.ts';
import { captureLogger, openTestDb, skippingHandlers, type TestDb, waitFor } from './helpers.ts';

let t: TestDb;
let dir: string;
beforeAll(async () => {
  t = await openTestDb();
  dir = mkdtempSync(join(tmpdir(), 'mwatch-'));
  await sql`INSERT INTO sys_tenants (code, name) VALUES ('demo', 'Demo') ON CONFLICT (code) DO NOTHING`.execute(t.db);
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

const setMaintenance = (enabled: boolean) =>
  sql`INSERT INTO sys_maintenance (tenant_id, enabled, reason, changed_by)
      SELECT id, ${enabled}, 'test', 'test' FROM sys_tenants WHERE code = 'demo'
      ON CONFLICT (tenant_id) DO UPDATE SET enabled = EXCLUDED.enabled, changed_at = clock_timestamp()`.execute(t.db);

describe('the worker in maintenance mode', () => {
  it('finishes the running job, starts no new one, reports paused, and resumes when the mode ends', async () => {
    const heartbeat = join(dir, 'worker.heartbeat');
    const config = testConfig(t.url, { WORKER_HEARTBEAT_FILE: heartbeat });
    const { log, lines } = captureLogger();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ran: number[] = [];
    let runtime: Runtime | undefined;
    try {
      runtime = startRuntime({
        config,
        db: t.db,
        log,
        maintenancePollMs: 100,
        handlers: {
          ...skippingHandlers(),
          'period.close': async (payload) => {
            ran.push(Number(payload.period));
            if (payload.period === '11410') await gate;
            return 'done';
          },
        },
      });
      const queue = runtime.queues[queueFor('period.close')];
      const add = (period: string) =>
        queue.add('period.close', { period }, { ...jobOptions('period.close'), jobId: `p-${period}` });

      await waitFor(
        'the first heartbeat',
        async () => (await t.db.selectFrom('sys_worker_heartbeats').selectAll().execute()).length === 1,
      );
      await add('11410');
      await waitFor('the slow job to start', async () => ran.includes(11410));

      await setMaintenance(true);
      // The running job holds the pause: the worker is not reported paused yet.
      const early = await waitForPausedWorkers(t.db, 'demo', { timeoutMs: 600, intervalMs: 100 });
      expect(early.busy).toHaveLength(1);
      expect(early.live).toBe(1);

      release();
      const done = await waitForPausedWorkers(t.db, 'demo', { timeoutMs: 5_000, intervalMs: 100 });
      expect(done).toEqual({ busy: [], live: 1 });
      expect(runtime.maintenance.isPaused()).toBe(true);

      // Paused: a queued job waits.
      await add('11412');
      await new Promise((r) => setTimeout(r, 700));
      expect(ran).toEqual([11410]);
      // The healthcheck's file keeps being touched while paused.
      const before = statSync(heartbeat).mtimeMs;
      await waitFor('a fresh heartbeat', async () => statSync(heartbeat).mtimeMs > before);

      await setMaintenance(false);
      await waitFor('the waiting job to run', async () => ran.includes(11412));
      expect(runtime.maintenance.isPaused()).toBe(false);
      const row = await t.db.selectFrom('sys_worker_heartbeats').selectAll().executeTakeFirstOrThrow();
      expect(row.paused_at).toBeNull();
      expect(lines.some((l) => l.msg === 'job workers paused for maintenance')).toBe(true);
    } finally {
      release();
      await runtime?.stop();
    }
    // A stopped worker removes its heartbeat: it does not hold up the next export.
    expect(await t.db.selectFrom('sys_worker_heartbeats').selectAll().execute()).toEqual([]);
  });

  it('a second maintenance period needs a fresh pause, and a worker gone silent does not hold up an export', async () => {
    await setMaintenance(true);
    await sql`INSERT INTO sys_worker_heartbeats (worker_id, started_at, seen_at, paused_at, maintenance_since)
              VALUES ('old-period', now(), now(), now(), now() - interval '1 hour'),
                     ('dead', now(), now() - interval '5 minutes', NULL, NULL)`.execute(t.db);
    const r = await waitForPausedWorkers(t.db, 'demo', { timeoutMs: 300, intervalMs: 100 });
    expect(r).toEqual({ busy: ['old-period'], live: 1 });
    await setMaintenance(false);
    await t.db.deleteFrom('sys_worker_heartbeats').execute();
  });

  it('export.sh waits for the running job, and its archive holds what that job wrote', async () => {
    const config = testConfig(t.url);
    const { log } = captureLogger();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let running = false;
    const runtime = startRuntime({
      config,
      db: t.db,
      log,
      maintenancePollMs: 100,
      handlers: {
        ...skippingHandlers(),
        'period.close': async () => {
          running = true;
          await gate;
          await sql`UPDATE sys_tenants SET name = 'written by the job the export waited for' WHERE code = 'demo'`.execute(t.db);
          return 'done';
        },
      },
    });
    try {
      await runtime.queues[queueFor('period.close')].add('period.close', { period: '11410' }, jobOptions('period.close'));
      await waitFor('the job to start', async () => running);
      const env = join(dir, 'export.env');
      writeFileSync(
        env,
        `TENANT_CODE=demo\nDATABASE_URL=${t.url}\nSTORAGE_DRIVER=local\nSTORAGE_LOCAL_ROOT=${join(dir, 'storage')}\n`,
      );
      writeFileSync(join(dir, 'pass'), 'the export passphrase\n');
      const script = fileURLToPath(new URL('../../../scripts/export.sh', import.meta.url));
      const t0 = Date.now();
      const exporting = promisify(execFile)(script, [
        '--env-file',
        env,
        '--passphrase-file',
        join(dir, 'pass'),
        '--out',
        join(dir, 'exports'),
        '--wait-seconds',
        '30',
      ]);
      await new Promise((r) => setTimeout(r, 1_500));
      release();
      const { stdout } = await exporting;
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500);
      const file = JSON.parse(stdout.trim()).file as string;
      const archived = await unpack(file, join(dir, 'unpacked'), 'the export passphrase');
      const manifest = JSON.parse(readFileSync(join(archived, 'manifest.json'), 'utf8'));
      const now = await databaseSums(t.url);
      expect(manifest.tables.sys_tenants).toEqual(now.sys_tenants);
      const name = await t.db.selectFrom('sys_tenants').select('name').where('code', '=', 'demo').executeTakeFirstOrThrow();
      expect(name.name).toBe('written by the job the export waited for');
      expect(runtime.maintenance.isPaused()).toBe(true);
    } finally {
      release();
      await runtime.stop();
      await setMaintenance(false);
    }
  }, 60_000);
});
