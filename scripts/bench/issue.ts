/**
 * `pnpm bench:issue [seconds=30] [blocks=8]`: B2C invoices with 3 items over REST at 64 connections, each
 * with its own Idempotency-Key, server numbering from the site's blocks, PostgreSQL with fsync on — and, in the same
 * run on the same server, pgbench running the equivalent bare 3-statement transaction (number update,
 * invoice insert, items insert), with the ratio of the two. Then it checks the numbers: no duplicate, no
 * gap. Target (PRODUCT.md §7): ≥ 1,000 invoices/s, p99 ≤ 150 ms.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgBinDir } from '@app/devkit';
import { periodOf } from '@app/domain';
import pg from 'pg';
import { startBench } from './harness.ts';

const SECONDS = Number(process.argv[2] ?? 30);
/** Shared blocks of the site (a site with several blocks issues from them in parallel). */
const BLOCKS = Number(process.argv[3] ?? 8);
const CONNECTIONS = 64;
const bench = await startBench({ connections: CONNECTIONS, seconds: SECONDS });

try {
  const admin = (await bench.post('/api/v1/auth/login', bench.admin)).accessToken as string;
  const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() });
  const seller = await bench.post(
    '/api/v1/sellers',
    { ban: '04595257', name: '示範加油站', address: '台北市信義區', qrAesKey: 'FE0F50D87215F625D1248F5FDAEBA37F' },
    auth(admin),
  );
  const site = await bench.post(`/api/v1/sellers/${seller.id}/sites`, { code: 'S1', name: 'Site 1' }, auth(admin));
  const db = new pg.Client({ connectionString: bench.dbUrl });
  await db.connect();
  const yearMonth = periodOf(new Date()).yearMonth;
  const track = await db.query<{ id: string }>(
    `INSERT INTO tracks (seller_id, invoice_type, year_month, track, begin_no, end_no) VALUES ($1, '07', $2, 'AB', 0, 999999) RETURNING id`,
    [seller.id, yearMonth],
  );
  const trackId = track.rows[0]?.id as string;
  const blockIds: string[] = [];
  for (let i = 0; i < BLOCKS; i++) {
    blockIds.push(
      (
        await bench.post(
          `/api/v1/tracks/${trackId}/blocks`,
          { siteId: site.id, booklets: Math.floor(20000 / BLOCKS) },
          auth(admin),
        )
      ).id,
    );
  }
  const pos = (
    await bench.post('/api/v1/oauth/token', {
      grant_type: 'client_credentials',
      client_id: bench.pos.clientId,
      client_secret: bench.pos.clientSecret,
    })
  ).access_token as string;

  const body = JSON.stringify({
    siteId: site.id,
    printMark: 'Y',
    items: [
      { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' },
      { description: '洗車', quantity: '1', unitPrice: '150' },
      { description: '礦泉水', quantity: '2', unitPrice: '20' },
    ],
  });
  const result = await bench.phase('POST /api/v1/invoices (B2C, 3 items, new key each)', {
    requests: [
      {
        method: 'POST',
        path: '/api/v1/invoices',
        setupRequest: (req) => ({
          ...req,
          headers: { authorization: `Bearer ${pos}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body,
        }),
      },
    ],
  });

  // The numbers: exactly one invoice per number taken, no duplicate, no gap.
  const check = await db.query<{ n: string; distinct_numbers: string; taken: string }>(
    `SELECT (SELECT count(*) FROM invoices)::text AS n,
            (SELECT count(DISTINCT invoice_number) FROM invoices)::text AS distinct_numbers,
            (SELECT sum(next_no - begin_no) FROM track_blocks WHERE id = ANY($1::uuid[]))::text AS taken`,
    [blockIds],
  );
  const c = check.rows[0]!;

  // pgbench: the same three statements, bare, on the same server.
  await db.query(`
    CREATE TABLE pgb_blocks (id int PRIMARY KEY, next_no int NOT NULL);
    INSERT INTO pgb_blocks VALUES (1, 0);
    CREATE TABLE pgb_invoices (id bigserial PRIMARY KEY, number int NOT NULL, random text NOT NULL, total bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE pgb_items (invoice_id bigint NOT NULL, seq int NOT NULL, description text NOT NULL, quantity numeric NOT NULL, unit_price numeric NOT NULL, amount bigint NOT NULL, PRIMARY KEY (invoice_id, seq));`);
  await db.end();
  const script = join(tmpdir(), `pgbench-issue-${process.pid}.sql`);
  writeFileSync(
    script,
    `BEGIN;
UPDATE pgb_blocks SET next_no = next_no + 1 WHERE id = 1 RETURNING next_no \\gset
INSERT INTO pgb_invoices (number, random, total) VALUES (:next_no, '1234', 830) RETURNING id \\gset
INSERT INTO pgb_items VALUES (:id, 1, '95無鉛汽油', 20.5, 31.2, 640), (:id, 2, '洗車', 1, 150, 150), (:id, 3, '礦泉水', 2, 20, 40);
END;
`,
  );
  const out = execFileSync(
    join(pgBinDir(), 'pgbench'),
    [
      '-n',
      '-f',
      script,
      '-c',
      String(CONNECTIONS),
      '-j',
      '2',
      '-T',
      String(Math.min(SECONDS, 15)),
      '-h',
      '127.0.0.1',
      '-p',
      String(bench.pgServer.port),
      '-U',
      'postgres',
      'bench',
    ],
    { encoding: 'utf8' },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 'NaN');
  const lat = /latency average = ([\d.]+) ms/.exec(out)?.[1];

  console.log(
    `\ninvoice issuance — ${CONNECTIONS} connections, ${SECONDS} s, ${BLOCKS} site block(s), PostgreSQL fsync on, ${new Date().toISOString()}`,
  );
  console.table(bench.rows);
  console.log(
    `invoices stored: ${c.n}; distinct numbers: ${c.distinct_numbers}; numbers taken from the ${BLOCKS} block(s): ${c.taken}`,
  );
  console.log(`no duplicate: ${c.n === c.distinct_numbers}; no gap (stored = taken): ${c.n === c.taken}`);
  console.log(`pgbench, bare 3-statement transaction, ${CONNECTIONS} clients: ${tps.toFixed(0)} tps (latency average ${lat} ms)`);
  console.log(`ratio REST / pgbench: ${(result.requests.average / tps).toFixed(2)}`);
  console.log(
    `target: ≥ 1000 invoices/s and p99 ≤ 150 ms → ${result.requests.average >= 1000 && result.latency.p99 <= 150 ? 'met' : 'NOT met'}`,
  );
} finally {
  await bench.stop();
}
