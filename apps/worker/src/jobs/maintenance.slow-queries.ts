/**
 * maintenance.slow_queries (daily, off-peak): the slow-query report (platform plan §7.2) into sys_ops_reports.
 *
 * Source, the first that works:
 * - `pg_stat_statements` (needs shared_preload_libraries): every statement of this database with its calls and
 *   total, mean and longest time. After the report is stored, this database's statistics are reset
 *   (pg_stat_statements_reset for its dbid), so each report covers the time since the previous one. A role not
 *   allowed to reset leaves them growing: the report then says `cumulative` and covers the time since the
 *   statistics' own reset.
 * - the PostgreSQL log file SLOW_QUERY_LOG_FILE: its `duration: N ms  statement: …` lines (the statements over
 *   log_min_duration_statement), read on from where the previous report stopped (file, inode and byte offset
 *   are kept in the report), grouped by their normalized text.
 * - neither: a report that says why, so the gap is seen.
 *
 * The report: the top statements by total and by mean time, counts, the statements whose longest run exceeded
 * SLOW_QUERY_ALERT_MS (→ `alert`, an error in the log and a SlowQueryDetected event for the administrators'
 * mail), and suggested indexes — a heuristic, said so in the report.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Database } from '@app/db';
import { appendOutbox, type JobHandler, type JobLog } from '@app/jobs';
import { sql } from 'kysely';
import { normalizeSql, type StatementShape, slowLogEntries, statementShape } from '../ops/sql-text.ts';

export const SLOW_QUERY_REPORT_KIND = 'slow_queries';

export type SlowQueryOptions = {
  /** SLOW_QUERY_ALERT_MS: a statement whose longest run took longer sets the alert. */
  alertMs: number;
  /** SLOW_QUERY_LOG_FILE: read when pg_stat_statements is not available. */
  logFile?: string | undefined;
  /** What counts as slow; default the server's log_min_duration_statement (500 ms when it is off). */
  slowMs?: number;
  /** Statements in each top list. */
  top?: number;
  /** The index heuristic: a table is large from this many rows, scanned often from this many sequential scans. */
  minRows?: number;
  minSeqScans?: number;
  now?: () => Date;
};

export const SLOW_QUERY_DEFAULTS = { slowMs: 500, top: 20, minRows: 10_000, minSeqScans: 50 } as const;
/** Slow statements looked at for index suggestions (the slowest by total time). */
const SUGGEST_FROM_STATEMENTS = 50;
/** Statement text kept in the report per entry (pg_stat_statements keeps up to track_activity_query_size). */
const QUERY_CHARS = 2_000;

export type StatementStat = { query: string; calls: number; totalMs: number; meanMs: number; maxMs: number };
type Source = 'pg_stat_statements' | 'log' | 'none';
type LogPosition = { file: string; ino: number; offset: number };

type Collected =
  | { source: 'pg_stat_statements'; statements: StatementStat[]; statsReset: Date | null; schema: string }
  | { source: 'log'; statements: StatementStat[]; runs: number; position: LogPosition; firstAt: Date | null; fromOffset: number }
  | { source: 'none' };

export const SUGGESTION_NOTE =
  'Suggestions from a heuristic, not advice: columns that slow statements filter on with no index starting with that column, on tables large enough to matter, and large tables read by many sequential scans. Check each with EXPLAIN (ANALYZE) on real data first; create one with CREATE INDEX CONCURRENTLY (it does not block writes) and keep the migration in db/migrations.';

const round = (ms: number) => Math.round(ms * 10) / 10;
const cut = (s: string) => (s.length > QUERY_CHARS ? `${s.slice(0, QUERY_CHARS - 1)}…` : s);

/** Merge rows of one text (pg_stat_statements keeps one per user and query id; the log one per run). */
function merge(rows: Iterable<{ query: string; calls: number; totalMs: number; maxMs: number }>): StatementStat[] {
  const by = new Map<string, StatementStat>();
  for (const r of rows) {
    const s = by.get(r.query) ?? { query: r.query, calls: 0, totalMs: 0, meanMs: 0, maxMs: 0 };
    s.calls += r.calls;
    s.totalMs += r.totalMs;
    s.maxMs = Math.max(s.maxMs, r.maxMs);
    by.set(r.query, s);
  }
  return [...by.values()].map((s) => ({ ...s, meanMs: s.calls > 0 ? s.totalMs / s.calls : 0 }));
}

type PgError = Error & { code?: string };

/** This database's statements from pg_stat_statements, or why it cannot be read. */
async function fromPgStatStatements(
  db: Database,
): Promise<Extract<Collected, { source: 'pg_stat_statements' }> | { unavailable: string }> {
  const ext = await sql<{ schema: string }>`
    SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_stat_statements'`.execute(db);
  const schema = ext.rows[0]?.schema;
  if (!schema) {
    return {
      unavailable: 'the pg_stat_statements extension is not installed in this database (CREATE EXTENSION pg_stat_statements)',
    };
  }
  let rows: { query: string | null; calls: string; total: number; max: number }[];
  try {
    rows = (
      await sql<{ query: string | null; calls: string; total: number; max: number }>`
        SELECT query, calls::text AS calls, total_exec_time AS total, max_exec_time AS max
          FROM ${sql.table(`${schema}.pg_stat_statements`)}
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(db)
    ).rows;
  } catch (e) {
    const err = e as PgError;
    // 55000: "pg_stat_statements must be loaded via shared_preload_libraries".
    if (err.code === '55000') {
      return { unavailable: 'pg_stat_statements is not loaded: add it to shared_preload_libraries and restart PostgreSQL' };
    }
    if (err.code === '42501') return { unavailable: `pg_stat_statements may not be read by this role: ${err.message}` };
    throw e;
  }
  let statsReset: Date | null = null;
  try {
    const info = await sql<{ stats_reset: Date | null }>`
      SELECT stats_reset FROM ${sql.table(`${schema}.pg_stat_statements_info`)}`.execute(db);
    statsReset = info.rows[0]?.stats_reset ?? null;
  } catch {
    // pg_stat_statements before 1.9 (PostgreSQL 13) has no _info view: the period then starts at the last report.
  }
  const statements = merge(
    rows
      // "<insufficient privilege>" rows (other roles' statements when not allowed to see them) carry no text.
      .filter((r) => r.query !== null && !r.query.startsWith('<insufficient privilege>'))
      .map((r) => ({ query: cut(r.query ?? ''), calls: Number(r.calls), totalMs: r.total, maxMs: r.max })),
  );
  return { source: 'pg_stat_statements', statements, statsReset, schema };
}

/**
 * The lines of `file` from byte `start` up to `size` (its size when the report began). `end.offset` ends up
 * after the last whole line: a last line without its newline is still being written, and the next report
 * reads it whole.
 */
async function* linesOf(file: string, start: number, size: number, end: { offset: number }): AsyncGenerator<string> {
  end.offset = start;
  if (size <= start) return;
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { start, end: size - 1 })) {
    let buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
      const line = buf.subarray(0, nl).toString('utf8');
      end.offset += nl + 1;
      buf = buf.subarray(nl + 1);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
    carry = Buffer.from(buf);
  }
}

/** The slow statements the log holds past `from` (the previous report's position in the same file). */
async function fromLogFile(file: string, from: LogPosition | null): Promise<Extract<Collected, { source: 'log' }>> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(file);
  } catch (e) {
    throw new Error(`SLOW_QUERY_LOG_FILE ${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  // Rotated (another inode) or truncated since: the whole file is new.
  const start = from && from.file === file && from.ino === st.ino && from.offset <= st.size ? from.offset : 0;
  const end = { offset: start };
  const runs: { query: string; calls: number; totalMs: number; maxMs: number }[] = [];
  let firstAt: Date | null = null;
  for await (const e of slowLogEntries(linesOf(file, start, st.size, end))) {
    firstAt ??= e.at;
    runs.push({ query: cut(normalizeSql(e.statement)), calls: 1, totalMs: e.durationMs, maxMs: e.durationMs });
  }
  return {
    source: 'log',
    statements: merge(runs),
    runs: runs.length,
    position: { file, ino: st.ino, offset: end.offset },
    firstAt,
    fromOffset: start,
  };
}

type TableStats = { table: string; rows: number; seqScan: number; seqTupRead: number; idxScan: number };
export type IndexSuggestion = TableStats & {
  column: string;
  ddl: string;
  reason: string;
  statements: { query: string; calls: number; totalMs: number; maxMs: number }[];
};

/**
 * The index heuristic. Large tables many sequential scans read whole; and, for the slow statements, each
 * column they filter on (resolved to its table through the statement's aliases, or the one table of the
 * statement that has it) on a large table, when no index of that table starts with the column.
 */
async function suggestIndexes(
  db: Database,
  slow: StatementStat[],
  o: { minRows: number; minSeqScans: number },
): Promise<{ seqScanTables: TableStats[]; suggestions: IndexSuggestion[] }> {
  const seq = await sql<{ table: string; rows: string; seq_scan: string; seq_tup_read: string; idx_scan: string }>`
    SELECT s.relid::regclass::text AS table, greatest(s.n_live_tup, c.reltuples::bigint, 0)::text AS rows,
           s.seq_scan::text, s.seq_tup_read::text, coalesce(s.idx_scan, 0)::text AS idx_scan
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
     WHERE s.seq_scan >= ${o.minSeqScans}
       AND greatest(s.n_live_tup, c.reltuples::bigint) >= ${o.minRows}
       AND s.seq_tup_read / greatest(s.seq_scan, 1) >= ${o.minRows}
     ORDER BY s.seq_tup_read DESC
     LIMIT 20`.execute(db);
  const seqScanTables = seq.rows.map((r) => ({
    table: r.table,
    rows: Number(r.rows),
    seqScan: Number(r.seq_scan),
    seqTupRead: Number(r.seq_tup_read),
    idxScan: Number(r.idx_scan),
  }));

  const shapes = slow.slice(0, SUGGEST_FROM_STATEMENTS).map((s) => ({ stat: s, shape: statementShape(s.query) }));
  // Only plain names reach to_regclass (which raises on some malformed ones).
  const names = [...new Set(shapes.flatMap((s) => s.shape.tables))].filter((n) => TABLE_NAME_RE.test(n));
  if (names.length === 0) return { seqScanTables, suggestions: [] };
  // Each named table that exists (resolved like the statement would, through search_path), its columns, its
  // size (a partitioned table: its partitions'), and the first columns of its indexes.
  const cat = await sql<{
    name: string;
    table: string;
    columns: string[];
    indexed: string[];
    rows: string;
    seq_scan: string | null;
    seq_tup_read: string | null;
    idx_scan: string | null;
  }>`
    SELECT n.name, r.oid::regclass::text AS table,
           array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
           array(SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = i.indkey[0]
                  WHERE i.indrelid = r.oid) AS indexed,
           (CASE WHEN r.relkind = 'p'
                 THEN (SELECT coalesce(sum(greatest(pc.reltuples, 0)), 0) FROM pg_partition_tree(r.oid) t
                         JOIN pg_class pc ON pc.oid = t.relid WHERE t.isleaf)
                 ELSE greatest(r.reltuples, coalesce(s.n_live_tup, 0), 0) END)::bigint::text AS rows,
           s.seq_scan::text, s.seq_tup_read::text, s.idx_scan::text
      FROM unnest(${names}::text[]) AS n(name)
      JOIN pg_class r ON r.oid = to_regclass(n.name)
      LEFT JOIN pg_stat_user_tables s ON s.relid = r.oid
     WHERE r.relkind IN ('r', 'p')`.execute(db);
  const tables = new Map(cat.rows.map((r) => [r.name, r]));

  const found = new Map<string, IndexSuggestion>();
  for (const { stat: st, shape } of shapes) {
    for (const f of shape.filters) {
      const target = resolveColumn(shape, f, tables);
      if (!target) continue;
      const t = target;
      if (t.indexed.includes(f.column) || Number(t.rows) < o.minRows) continue;
      const key = `${t.table}.${f.column}`;
      let s = found.get(key);
      if (!s) {
        s = {
          table: t.table,
          column: f.column,
          ddl: `CREATE INDEX CONCURRENTLY ON ${t.table} (${quoteIdent(f.column)});`,
          reason: '',
          rows: Number(t.rows),
          seqScan: Number(t.seq_scan ?? 0),
          seqTupRead: Number(t.seq_tup_read ?? 0),
          idxScan: Number(t.idx_scan ?? 0),
          statements: [],
        };
        found.set(key, s);
      }
      s.statements.push({ query: st.query.slice(0, 300), calls: st.calls, totalMs: round(st.totalMs), maxMs: round(st.maxMs) });
    }
  }
  const suggestions = [...found.values()]
    .map((s) => ({
      ...s,
      reason: `${s.statements.length} slow statement${s.statements.length === 1 ? '' : 's'} filter ${s.table} (about ${s.rows.toLocaleString('en-US')} rows) on ${s.column}, and no index of ${s.table} starts with ${s.column}; ${s.seqScan.toLocaleString('en-US')} sequential scans so far.`,
    }))
    .sort((a, b) => sumTotal(b) - sumTotal(a));
  return { seqScanTables, suggestions };
}

const NAME_PART = '(?:"[^"]+"|[a-z_][a-z0-9_$]*)';
const TABLE_NAME_RE = new RegExp(`^${NAME_PART}(?:\\.${NAME_PART})?$`);
const sumTotal = (s: IndexSuggestion) => s.statements.reduce((a, x) => a + x.totalMs, 0);
const quoteIdent = (c: string) => (/^[a-z_][a-z0-9_$]*$/.test(c) ? c : `"${c.replace(/"/g, '""')}"`);

type CatalogRow = { name: string; table: string; columns: string[]; indexed: string[]; rows: string } & Record<
  'seq_scan' | 'seq_tup_read' | 'idx_scan',
  string | null
>;

/** The table a filtered column belongs to: through its qualifier, or the only table of the statement having it. */
function resolveColumn(
  shape: StatementShape,
  f: { table: string | null; column: string },
  tables: Map<string, CatalogRow>,
): CatalogRow | null {
  if (f.table !== null) {
    const name = shape.aliases[f.table];
    const t = name ? tables.get(name) : undefined;
    return t?.columns.includes(f.column) ? t : null;
  }
  const having = shape.tables.map((n) => tables.get(n)).filter((t): t is CatalogRow => !!t && t.columns.includes(f.column));
  return having.length === 1 ? (having[0] as CatalogRow) : null;
}

export type SlowQueryReport = {
  id: string;
  alert: boolean;
  periodStart: Date;
  periodEnd: Date;
  summary: Record<string, unknown>;
  body: Record<string, unknown>;
};

/** The server's log_min_duration_statement in ms, or the default when it is off (-1) or logs everything (0). */
async function serverSlowMs(db: Database): Promise<number> {
  const r = await sql<{ setting: string }>`SELECT setting FROM pg_settings WHERE name = 'log_min_duration_statement'`.execute(db);
  const ms = Number(r.rows[0]?.setting);
  return Number.isFinite(ms) && ms > 0 ? ms : SLOW_QUERY_DEFAULTS.slowMs;
}

/**
 * Collect, analyse and store one slow-query report (and its SlowQueryDetected event when it alerts, in the
 * same transaction); then reset pg_stat_statements for this database when that was the source.
 */
export async function runSlowQueryReport(db: Database, opts: SlowQueryOptions, log: JobLog): Promise<SlowQueryReport> {
  const now = opts.now?.() ?? new Date();
  const slowMs = opts.slowMs ?? (await serverSlowMs(db));
  const top = opts.top ?? SLOW_QUERY_DEFAULTS.top;

  const prev = await db
    .selectFrom('sys_ops_reports')
    .select(['period_end', 'body'])
    .where('kind', '=', SLOW_QUERY_REPORT_KIND)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  const prevBody = (prev?.body ?? {}) as { source?: Source; reset?: boolean; log?: LogPosition };

  const notes: string[] = [];
  let collected: Collected;
  const pgss = await fromPgStatStatements(db);
  if ('unavailable' in pgss) {
    notes.push(pgss.unavailable);
    if (opts.logFile) {
      // The position of the last report that read this file (another source may have run in between).
      const last = await db
        .selectFrom('sys_ops_reports')
        .select('body')
        .where('kind', '=', SLOW_QUERY_REPORT_KIND)
        .where(sql<boolean>`body->'log'->>'file' = ${opts.logFile}`)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      collected = await fromLogFile(
        opts.logFile,
        ((last?.body as { log?: LogPosition } | undefined)?.log ?? null) as LogPosition | null,
      );
    } else {
      notes.push('SLOW_QUERY_LOG_FILE is not set, so there is no other source: this report is empty');
      collected = { source: 'none' };
    }
  } else {
    collected = pgss;
  }

  // The period: since the previous report when it reset the statistics (or read the log), else since the
  // statistics' own reset; for a first report of the log, since its first line read.
  let periodStart: Date;
  let cumulative = false;
  if (collected.source === 'pg_stat_statements') {
    const sinceReport = prev && prevBody.source === 'pg_stat_statements' && prevBody.reset === true ? prev.period_end : null;
    const candidates = [sinceReport, collected.statsReset].filter((d): d is Date => d !== null);
    periodStart = candidates.length > 0 ? new Date(Math.max(...candidates.map((d) => d.getTime()))) : now;
    cumulative = sinceReport === null && prev !== undefined;
  } else if (collected.source === 'log') {
    periodStart = prev?.period_end ?? collected.firstAt ?? now;
  } else {
    periodStart = prev?.period_end ?? now;
  }
  if (periodStart > now) periodStart = now;

  const statements = collected.source === 'none' ? [] : collected.statements;
  const byTotal = [...statements].sort((a, b) => b.totalMs - a.totalMs);
  const slow = byTotal.filter((s) => s.maxMs >= slowMs);
  const alerts = statements.filter((s) => s.maxMs > opts.alertMs).sort((a, b) => b.maxMs - a.maxMs);
  const entry = (s: StatementStat) => ({
    query: s.query,
    calls: s.calls,
    totalMs: round(s.totalMs),
    meanMs: round(s.meanMs),
    maxMs: round(s.maxMs),
  });
  // The suggestions are extra: when they fail (a statement the heuristic trips on), the report still goes in.
  const { seqScanTables, suggestions } = await suggestIndexes(db, slow, {
    minRows: opts.minRows ?? SLOW_QUERY_DEFAULTS.minRows,
    minSeqScans: opts.minSeqScans ?? SLOW_QUERY_DEFAULTS.minSeqScans,
  }).catch((e: Error) => {
    notes.push(`no index suggestions: ${e.message}`);
    log.warn({ err: e.message }, 'slow-query report: the index suggestions failed');
    return { seqScanTables: [], suggestions: [] };
  });

  const source: Source = collected.source;
  const summary = {
    source,
    statements: statements.length,
    calls: statements.reduce((a, s) => a + s.calls, 0),
    totalMs: round(statements.reduce((a, s) => a + s.totalMs, 0)),
    slowStatements: slow.length,
    slowMs,
    alertStatements: alerts.length,
    alertMs: opts.alertMs,
    maxMs: round(Math.max(0, ...statements.map((s) => s.maxMs))),
    suggestedIndexes: suggestions.length,
    ...(cumulative ? { cumulative: true } : {}),
  };
  const body: Record<string, unknown> = {
    source,
    notes,
    slowMs,
    alertMs: opts.alertMs,
    topByTotal: byTotal.slice(0, top).map(entry),
    topByMean: [...statements]
      .sort((a, b) => b.meanMs - a.meanMs)
      .slice(0, top)
      .map(entry),
    alerts: alerts.map(entry),
    suggestedIndexes: suggestions,
    seqScanTables,
    suggestionNote: SUGGESTION_NOTE,
    ...(collected.source === 'log'
      ? { log: collected.position, logFromOffset: collected.fromOffset, slowRuns: collected.runs }
      : {}),
  };
  const alert = alerts.length > 0;

  const stored = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('sys_ops_reports')
      .values({
        kind: SLOW_QUERY_REPORT_KIND,
        period_start: periodStart,
        period_end: now,
        alert,
        summary: JSON.stringify(summary),
        body: JSON.stringify(body),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (alert && collected.source !== 'none') {
      await appendOutbox(
        trx,
        'SlowQueryDetected',
        {
          reportId: row.id,
          periodStart: periodStart.toISOString(),
          periodEnd: now.toISOString(),
          thresholdMs: opts.alertMs,
          statements: alerts.length,
          maxMs: summary.maxMs,
          source: collected.source,
        },
        { aggregateType: 'ops_report', aggregateId: row.id },
      );
    }
    return row;
  });

  if (collected.source === 'pg_stat_statements') {
    // Only this database's entries; statements that ran between the read above and this are not reported.
    try {
      await sql`SELECT ${sql.ref(`${collected.schema}.pg_stat_statements_reset`)}(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`.execute(
        db,
      );
      body.reset = true;
    } catch (e) {
      body.reset = false;
      log.warn(
        { err: (e as Error).message },
        'slow-query report: could not reset pg_stat_statements, so the next report repeats these numbers (GRANT EXECUTE ON FUNCTION pg_stat_statements_reset(oid, oid, bigint) to the application role)',
      );
    }
    await db
      .updateTable('sys_ops_reports')
      .set({ body: sql`body || ${JSON.stringify({ reset: body.reset })}::jsonb` })
      .where('id', '=', stored.id)
      .execute();
  }

  if (alert) {
    log.error(
      {
        reportId: stored.id,
        alertMs: opts.alertMs,
        statements: alerts.length,
        maxMs: summary.maxMs,
        slowest: alerts.slice(0, 3).map((a) => ({ query: a.query.slice(0, 200), maxMs: round(a.maxMs), calls: a.calls })),
      },
      `slow queries: ${alerts.length} SQL statement(s) took longer than SLOW_QUERY_ALERT_MS (${opts.alertMs} ms)`,
    );
  } else if (collected.source === 'none') {
    log.warn({ reportId: stored.id, notes }, 'slow-query report has no source');
  } else {
    log.info({ reportId: stored.id, ...summary }, 'slow-query report stored');
  }
  return { id: stored.id, alert, periodStart, periodEnd: now, summary, body };
}

export function createMaintenanceSlowQueriesHandler(deps: {
  db: Database;
  options: SlowQueryOptions;
}): JobHandler<'maintenance.slow_queries'> {
  return async (_payload, { log }) => {
    await runSlowQueryReport(deps.db, deps.options, log);
    return 'done';
  };
}
