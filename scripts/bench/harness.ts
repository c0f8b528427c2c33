/**
 * What every benchmark needs: its own durable PostgreSQL (fsync on) and Redis on free ports, a migrated
 * and seeded database, the real API process, an autocannon runner printing one row per phase, and a
 * clean stop. Benchmarks send traffic to 127.0.0.1 only and stop by themselves.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, createPool, migrate } from '@app/db';
import { freePort, type PostgresServer, type RedisServer, startPostgres, startRedis, stopPid } from '@app/devkit';
import autocannon from 'autocannon';
import pg from 'pg';
import { seedDemo } from '../../db/seeds/seed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Bench = {
  base: string;
  dbUrl: string;
  pgServer: PostgresServer;
  admin: { username: string; password: string };
  pos: { clientId: string; clientSecret: string };
  post: (path: string, body: unknown, headers?: Record<string, string>) => Promise<Record<string, any>>;
  phase: (name: string, opts: Pick<autocannon.Options, 'requests' | 'connections' | 'duration'>) => Promise<autocannon.Result>;
  rows: Record<string, string>[];
  stop: () => Promise<void>;
};

export async function startBench(opts: {
  connections: number;
  seconds: number;
  apiEnv?: Record<string, string>;
}): Promise<Bench> {
  const admin = { username: 'admin', password: randomBytes(12).toString('hex') };
  const pos = { clientId: 'pos-bench', clientSecret: randomBytes(24).toString('hex') };
  const dir = mkdtempSync(join(tmpdir(), 'einv-bench-'));
  const [pgPort, redisPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const pgServer = await startPostgres({ dataDir: join(dir, 'pg'), port: pgPort, durable: true });
  let redis: RedisServer | undefined;
  let apiPid: number | undefined;
  const stop = async () => {
    if (apiPid) await stopPid(apiPid, 'SIGTERM');
    await Promise.allSettled([redis?.stop(), pgServer.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    redis = await startRedis({ dataDir: join(dir, 'redis'), port: redisPort, durable: true });
    const c = new pg.Client({ connectionString: pgServer.url('postgres') });
    await c.connect();
    await c.query('CREATE DATABASE bench');
    await c.end();
    const dbUrl = pgServer.url('bench');
    await migrate(dbUrl);
    const db = createDb(createPool({ connectionString: dbUrl, max: 2 }));
    await seedDemo(db, { tenantCode: 'demo', tenantName: 'Bench', admin, posClient: pos });
    await db.destroy();

    // BENCH_API_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the API under load.
    const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const api = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'apps/api/src/server.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        TENANT_CODE: 'demo',
        DATABASE_URL: dbUrl,
        // The configured default unless BENCH_DB_POOL says otherwise (to compare pool sizes).
        ...(process.env.BENCH_DB_POOL ? { DATABASE_POOL_MAX: process.env.BENCH_DB_POOL } : {}),
        REDIS_URL: redis.url,
        API_HOST: '127.0.0.1',
        API_PORT: String(apiPort),
        JWT_SECRET: randomBytes(32).toString('hex'),
        APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        STORAGE_LOCAL_ROOT: join(dir, 'storage'),
        // Benchmarks measure the work, not the limiter's refusals.
        RATE_LIMIT_GENERAL_PER_MINUTE: '100000000',
        ...opts.apiEnv,
      },
    });
    apiPid = api.pid;
    const base = `http://127.0.0.1:${apiPort}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 300) throw new Error('the API did not become healthy');
      await new Promise((r) => setTimeout(r, 100));
    }
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<Record<string, any>>;
    };
    const rows: Record<string, string>[] = [];
    const phase: Bench['phase'] = async (name, p) => {
      const r = await autocannon({
        connections: opts.connections,
        duration: opts.seconds,
        ...p,
        url: base,
      } as autocannon.Options);
      rows.push({
        phase: name,
        'req/s (mean)': r.requests.average.toFixed(0),
        'p50 ms': String(r.latency.p50),
        'p97.5 ms': String(r.latency.p97_5),
        'p99 ms': String(r.latency.p99),
        '2xx': String(r['2xx']),
        'non-2xx': String(r.non2xx),
        errors: String(r.errors + r.timeouts),
      });
      return r;
    };
    return { base, dbUrl, pgServer, admin, pos, post, phase, rows, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
