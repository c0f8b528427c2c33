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
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startBench } from './harness.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = 64;

const bench = await startBench({ connections: CONNECTIONS, seconds: SECONDS });
const { post, phase, rows: results } = bench;
const url = bench.dbUrl;
const ADMIN = bench.admin;
const POS = bench.pos;

try {
  const clientToken = (
    await post('/api/v1/oauth/token', {
      grant_type: 'client_credentials',
      client_id: POS.clientId,
      client_secret: POS.clientSecret,
    })
  ).access_token as string;
  const adminToken = (await post('/api/v1/auth/login', ADMIN)).accessToken as string;

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
  await bench.stop();
}
