/**
 * `pnpm bench:move [invoices]`: how long moving a tenant takes (docs/migration-playbook.md). A durable
 * throwaway PostgreSQL (fsync on) is filled with generated invoices (scripts/db/fill.ts; 4,400,000 by default,
 * about 5 GB with indexes), plus stored objects; then scripts/export.sh (maintenance on, dump, checksums,
 * encrypt) and scripts/import.sh into a second fresh PostgreSQL (verify, restore beside, compare every table,
 * swap, check) run as ops would run them. Prints the sizes, each step's time, and the extrapolation to 100 GB.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLocalStorage } from '@app/storage';
import pg from 'pg';
import { fillInvoices, startThrowaway } from '../db/fill.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const invoices = Number(process.argv[2] ?? 4_400_000);
const GB = 1024 ** 3;

async function sizeOf(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query('SELECT pg_database_size(current_database()) AS s')).rows[0].s);
  } finally {
    await c.end();
  }
}

async function timed(what: string, script: string, args: string[]) {
  const t0 = performance.now();
  const r = await promisify(execFile)(join(ROOT, 'scripts', script), args, { maxBuffer: 50_000_000 });
  const s = (performance.now() - t0) / 1000;
  for (const line of r.stderr.trim().split('\n')) console.log(`  ${line}`);
  console.log(`${what}: ${s.toFixed(1)} s`);
  return { s, out: JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown> };
}

const work = mkdtempSync(join(tmpdir(), 'bench-move-'));
const source = await startThrowaway('einvoice', { durable: true });
const target = await startThrowaway('einvoice', { durable: true });
try {
  const t0 = performance.now();
  const n = await fillInvoices(source.url, invoices, (m) => console.log(`fill: ${m}`));
  const c = new pg.Client({ connectionString: source.url });
  await c.connect();
  await c.query('VACUUM (ANALYZE)');
  await c.end();
  console.log(`fill: ${n.toLocaleString('en')} invoices in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  // Stored objects: 500 uploads of 100 KB (E0501 and CSV files in a real tenant).
  const storageRoot = join(work, 'storage');
  const storage = createLocalStorage(storageRoot);
  for (let i = 0; i < 500; i++) await storage.put(`imports/2026/10/file-${i}.csv`, Buffer.alloc(100_000, `row ${i},`));
  const env = (url: string, dir: string) =>
    `TENANT_CODE=explain\nDATABASE_URL=${url}\nSTORAGE_DRIVER=local\nSTORAGE_LOCAL_ROOT=${dir}\n`;
  writeFileSync(join(work, 'source.env'), env(source.url, storageRoot));
  mkdirSync(join(work, 'target-storage'));
  writeFileSync(join(work, 'target.env'), env(target.url, join(work, 'target-storage')));
  writeFileSync(join(work, 'pass'), 'benchmark transfer passphrase\n');
  // The target is a fresh stack of the same tenant.
  const tc = new pg.Client({ connectionString: target.url });
  await tc.connect();
  await tc.query(`INSERT INTO sys_tenants (code, name) VALUES ('explain', 'Explain')`);
  await tc.end();

  const dbBytes = await sizeOf(source.url);
  console.log(`source database: ${(dbBytes / GB).toFixed(2)} GB (pg_database_size), cores: ${availableParallelism()}`);
  const ex = await timed('export.sh (maintenance on, dump, checksums, pack, encrypt)', 'export.sh', [
    '--env-file',
    join(work, 'source.env'),
    '--passphrase-file',
    join(work, 'pass'),
    '--out',
    join(work, 'exports'),
  ]);
  const file = ex.out.file as string;
  const archiveBytes = statSync(file).size;
  console.log(`archive: ${(archiveBytes / GB).toFixed(2)} GB`);
  const im = await timed('import.sh (decrypt, unpack, verify, restore beside, compare every table, swap)', 'import.sh', [
    file,
    '--env-file',
    join(work, 'target.env'),
    '--passphrase-file',
    join(work, 'pass'),
    '--yes',
    '--drop-previous',
  ]);
  const total = ex.s + im.s;
  const per100 = (total * (100 * GB)) / dbBytes;
  console.log(
    JSON.stringify({
      invoices: n,
      databaseGB: Number((dbBytes / GB).toFixed(2)),
      archiveGB: Number((archiveBytes / GB).toFixed(2)),
      exportSeconds: Number(ex.s.toFixed(1)),
      importSeconds: Number(im.s.toFixed(1)),
      totalSeconds: Number(total.toFixed(1)),
      rows: im.out.rows,
      extrapolated100GBMinutes: Number((per100 / 60).toFixed(0)),
    }),
  );
} finally {
  await Promise.allSettled([source.stop(), target.stop()]);
  rmSync(work, { recursive: true, force: true });
}
