/**
 * Platform baseline benchmark: what the foundation costs every request before any business logic.
 * Starts its own durable PostgreSQL (fsync on) and Redis on free ports, migrates and seeds, runs the
 * real API process, and loads it over HTTP with autocannon (64 connections):
 *   A. authenticated read  — GET /api/v1/auth/me with a POS client token (JWT check, principal cache, rate limit)
 *   B. idempotent write    — POST /api/v1/roles, a fresh Idempotency-Key each time (claim, transaction,
 *                            audit row and stored response in one commit)
 *   C. idempotent replay   — the same POST with an already-used key (the stored response)
 * Usage: pnpm bench:platform [seconds-per-phase=10]
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, createPool, migrate } from '@app/db';
import { freePort, startPostgres, startRedis, stopPid } from '@app/devkit';
import autocannon from 'autocannon';
import pg from 'pg';
import { seedDemo } from '../../db/seeds/seed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = 64;
const ADMIN = { username: 'admin', password: randomBytes(12).toString('hex') };
const POS = { clientId: 'pos-bench', clientSecret: randomBytes(24).toString('hex') };

const dir = mkdtempSync(join(tmpdir(), 'einv-bench-'));
const [pgPort, redisPort, apiPort] = [await freePort(), await freePort(), await freePort()];
const pgServer = await startPostgres({ dataDir: join(dir, 'pg'), port: pgPort, durable: true });
const redis = await startRedis({ dataDir: join(dir, 'redis'), port: redisPort, durable: true });
let apiPid: number | undefined;

try {
  const c = new pg.Client({ connectionString: pgServer.url('postgres') });
  await c.connect();
  await c.query('CREATE DATABASE bench');
  await c.end();
  const url = pgServer.url('bench');
  await migrate(url);
  const db = createDb(createPool({ connectionString: url, max: 2 }));
  await seedDemo(db, { tenantCode: 'demo', tenantName: 'Bench', admin: ADMIN, posClient: POS });
  await db.destroy();

  const api = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      TENANT_CODE: 'demo',
      DATABASE_URL: url,
      DATABASE_POOL_MAX: '20',
      REDIS_URL: redis.url,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      JWT_SECRET: randomBytes(32).toString('hex'),
      APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      STORAGE_LOCAL_ROOT: join(dir, 'storage'),
      // The benchmark measures the platform, not the limiter's refusals.
      RATE_LIMIT_GENERAL_PER_MINUTE: '100000000',
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
  const clientToken = (
    await post('/api/v1/oauth/token', {
      grant_type: 'client_credentials',
      client_id: POS.clientId,
      client_secret: POS.clientSecret,
    })
  ).access_token as string;
  const adminToken = (await post('/api/v1/auth/login', ADMIN)).accessToken as string;

  const results: Record<string, string>[] = [];
  async function phase(name: string, opts: Pick<autocannon.Options, 'requests'>) {
    const r = await autocannon({ ...opts, url: base, connections: CONNECTIONS, duration: SECONDS } as autocannon.Options);
    const ok = r['2xx'];
    results.push({
      phase: name,
      'req/s (mean)': r.requests.average.toFixed(0),
      'p50 ms': String(r.latency.p50),
      'p97.5 ms': String(r.latency.p97_5),
      'p99 ms': String(r.latency.p99),
      '2xx': String(ok),
      'non-2xx': String(r.non2xx),
      errors: String(r.errors + r.timeouts),
    });
  }

  await phase('A. GET /auth/me (client token)', {
    requests: [{ method: 'GET', path: '/api/v1/auth/me', headers: { authorization: `Bearer ${clientToken}` } }],
  });

  let n = 0;
  await phase('B. POST /roles (new Idempotency-Key)', {
    requests: [
      {
        method: 'POST',
        path: '/api/v1/roles',
        setupRequest: (req) => {
          n++;
          return {
            ...req,
            headers: {
              authorization: `Bearer ${adminToken}`,
              'content-type': 'application/json',
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({ code: `bench-${n}`, name: `Bench ${n}`, permissions: ['invoice.read'] }),
          };
        },
      },
    ],
  });

  const replayKey = randomUUID();
  const replayBody = JSON.stringify({ code: 'bench-replay', name: 'Bench replay', permissions: ['invoice.read'] });
  const replayHeaders = {
    authorization: `Bearer ${adminToken}`,
    'content-type': 'application/json',
    'idempotency-key': replayKey,
  };
  await post('/api/v1/roles', JSON.parse(replayBody), replayHeaders);
  await phase('C. POST /roles (replayed key)', {
    requests: [{ method: 'POST', path: '/api/v1/roles', headers: replayHeaders, body: replayBody }],
  });

  const audit = new pg.Client({ connectionString: url });
  await audit.connect();
  const { rows } = await audit.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM sys_audit_logs WHERE action = 'role.create' AND outcome = 'success'",
  );
  await audit.end();

  console.log(
    `\nplatform baseline — ${CONNECTIONS} connections, ${SECONDS} s per phase, PostgreSQL fsync on, ${new Date().toISOString()}`,
  );
  console.table(results);
  console.log(`role.create audit rows (one per executed write): ${rows[0]?.n}; writes executed in phase B: ${n}`);
} finally {
  if (apiPid) await stopPid(apiPid, 'SIGTERM');
  await Promise.allSettled([redis.stop(), pgServer.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
