/**
 * A diagnostic bundle for support, without secrets: versions, health, maintenance and license state, the
 * configuration with every secret removed, and the tail of the logs — one .tar.gz, written under a temporary
 * name and renamed when complete.
 *
 *   scripts/export-diagnostic.sh [--env-file deploy/.env] [--logs DIR] [--api URL] [--out DIR]
 *
 * Reads the variables of --env-file (default: the environment). --logs: a folder of *.log files (the local
 * stack's .stack/; in Compose, `docker compose logs > DIR/compose.log` first). --api: also ask the API's
 * /health. Exit codes: 0 written, 1 failed, 2 bad usage.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, release, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createDb, createPool, SCHEMA_VERSION } from '@app/db';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { readSystemState } from '../../apps/api/src/plugins/write-guard.ts';
import { parseEnvFile } from './env.ts';

const USAGE = `usage: scripts/export-diagnostic.sh [--env-file FILE] [--logs DIR] [--api URL] [--out DIR]
  Writes einvoice-diagnostic-<tenant>-<time>.tar.gz into --out (default .): versions, health, maintenance and
  license state, the configuration with secrets removed, the last ${'5,000'} lines of each log in --logs.
  Exit: 0 written, 1 failed, 2 bad usage.`;
const LOG_LINES = 5_000;

/** Names whose values are secrets (and the audit log's rule for keys): removed, not shown. */
const SECRET_NAME = /pass(word)?|secret|token|key$|_KEY$|hash|authorization|cookie|private/i;

export function redactConfig(vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (v === '') out[k] = '';
    else if (SECRET_NAME.test(k)) out[k] = '[removed]';
    // A URL with credentials (DATABASE_URL, REDIS_URL, TURNKEY_DB_URL): keep where it points, drop the password.
    else out[k] = v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@]*@/i, '$1:[removed]@');
  }
  return out;
}

function args(argv: string[]) {
  const o: { envFile?: string; logs?: string; api?: string; out: string } = { out: '.' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--' && i === 0) continue; // the wrapper's: Node 20 would take --env-file for its own option
    if (a === '--help' || a === '-h') return 'help' as const;
    if (!v || !['--env-file', '--logs', '--api', '--out'].includes(a as string)) return null;
    if (a === '--env-file') o.envFile = v;
    if (a === '--logs') o.logs = v;
    if (a === '--api') o.api = v;
    if (a === '--out') o.out = v;
    i++;
  }
  return o;
}

async function timed<T>(
  f: () => Promise<T>,
): Promise<{ ok: true; ms: number; value: T } | { ok: false; ms: number; error: string }> {
  const t0 = performance.now();
  try {
    const value = await f();
    return { ok: true, ms: Math.round(performance.now() - t0), value };
  } catch (e) {
    return { ok: false, ms: Math.round(performance.now() - t0), error: (e as Error).message };
  }
}

async function main(): Promise<number> {
  const o = args(process.argv.slice(2));
  if (o === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (!o) {
    console.error(USAGE);
    return 2;
  }
  if (o.envFile && !existsSync(o.envFile)) {
    console.error(`no env file ${o.envFile}`);
    return 2;
  }
  if (o.logs && !existsSync(o.logs)) {
    console.error(`no logs folder ${o.logs}`);
    return 2;
  }
  const vars = o.envFile
    ? parseEnvFile(readFileSync(o.envFile, 'utf8'))
    : (Object.fromEntries(Object.entries(process.env).filter(([k]) => /^[A-Z][A-Z0-9_]*$/.test(k))) as Record<string, string>);
  const tenant = vars.TENANT_CODE || 'unknown';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
  const name = `einvoice-diagnostic-${tenant}-${stamp}`;
  const work = mkdtempSync(join(tmpdir(), 'einvoice-diagnostic-'));
  const dir = join(work, name);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  try {
    const root = resolve(import.meta.dirname, '../..');
    const git = spawnSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    const pkg = JSON.parse(readFileSync(join(root, 'apps/api/package.json'), 'utf8')) as { version?: string };

    const versions: Record<string, unknown> = {
      app: pkg.version ?? null,
      commit: git.status === 0 ? git.stdout.trim() : null,
      schemaVersionOfCode: String(SCHEMA_VERSION),
      node: process.version,
      os: `${process.platform} ${release()}`,
      host: hostname(),
    };
    const health: Record<string, unknown> = {};
    let systemState: unknown = null;

    if (vars.DATABASE_URL) {
      const db = createDb(createPool({ connectionString: vars.DATABASE_URL, max: 1, statementTimeoutMs: 10_000 }));
      try {
        const ping = await timed(() => sql`SELECT 1`.execute(db));
        health.database = ping.ok ? { ok: true, latencyMs: ping.ms } : { ok: false, error: ping.error };
        if (ping.ok) {
          const pg = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(db);
          versions.postgres = pg.rows[0]?.v ?? null;
          const applied = await timed(() =>
            sql<{ v: string }>`SELECT max(version)::text AS v FROM sys_schema_migrations`.execute(db),
          );
          versions.schemaVersionOfDatabase = applied.ok ? (applied.value.rows[0]?.v ?? null) : `unknown (${applied.error})`;
          const t = await db.selectFrom('sys_tenants').select('id').where('code', '=', tenant).executeTakeFirst();
          if (t) systemState = await readSystemState(db, t.id, new Date());
        }
      } finally {
        await db.destroy();
      }
    } else {
      health.database = { ok: false, error: 'DATABASE_URL not set' };
    }

    if (vars.REDIS_URL) {
      const redis = new Redis(vars.REDIS_URL, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 1 });
      const ping = await timed(async () => {
        await redis.connect();
        return redis.info('server');
      });
      health.redis = ping.ok ? { ok: true, latencyMs: ping.ms } : { ok: false, error: ping.error };
      if (ping.ok) versions.redis = /redis_version:(\S+)/.exec(ping.value)?.[1] ?? null;
      redis.disconnect();
    }

    if (o.api) {
      const r = await timed(async () => {
        const res = await fetch(new URL('/health', o.api), { signal: AbortSignal.timeout(10_000) });
        return { status: res.status, body: await res.json().catch(() => null) };
      });
      health.api = r.ok ? r.value : { error: r.error };
    }

    writeFileSync(join(dir, 'versions.json'), `${JSON.stringify(versions, null, 2)}\n`);
    writeFileSync(join(dir, 'health.json'), `${JSON.stringify(health, null, 2)}\n`);
    writeFileSync(join(dir, 'system-status.json'), `${JSON.stringify(systemState, null, 2)}\n`);
    const config = redactConfig(vars);
    writeFileSync(
      join(dir, 'config.env'),
      `${Object.entries(config)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    if (o.logs) {
      for (const f of readdirSync(o.logs).filter((f) => f.endsWith('.log'))) {
        const lines = readFileSync(join(o.logs, f), 'utf8').split('\n');
        writeFileSync(join(dir, 'logs', basename(f)), lines.slice(-LOG_LINES).join('\n'));
      }
    }

    mkdirSync(o.out, { recursive: true });
    const final = resolve(o.out, `${name}.tar.gz`);
    const partial = `${final}.partial`;
    const tar = spawnSync('tar', ['-czf', partial, '-C', work, name], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    renameSync(partial, final);
    console.log(final);
    return 0;
  } catch (e) {
    console.error(`export-diagnostic: ${(e as Error).message}`);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
