/**
 * The slow-query report's text work, pure (no database, no clock): reading PostgreSQL's slow-statement log
 * lines, normalizing SQL so the runs of one statement group together, and finding the tables a statement
 * reads and the columns it filters on (for the index suggestions).
 */

/** One run of a statement as the PostgreSQL log tells it (log_min_duration_statement). */
export type LogEntry = { at: Date | null; durationMs: number; statement: string };

// `LOG:  duration: 612.345 ms  statement: SELECT …` (simple protocol) or `… execute <unnamed>: SELECT …`
// (extended protocol; its parameters follow in a DETAIL record). Parse and bind steps are not counted: the
// execute of the same statement is.
const DURATION_RE = /\bLOG:\s+duration: (\d+(?:\.\d+)?) ms\s+(?:statement|execute [^:]*): ([\s\S]*)$/;
// log_line_prefix's %m or %t: `2026-11-22 04:00:00.123 UTC`. A zone other than UTC/GMT or a numeric offset
// (an abbreviation such as CST is ambiguous) leaves the time unknown.
const TIME_RE = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: ?(UTC|GMT|Z|[+-]\d{2}(?::?\d{2})?)\b)?/;

function logTime(line: string): Date | null {
  const m = TIME_RE.exec(line);
  if (!m?.[3]) return null;
  const zone = m[3];
  const offset = /^[+-]/.test(zone) ? `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '').padEnd(2, '0')}` : 'Z';
  const t = Date.parse(`${m[1]}T${m[2]}${offset}`);
  return Number.isNaN(t) ? null : new Date(t);
}

/**
 * The slow statements in lines of a PostgreSQL log in the stderr format (the default): a record starts on
 * a line of its own and PostgreSQL indents the further lines of a multi-line statement with a tab.
 */
export async function* slowLogEntries(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<LogEntry> {
  let record: string[] | null = null;
  const finish = (r: string[]): LogEntry | null => {
    const m = DURATION_RE.exec(r[0] ?? '');
    if (!m) return null;
    const statement = [m[2] ?? '', ...r.slice(1)].join('\n').trim();
    return { at: logTime(r[0] ?? ''), durationMs: Number(m[1]), statement };
  };
  for await (const line of lines) {
    if (line.startsWith('\t') && record) {
      record.push(line.slice(1));
      continue;
    }
    if (record) {
      const e = finish(record);
      if (e) yield e;
    }
    record = [line];
  }
  if (record) {
    const e = finish(record);
    if (e) yield e;
  }
}

type Token = { kind: 'word' | 'quoted' | 'param' | 'literal' | 'symbol'; text: string; space: boolean };

/** SQL as tokens, comments dropped, every literal (string, number, dollar-quoted) one `literal` token. */
function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let space = false;
  const push = (kind: Token['kind'], text: string) => {
    out.push({ kind, text, space });
    space = false;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const rest = sql.slice(i);
    if (/\s/.test(c)) {
      space = true;
      i++;
    } else if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      space = true;
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      space = true;
    } else if (c === "'" || (/[eEbBxXnN]/.test(c) && sql[i + 1] === "'")) {
      let j = c === "'" ? i + 1 : i + 2;
      for (; j < sql.length; j++) {
        if (sql[j] === '\\' && c !== "'") j++;
        else if (sql[j] === "'") {
          if (sql[j + 1] === "'") j++;
          else break;
        }
      }
      push('literal', '?');
      i = j + 1;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      push('quoted', sql.slice(i, stop));
      i = stop;
    } else if (c === '$') {
      const param = /^\$\d+/.exec(rest);
      const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest);
      if (param) {
        push('param', param[0]);
        i += param[0].length;
      } else if (dollar) {
        const end = sql.indexOf(dollar[0], i + dollar[0].length);
        push('literal', '?');
        i = end < 0 ? sql.length : end + dollar[0].length;
      } else {
        push('symbol', c);
        i++;
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
      push('literal', '?');
      i += m?.[0].length ?? 1;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(rest);
      push('word', m?.[0] ?? c);
      i += m?.[0].length ?? 1;
    } else {
      const m = /^(?:<>|!=|<=|>=|::|~~\*?|!~~\*?|\|\|)/.exec(rest);
      push('symbol', m?.[0] ?? c);
      i += m?.[0].length ?? 1;
    }
  }
  return out;
}

/**
 * One text for every run of a statement: literals become `?`, comments go, whitespace is one space, a list
 * of literals in IN (…) becomes `IN (...)`, a trailing semicolon goes. pg_stat_statements' own `$n`
 * placeholders are kept.
 */
export function normalizeSql(sql: string): string {
  let s = '';
  for (const t of tokenize(sql)) {
    if (s !== '' && t.space) s += ' ';
    s += t.text;
  }
  return s
    .replace(/\b(in) \(\s*(?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))*\s*\)/gi, '$1 (...)')
    .replace(/\s*;\s*$/, '')
    .trim();
}

const COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '~~', '~~*', '!~~', '!~~*']);
const COMPARISON_WORDS = new Set(['in', 'like', 'ilike', 'between', 'is', 'similar']);
/** Words after a table name that are not its alias. */
const NOT_ALIAS = new Set([
  'where',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'outer',
  'cross',
  'natural',
  'on',
  'using',
  'group',
  'order',
  'limit',
  'offset',
  'fetch',
  'for',
  'having',
  'window',
  'union',
  'intersect',
  'except',
  'returning',
  'set',
  'values',
  'select',
  'default',
  'lateral',
  'tablesample',
  'only',
  'as',
  'do',
  'conflict',
  'overriding',
]);
/** Words that end a WHERE / ON / HAVING condition (at the same parenthesis depth). */
const END_FILTER = new Set([
  'select',
  'group',
  'order',
  'limit',
  'offset',
  'fetch',
  'returning',
  'set',
  'union',
  'intersect',
  'except',
  'window',
  'for',
  'from',
  'join',
  'values',
]);

/** A column a statement filters on: `table` is the table or alias it is qualified with, or null. */
export type FilterColumn = { table: string | null; column: string };
export type StatementShape = {
  /** The tables read or written, as named (`invoices`, `public.invoices`, `"Quoted"`). */
  tables: string[];
  /** Alias (or the table's own name) → table. */
  aliases: Record<string, string>;
  /** Columns compared in WHERE, ON or HAVING (`col = …`, `t.col IN (…)`, `col IS NULL`, `col LIKE …`). */
  filters: FilterColumn[];
};

const ident = (t: Token | undefined): string | null =>
  !t ? null : t.kind === 'word' ? t.text.toLowerCase() : t.kind === 'quoted' ? t.text : null;

/**
 * The tables of a statement and the columns its conditions compare — a heuristic over the tokens, good for
 * the usual shapes (FROM/JOIN with aliases, comparisons on a column). Expressions (`lower(email) = ?`),
 * a column on the right of an operator, and CTE names that are not tables are left out (CTE names simply
 * resolve to no table later).
 */
export function statementShape(sql: string): StatementShape {
  const tokens = tokenize(sql);
  const tables: string[] = [];
  const aliases: Record<string, string> = {};
  const filters: FilterColumn[] = [];
  const seen = new Set<string>();

  /**
   * A table reference at `i`: name[.name] [[AS] alias]; returns the index after it, or i when there is none.
   * In FROM and JOIN a name followed by `(` is a function (generate_series(…)); after INTO, the column list.
   */
  const tableRef = (i: number, into = false): number => {
    let name = ident(tokens[i]);
    if (!name || NOT_ALIAS.has(name)) return i;
    let j = i + 1;
    if (tokens[j]?.text === '.' && ident(tokens[j + 1])) {
      name = `${name}.${ident(tokens[j + 1])}`;
      j += 2;
    }
    if (tokens[j]?.text === '(' && !into) return i;
    if (!tables.includes(name)) tables.push(name);
    const short = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
    aliases[short] = name;
    if (tokens[j]?.kind === 'word' && tokens[j]?.text.toLowerCase() === 'as') j++;
    const alias = ident(tokens[j]);
    if (alias && !NOT_ALIAS.has(alias) && tokens[j + 1]?.text !== '(') {
      aliases[alias] = name;
      j++;
    }
    return j;
  };

  // Per parenthesis depth: whether we are inside a condition, and whether the clause is a FROM list.
  const stack: { filter: boolean; fromList: boolean }[] = [{ filter: false, fromList: false }];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const state = stack[stack.length - 1] as { filter: boolean; fromList: boolean };
    const word = t.kind === 'word' ? t.text.toLowerCase() : null;
    if (t.text === '(') {
      stack.push({ ...state, fromList: false });
      continue;
    }
    if (t.text === ')') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    // `a IS DISTINCT FROM b` compares; it starts no FROM list.
    if (word === 'from' && tokens[i - 1]?.text.toLowerCase() === 'distinct') continue;
    if (word === 'from' || word === 'join' || word === 'update' || word === 'into') {
      state.filter = false;
      // A FROM list goes on past its JOINs (`FROM a JOIN b ON … , c`).
      state.fromList = word === 'from' || (word === 'join' && state.fromList);
      const next = tableRef(i + 1, word === 'into');
      if (next > i + 1) i = next - 1;
      continue;
    }
    if (t.text === ',' && state.fromList) {
      const next = tableRef(i + 1);
      if (next > i + 1) i = next - 1;
      continue;
    }
    if (word === 'where' || word === 'on' || word === 'having') {
      state.filter = true;
      if (word !== 'on') state.fromList = false;
      continue;
    }
    if (word && END_FILTER.has(word)) {
      state.filter = false;
      state.fromList = false;
      continue;
    }
    if (!state.filter) continue;
    const isComparison = (t.kind === 'symbol' && COMPARISONS.has(t.text)) || (word !== null && COMPARISON_WORDS.has(word));
    if (!isComparison) continue;
    // `col NOT IN …`, `col NOT LIKE …`: the column stands before NOT.
    let k = i - 1;
    if (tokens[k]?.kind === 'word' && tokens[k]?.text.toLowerCase() === 'not') k--;
    // `col::text = …`: the column stands before its casts.
    while (tokens[k - 1]?.text === '::') k -= 2;
    const column = ident(tokens[k]);
    if (!column || NOT_ALIAS.has(column) || ['and', 'or', 'not', 'null', 'true', 'false'].includes(column)) continue;
    if (tokens[k - 1]?.text === '.' && tokens[k - 2]?.text === '.') continue; // schema.table.column: rare, skipped
    const qualifier = tokens[k - 1]?.text === '.' ? ident(tokens[k - 2]) : null;
    const key = `${qualifier ?? ''}.${column}`;
    if (!seen.has(key)) {
      seen.add(key);
      // Catalog names are unquoted ("Name" is the column Name).
      filters.push({ table: qualifier, column: column.startsWith('"') ? column.slice(1, -1).replace(/""/g, '"') : column });
    }
  }
  return { tables, aliases, filters };
}
