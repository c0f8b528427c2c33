/**
 * `pnpm bench:pipeline [invoices=100000]`: how fast the worker drains issued invoices into Turnkey's SRC
 * folders. Target (PRODUCT.md §7): ≥ 1,500 messages/s, 100,000 in ≤ 90 s.
 *
 * A throwaway PostgreSQL (durable settings, fsync on) and Redis; `invoices` invoices filled by
 * scripts/db/fill.ts (3 items each) with their F0401 messages queued as the issuing statement queues them;
 * then the real worker process (apps/worker/src/main.ts, production settings, the runtime XSD check on
 * against the official MIG 4.1 schemas) starts and its scheduled `turnkey.handoff` runs drain the queue.
 * The script polls the queue every 250 ms and prints the progress, then: messages/s over the drain (first
 * to last file), the total from the worker's start, and checks that SRC holds exactly one file per message
 * and that no message became invalid. Everything it started is stopped by PID, also on error and Ctrl-C.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type RedisServer, startRedis, stopPid } from '@app/devkit';
import pg from 'pg';
import { fillInvoices, startThrowaway } from '../db/fill.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const XSD_DIR = resolve(ROOT, '../shared/mig/xsd');
const INVOICES = Number(process.argv[2] ?? 100_000);
if (!Number.isInteger(INVOICES) || INVOICES < 1000) {
  console.error('usage: pnpm bench:pipeline [invoices ≥ 1000, default 100000]');
  process.exit(2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const t = await startThrowaway('pipeline', { durable: true });
  const dir = mkdtempSync(join(tmpdir(), 'einv-pipeline-'));
  let redis: RedisServer | undefined;
  let workerPid: number | undefined;
  let c: pg.Client | undefined;
  const stop = async () => {
    await c?.end().catch(() => {});
    if (workerPid) await stopPid(workerPid, 'SIGTERM', 60_000).catch(() => {});
    await Promise.allSettled([redis?.stop(), t.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  // One handler stops everything (the throwaway's own would exit before the worker and Redis are stopped).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.once(sig, () => void stop().finally(() => process.exit(130)));
  }
  try {
    redis = await startRedis({ dataDir: join(dir, 'redis'), port: await freePort(), durable: true });
    console.log(`filling ${INVOICES.toLocaleString('en')} invoices …`);
    const filled = await fillInvoices(t.url, INVOICES, () => {});
    c = new pg.Client({ connectionString: t.url });
    await c.connect();
    // The F0401 of each invoice, exactly as the issuing statement writes it (identifier, chain).
    const q = await c.query(`
      INSERT INTO turnkey_messages (message_type, seller_id, invoice_id, invoice_date, identifier, chain, created_at)
      SELECT 'F0401', i.seller_id, i.id, i.invoice_date,
             'F0401' || i.invoice_number || to_char(i.invoice_date, 'YYYYMMDD'), i.year_month || ':' || i.invoice_number,
             i.created_at
        FROM invoices i ORDER BY i.created_at`);
    await c.query('VACUUM ANALYZE turnkey_messages');
    const messages = q.rowCount ?? 0;
    console.log(`${filled.toLocaleString('en')} invoices, ${messages.toLocaleString('en')} F0401 messages queued`);

    // Turnkey's work folder exists (a missing one is an outage: the hand-off's circuit breaker stays open).
    const turnkeyRoot = join(dir, 'turnkey');
    mkdirSync(turnkeyRoot);
    const started = Date.now();
    const worker = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        TENANT_CODE: 'explain',
        DATABASE_URL: t.url,
        REDIS_URL: redis.url,
        JWT_SECRET: randomBytes(32).toString('hex'),
        APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        STORAGE_LOCAL_ROOT: join(dir, 'storage'),
        TURNKEY_ROOT: turnkeyRoot,
        TURNKEY_XSD_DIR: XSD_DIR,
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(WORKER_|TURNKEY_HANDOFF|DATABASE_POOL)/.test(k))),
      },
    });
    workerPid = worker.pid;
    let exited: string | null = null;
    worker.on('exit', (code, signal) => {
      exited = `the worker exited (${signal ?? code}) before the queue was drained`;
      workerPid = undefined;
    });

    let first: number | null = null;
    let last = 0;
    let lastPrint = 0;
    for (;;) {
      const r = await c.query<{ status: string; n: number; last: Date | null; first: Date | null }>(
        `SELECT status, count(*)::int AS n, max(delivered_at) AS last, min(delivered_at) AS first FROM turnkey_messages GROUP BY status`,
      );
      const by = Object.fromEntries(r.rows.map((x) => [x.status, x]));
      const delivered = by.delivered?.n ?? 0;
      const done = delivered + (by.invalid?.n ?? 0) + (by.dead?.n ?? 0);
      if (by.delivered?.first) first = by.delivered.first.getTime();
      if (by.delivered?.last) last = by.delivered.last.getTime();
      if (Date.now() - lastPrint > 5_000 || done >= messages) {
        lastPrint = Date.now();
        console.log(`  ${((Date.now() - started) / 1000).toFixed(1)} s: ${delivered.toLocaleString('en')} delivered`);
      }
      if (done >= messages) break;
      if (exited) throw new Error(exited);
      if (Date.now() - started > 15 * 60_000) throw new Error('the queue did not drain in 15 minutes');
      await sleep(250);
    }
    const counts = await c.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM turnkey_messages GROUP BY status ORDER BY status`,
    );
    const invalid = await c.query<{ last_error: string }>(
      `SELECT last_error FROM turnkey_messages WHERE status = 'invalid' LIMIT 3`,
    );
    const files = readdirSync(join(turnkeyRoot, 'UpCast', 'B2SSTORAGE', 'F0401', 'SRC')).filter((f) => f.endsWith('.xml'));
    const drainS = (last - (first ?? last)) / 1000 || 0.001;
    const totalS = (last - started) / 1000;
    console.log('');
    console.table([
      {
        messages,
        'SRC files': files.length,
        statuses: counts.rows.map((x) => `${x.status} ${x.n}`).join(', '),
        'drain s (first → last file)': drainS.toFixed(1),
        'messages/s': Math.round(messages / drainS),
        'total s (worker start → last file)': totalS.toFixed(1),
        'messages/s incl. start': Math.round(messages / totalS),
      },
    ]);
    if (invalid.rows.length > 0)
      console.log(
        'invalid, e.g.:',
        invalid.rows.map((r) => r.last_error),
      );
    const ok = files.length === messages && counts.rows.every((x) => x.status === 'delivered');
    console.log(ok ? 'every message handed off exactly once' : 'NOT every message was handed off exactly once');
    if (!ok) process.exitCode = 1;
  } finally {
    await stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
