/**
 * maintenance.slow_queries, the daily slow-query report, against PostgreSQL servers of its own (the shared test
 * server loads no pg_stat_statements):
 * - with `shared_preload_libraries = pg_stat_statements`: the report holds the deliberately slow statements with
 *   their calls and times, suggests an index on the real unindexed column the slow statements filter on (and
 *   not on the indexed one), alerts over the threshold (error log line, SlowQueryDetected event, the
 *   administrators' mail), and resets the statistics so the next report starts where it ended;
 * - without it (the extension created by the migration but not loaded): the report says so and reads the
 *   server's log file instead, from where the previous report stopped;
 * - with neither: a report that says why it is empty;
 * - scripts/slow-query-report.sh runs it once.
 * And the pure text work: log records, normalized SQL, the columns a statement filters on.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDb, createPool, type Database, migrate } from '@app/db';
import { freePort, type PostgresServer, startPostgres } from '@app/devkit';
import { createLogger } from '@app/logger';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventDispatchHandler } from '../src/jobs/event.dispatch.ts';
import { createMaintenanceSlowQueriesHandler, type SlowQueryOptions } from '../src/jobs/maintenance.slow-queries.ts';
import { notificationSubscriber } from '../src/notification/subscriber.ts';
import { normalizeSql, slowLogEntries, statementShape } from '../src/ops/sql-text.ts';
import { createSubscriberRegistry } from '../src/subscribers.ts';
import { captureLogger, waitFor } from './helpers.ts';

/** Thresholds low enough for statements of a few hundred ms (the defaults are 500 ms and 5 s). */
const OPTIONS = { alertMs: 300, slowMs: 100, minRows: 10_000, minSeqScans: 50 } satisfies SlowQueryOptions;
/** A slow statement filtering ops_probe on `column`: the sleep runs once (a materialized CTE), not per row. */
const filtered = (column: 'ref' | 'code', value: string) =>
  `WITH s AS MATERIALIZED (SELECT pg_sleep(0.12)) SELECT count(*) FROM ops_probe p, s WHERE p.${column} = '${value}'`;
const FILTERED_PARAM = `WITH s AS MATERIALIZED (SELECT pg_sleep(0.12)) SELECT count(*) FROM ops_probe p, s WHERE p.ref = $1`;

type Server = { pg: PostgresServer; url: string; db: Database; client: pg.Client; logFile: string };
let root: string;
let servers: Server[] = [];

/** A PostgreSQL server of the test's own, migrated, with ops_probe: 20,000 rows, `code` indexed, `ref` not. */
async function startServer(name: string, settings: Record<string, string>): Promise<Server> {
  const logFile = join(root, `${name}.log`);
  const server = await startPostgres({
    dataDir: join(root, name),
    port: await freePort(),
    durable: false,
    logFile,
    settings: { log_min_duration_statement: '100', log_timezone: 'UTC', ...settings },
  });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE app');
  await admin.end();
  const url = server.url('app');
  await migrate(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE ops_probe (id serial PRIMARY KEY, ref text NOT NULL, code text NOT NULL, note text);
    CREATE INDEX ops_probe_code_idx ON ops_probe (code);
    INSERT INTO ops_probe (ref, code, note) SELECT 'r' || g, 'c' || g, 'n' FROM generate_series(1, 20000) g;
    ANALYZE ops_probe;`);
  const s = { pg: server, url, db: createDb(createPool({ connectionString: url, max: 2 })), client, logFile };
  servers.push(s);
  return s;
}

/** An administrator (ops.admin, data scope all, with an address) and an operator (no ops.admin). */
async function seedPeople(db: Database): Promise<void> {
  const tenant = await db
    .insertInto('sys_tenants')
    .values({ code: 'ops', name: 'Ops' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('sys_permissions')
    .values([
      { code: 'ops.admin', description: 'ops' },
      { code: 'invoice.read', description: 'read' },
    ])
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  for (const [username, permission] of [
    ['admin', 'ops.admin'],
    ['operator', 'invoice.read'],
  ] as const) {
    const role = await db
      .insertInto('sys_roles')
      .values({ tenant_id: tenant.id, code: `r-${username}`, name: username })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('sys_role_permissions').values({ role_id: role.id, permission_code: permission }).execute();
    const user = await db
      .insertInto('sys_users')
      .values({
        tenant_id: tenant.id,
        username,
        display_name: username,
        password_hash: 'x',
        email: `${username}@example.com`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('sys_user_roles').values({ user_id: user.id, role_id: role.id }).execute();
    await db
      .insertInto('sys_data_scopes')
      .values({ tenant_id: tenant.id, subject_type: 'user', subject_id: user.id, scope_type: 'all' })
      .execute();
  }
}

const reports = (db: Database) =>
  db
    .selectFrom('sys_ops_reports')
    .select(['id', 'kind', 'period_start', 'period_end', 'alert', 'summary', 'body'])
    .orderBy('id')
    .execute() as Promise<
    {
      id: string;
      kind: string;
      period_start: Date;
      period_end: Date;
      alert: boolean;
      summary: Record<string, any>;
      body: Record<string, any>;
    }[]
  >;

const events = (db: Database) =>
  db
    .selectFrom('sys_outbox')
    .select(['id', 'event_id', 'event_type', 'payload', 'aggregate_id'])
    .where('event_type', '=', 'SlowQueryDetected')
    .orderBy('id')
    .execute();

function run(db: Database, options: SlowQueryOptions) {
  const { log, lines } = captureLogger();
  const handler = createMaintenanceSlowQueriesHandler({ db, options });
  return { result: handler({}, { jobId: 'sq', attempt: 1, signal: new AbortController().signal, log }), lines };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'slow-queries-'));
}, 10_000);
afterAll(async () => {
  for (const s of servers) {
    await s.client.end().catch(() => {});
    await s.db.destroy().catch(() => {});
    // pool.end() resolves before its sockets close; stopping the server first would kill them mid-goodbye.
    const probe = new pg.Client({ connectionString: s.url });
    await probe.connect();
    await waitFor('the connections to close', async () => {
      const r = await probe.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      return r.rows[0].n === 0;
    });
    await probe.end();
    await s.pg.stop();
  }
  servers = [];
  rmSync(root, { recursive: true, force: true });
});

describe('with pg_stat_statements loaded', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer('pgss', { shared_preload_libraries: 'pg_stat_statements' });
    await seedPeople(s.db);
  }, 120_000);

  it('reports the top SQL with calls and times, suggests the missing index, alerts, and starts the next report afresh', async () => {
    // A clean period: only what this test runs (the migration's statements are not its business).
    await s.client.query('SELECT pg_stat_statements_reset()');
    const started = new Date();
    await s.client.query('SELECT pg_sleep(0.35)');
    for (const v of ['r5', 'r6', 'r7']) await s.client.query(FILTERED_PARAM, [v]);
    for (const v of ['c5', 'c6']) await s.client.query(filtered('code', v));
    // Many quick whole-table reads of ops_probe (ref has no index).
    for (let i = 0; i < 60; i++) await s.client.query('SELECT count(*) FROM ops_probe WHERE ref = $1', [`r${i}`]);
    await waitFor('the sequential scans in pg_stat_user_tables', async () => {
      const r = await s.client.query(`SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'ops_probe'`);
      return Number(r.rows[0]?.seq_scan) >= 60;
    });

    const first = run(s.db, OPTIONS);
    expect(await first.result).toBe('done');
    const [report] = await reports(s.db);
    if (!report) throw new Error('no report stored');
    expect(report).toMatchObject({ kind: 'slow_queries', alert: true });
    expect(report.period_start.getTime()).toBeLessThanOrEqual(started.getTime());
    expect(report.period_end.getTime()).toBeGreaterThanOrEqual(started.getTime());
    expect(report.summary).toMatchObject({
      source: 'pg_stat_statements',
      slowMs: 100,
      alertMs: 300,
      alertStatements: 1,
      slowStatements: 3,
    });
    expect(report.summary.calls).toBeGreaterThanOrEqual(66);
    expect(report.summary.maxMs).toBeGreaterThanOrEqual(350);

    const body = report.body;
    const sleep = body.topByTotal.find((q: { query: string }) => q.query === 'SELECT pg_sleep($1)');
    expect(sleep).toMatchObject({ calls: 1 });
    expect(sleep.maxMs).toBeGreaterThanOrEqual(350);
    const ref = body.topByTotal.find((q: { query: string }) => q.query.includes('p.ref = $'));
    expect(ref).toMatchObject({ calls: 3 });
    expect(ref.query).toContain('FROM ops_probe p, s');
    expect(ref.meanMs).toBeGreaterThanOrEqual(120);
    expect(body.topByTotal.find((q: { query: string }) => q.query.includes('p.code = $'))).toMatchObject({ calls: 2 });
    expect(
      body.topByTotal.find((q: { query: string }) => q.query === 'SELECT count(*) FROM ops_probe WHERE ref = $1'),
    ).toMatchObject({
      calls: 60,
    });
    expect(body.topByMean[0].query).toBe('SELECT pg_sleep($1)');
    expect(body.alerts).toEqual([expect.objectContaining({ query: 'SELECT pg_sleep($1)', calls: 1 })]);

    // The unindexed column the slow statements filter on, not the indexed one; the big table scanned whole.
    expect(body.suggestedIndexes).toEqual([
      expect.objectContaining({ table: 'ops_probe', column: 'ref', ddl: 'CREATE INDEX CONCURRENTLY ON ops_probe (ref);' }),
    ]);
    expect(body.suggestedIndexes[0].rows).toBeGreaterThanOrEqual(20_000);
    expect(body.suggestedIndexes[0].statements[0]).toMatchObject({ calls: 3 });
    expect(body.seqScanTables).toEqual([expect.objectContaining({ table: 'ops_probe' })]);
    expect(body.seqScanTables[0].seqScan).toBeGreaterThanOrEqual(60);
    expect(body.suggestionNote).toContain('heuristic');
    expect(body.reset).toBe(true);

    // The alert: an error line, and one event that carries no SQL.
    const error = first.lines.find((l) => l.level === 'error');
    expect(error?.msg).toBe('slow queries: 1 SQL statement(s) took longer than SLOW_QUERY_ALERT_MS (300 ms)');
    expect(error?.slowest).toEqual([expect.objectContaining({ query: 'SELECT pg_sleep($1)' })]);
    const [event, ...more] = await events(s.db);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      aggregate_id: report.id,
      payload: { reportId: report.id, statements: 1, thresholdMs: 300, source: 'pg_stat_statements' },
    });
    expect(JSON.stringify(event?.payload)).not.toContain('pg_sleep');

    // The event reaches the administrator — not the operator — as a mail naming the statement.
    const subscribers = createSubscriberRegistry();
    const silent = createLogger({ name: 'notify', level: 'silent' });
    subscribers.subscribe(
      'notification.email',
      notificationSubscriber({ db: s.db, log: silent, publicUrl: 'https://einvoice.example' }),
    );
    const dispatch = createEventDispatchHandler({ db: s.db, subscribers });
    await dispatch(
      { outboxId: event!.id, eventId: event!.event_id, eventType: 'SlowQueryDetected' },
      { jobId: 'd', attempt: 1, signal: new AbortController().signal, log: silent },
    );
    const mails = await s.db.selectFrom('notification_mails').select(['to_address', 'subject', 'text_body']).execute();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to_address).toBe('admin@example.com');
    expect(mails[0]?.subject).toContain('慢查詢告警：1 個 SQL 超過 300 ms');
    expect(mails[0]?.subject).toContain('slow queries: 1 SQL statement over 300 ms');
    expect(mails[0]?.text_body).toContain('SELECT pg_sleep($1)');
    expect(mails[0]?.text_body).toContain(`sys_ops_reports #${report.id}`);
    expect(mails[0]?.text_body).toContain('https://einvoice.example/system');

    // Reset: this database's statistics start again, so the next report covers only what came after.
    const left = await s.client.query(`SELECT count(*)::int AS n FROM pg_stat_statements WHERE query LIKE '%pg_sleep%'
      AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    expect(left.rows[0].n).toBe(0);
    await s.client.query('SELECT pg_sleep(0.15)');
    expect(await run(s.db, OPTIONS).result).toBe('done');
    const second = (await reports(s.db))[1];
    expect(second).toMatchObject({
      alert: false,
      summary: { source: 'pg_stat_statements', alertStatements: 0, slowStatements: 1 },
    });
    // From the reset, which follows the stored report by the job's own few milliseconds.
    expect(second?.period_start.getTime()).toBeGreaterThanOrEqual(report.period_end.getTime());
    expect(second?.period_start.getTime()).toBeLessThan(report.period_end.getTime() + 5_000);
    const queries = second?.body.topByTotal.map((q: { query: string }) => q.query) ?? [];
    expect(queries).toContain('SELECT pg_sleep($1)');
    expect(queries.filter((q: string) => q.includes('ops_probe'))).toEqual([]);
    expect(second?.body.topByTotal.find((q: { query: string }) => q.query === 'SELECT pg_sleep($1)')).toMatchObject({ calls: 1 });
    expect(await events(s.db)).toHaveLength(1);
  }, 60_000);

  it('scripts/slow-query-report.sh writes one now, with SLOW_QUERY_ALERT_MS from the environment; exit 3 on an alert', async () => {
    const path = fileURLToPath(new URL('../../../scripts/slow-query-report.sh', import.meta.url));
    const sh = async (env: Record<string, string>, args: string[] = []) => {
      try {
        const r = await promisify(execFile)(path, args, { env: { ...process.env, DATABASE_URL: s.url, ...env } });
        return { code: 0, out: r.stdout, err: r.stderr };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { code: x.code, out: x.stdout, err: x.stderr };
      }
    };
    const help = await sh({}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('sys_ops_reports');
    expect((await sh({ SLOW_QUERY_ALERT_MS: 'soon' })).code).toBe(2);

    await s.client.query('SELECT pg_sleep(0.35)');
    const r = await sh({ SLOW_QUERY_ALERT_MS: '300' });
    expect(r.code, r.err).toBe(3);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({
      job: 'maintenance.slow_queries',
      alert: true,
      summary: { source: 'pg_stat_statements', alertStatements: 1 },
    });
    expect(r.err).toContain('SLOW_QUERY_ALERT_MS (300 ms)');
    const stored = (await reports(s.db)).at(-1);
    expect(stored).toMatchObject({ id: out.reportId, alert: true });

    const quiet = await sh({});
    expect(quiet.code, quiet.err).toBe(0);
    expect(JSON.parse(quiet.out)).toMatchObject({ alert: false });
  }, 60_000);
});

describe('without pg_stat_statements loaded', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer('plain', {});
  }, 120_000);

  it('the migration created the extension all the same; reading it fails as "not loaded"', async () => {
    const ext = await s.client.query(`SELECT extname FROM pg_extension WHERE extname = 'pg_stat_statements'`);
    expect(ext.rows).toHaveLength(1);
    await expect(s.client.query('SELECT count(*) FROM pg_stat_statements')).rejects.toMatchObject({ code: '55000' });
  });

  it('without SLOW_QUERY_LOG_FILE: a report that says why it is empty', async () => {
    const r = run(s.db, OPTIONS);
    expect(await r.result).toBe('done');
    const [report] = await reports(s.db);
    expect(report).toMatchObject({ alert: false, summary: { source: 'none', statements: 0 } });
    expect(report?.body.notes).toEqual([
      'pg_stat_statements is not loaded: add it to shared_preload_libraries and restart PostgreSQL',
      'SLOW_QUERY_LOG_FILE is not set, so there is no other source: this report is empty',
    ]);
    expect(r.lines.find((l) => l.msg === 'slow-query report has no source')).toBeTruthy();
    expect(await events(s.db)).toEqual([]);
  });

  it('reads the log file instead, from where the previous report stopped', async () => {
    const logged = () => (readFileSync(s.logFile, 'utf8').match(/duration: /g) ?? []).length;
    const options = { ...OPTIONS, logFile: s.logFile };
    // The first report reads the whole file (whatever the set-up logged); this test's statements come after it.
    expect(await run(s.db, options).result).toBe('done');
    const primed = (await reports(s.db)).at(-1);
    expect(primed?.body.logFromOffset).toBe(0);
    const before = logged();
    await s.client.query('SELECT pg_sleep(0.35)');
    // Two literals, one text; the second on several lines (PostgreSQL continues them with a tab).
    await s.client.query(filtered('ref', 'r5'));
    await s.client.query(filtered('ref', 'r6').replace(' FROM ', '\n  FROM ').replace(' WHERE ', '\n WHERE '));
    await s.client.query(FILTERED_PARAM, ['r7']);
    await waitFor('the slow statements in the log', async () => logged() >= before + 4);

    const first = run(s.db, options);
    expect(await first.result).toBe('done');
    const report = (await reports(s.db)).at(-1);
    if (!report) throw new Error('no report stored');
    expect(report).toMatchObject({ alert: true, summary: { source: 'log', alertStatements: 1, calls: 4 } });
    expect(report.body.logFromOffset).toBe(primed?.body.log.offset);
    expect(report.period_start).toEqual(primed?.period_end);
    expect(report.body.notes).toEqual([
      'pg_stat_statements is not loaded: add it to shared_preload_libraries and restart PostgreSQL',
    ]);
    const top = report.body.topByTotal as { query: string; calls: number; maxMs: number }[];
    expect(top.find((q) => q.query === 'SELECT pg_sleep(?)')?.maxMs).toBeGreaterThanOrEqual(350);
    expect(top.find((q) => q.query === filtered('ref', '?').replace("'?'", '?').replace('0.12', '?'))).toMatchObject({
      calls: 2,
    });
    expect(top.find((q) => q.query === FILTERED_PARAM.replace('0.12', '?'))).toMatchObject({ calls: 1 });
    expect(report.body.alerts).toEqual([expect.objectContaining({ query: 'SELECT pg_sleep(?)', calls: 1 })]);
    expect(report.body.suggestedIndexes).toEqual([expect.objectContaining({ table: 'ops_probe', column: 'ref' })]);
    expect(report.body.log).toMatchObject({ file: s.logFile, ino: statSync(s.logFile).ino });
    expect(report.body.log.offset).toBeGreaterThan(0);
    expect((await events(s.db)).filter((e) => (e.payload as { reportId: string }).reportId === report.id)).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ source: 'log', statements: 1 }) }),
    ]);

    // The next report starts at the previous one's offset: only what was logged since.
    await s.client.query(filtered('code', 'c9'));
    await waitFor('the statement in the log', async () => logged() >= before + 5);
    expect(await run(s.db, options).result).toBe('done');
    const next = (await reports(s.db)).at(-1);
    expect(next).toMatchObject({ alert: false, summary: { source: 'log', statements: 1, calls: 1 } });
    expect(next?.body.logFromOffset).toBe(report.body.log.offset);
    expect(next?.period_start).toEqual(report.period_end);
    expect(next?.body.topByTotal[0].query).toContain('p.code = ?');
    // code has an index: nothing to suggest.
    expect(next?.body.suggestedIndexes).toEqual([]);
  }, 60_000);
});

describe('the text work', () => {
  it('reads slow statements from log records: simple and extended protocol, multi-line, with the time', async () => {
    const lines = [
      '2026-11-22 04:00:01.250 UTC [311] LOG:  duration: 612.345 ms  statement: SELECT pg_sleep(0.6)',
      '2026-11-22 04:00:02.000 UTC [311] LOG:  duration: 150.000 ms  execute <unnamed>: SELECT *',
      '\tFROM invoices i',
      '\tWHERE i.buyer_ban = $1',
      "2026-11-22 04:00:02.000 UTC [311] DETAIL:  parameters: $1 = '12345678'",
      '2026-11-22 04:00:03.000 UTC [312] LOG:  checkpoint starting: time',
      '2026-11-22 04:00:04.000 +08 [313] LOG:  duration: 700.1 ms  statement: VACUUM (ANALYZE) sys_outbox',
      '2026-11-22 04:00:05.000 CST [314] LOG:  duration: 501 ms  parse <unnamed>: SELECT 1',
      '2026-11-22 04:00:05.000 CST [314] LOG:  duration: 502 ms  statement: SELECT 2',
    ];
    const out = [];
    for await (const e of slowLogEntries(lines)) out.push(e);
    expect(out).toEqual([
      { at: new Date('2026-11-22T04:00:01.250Z'), durationMs: 612.345, statement: 'SELECT pg_sleep(0.6)' },
      {
        at: new Date('2026-11-22T04:00:02.000Z'),
        durationMs: 150,
        statement: 'SELECT *\nFROM invoices i\nWHERE i.buyer_ban = $1',
      },
      { at: new Date('2026-11-21T20:00:04.000Z'), durationMs: 700.1, statement: 'VACUUM (ANALYZE) sys_outbox' },
      // CST is China, Cuba or Central time: the time stays unknown rather than wrong.
      { at: null, durationMs: 502, statement: 'SELECT 2' },
    ]);
  });

  it('normalizes literals, comments and spacing so the runs of one statement group together', () => {
    expect(normalizeSql("SELECT * FROM t WHERE a = 'x''y' AND b = 42 AND c IN (1, 2, 3) -- note\n;")).toBe(
      'SELECT * FROM t WHERE a = ? AND b = ? AND c IN (...)',
    );
    expect(normalizeSql("select  /* x */ 1.5e3,\n\t$$body$$, E'\\n' from t1")).toBe('select ?, ?, ? from t1');
    expect(normalizeSql('SELECT a FROM t WHERE id = $1 AND "Name" = $2')).toBe('SELECT a FROM t WHERE id = $1 AND "Name" = $2');
  });

  it('finds the tables and the columns a statement filters on', () => {
    expect(
      statementShape(
        'SELECT i.id FROM invoices i JOIN sites AS s ON s.id = i.site_id, sellers WHERE i.buyer_ban = $1 AND status NOT IN ($2) AND i.created_at::date >= $3',
      ),
    ).toEqual({
      tables: ['invoices', 'sites', 'sellers'],
      aliases: { invoices: 'invoices', i: 'invoices', sites: 'sites', s: 'sites', sellers: 'sellers' },
      filters: [
        { table: 's', column: 'id' },
        { table: 'i', column: 'buyer_ban' },
        { table: null, column: 'status' },
        { table: 'i', column: 'created_at' },
      ],
    });
    // UPDATE … SET assigns, it does not filter; IS DISTINCT FROM starts no FROM list; a subquery's own WHERE counts.
    expect(
      statementShape(
        'UPDATE public.jobs SET state = $1, note = $2 WHERE id IN (SELECT id FROM queue q WHERE q.due_at < now()) AND owner IS DISTINCT FROM $3',
      ),
    ).toEqual({
      tables: ['public.jobs', 'queue'],
      aliases: { jobs: 'public.jobs', queue: 'queue', q: 'queue' },
      filters: [
        { table: null, column: 'id' },
        { table: 'q', column: 'due_at' },
        { table: null, column: 'owner' },
      ],
    });
    // Inserts name their table; ON CONFLICT … DO UPDATE SET assigns.
    expect(statementShape('INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b')).toEqual({
      tables: ['t'],
      aliases: { t: 't' },
      filters: [],
    });
  });
});
