/**
 * End-to-end test of the local stack runner (scripts/stack/run.ts), the real thing: PostgreSQL, Redis, the API,
 * the worker and the Turnkey stand-in, in temporary folders on free ports. Start, use the printed credentials,
 * issue an invoice and see it reach accepted through the real processes, refuse a second
 * runner, stop on SIGINT leaving no process behind, start again on the same data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, isAlive, waitFor } from '@app/devkit';
import { periodOf } from '@app/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 120_000;

type StackInfo = {
  apiUrl: string;
  admin: { username: string; password: string };
  posClient: { clientId: string; clientSecret: string };
  postgres: { url: string; pid: number };
  redis: { url: string; pid: number };
  api: { pid: number };
  worker: { pid: number };
  turnkeySim: { pid: number; root: string; controlUrl: string; mariadbUrl: string };
};

type Runner = { proc: ChildProcess; output: () => string; exited: Promise<number | null> };

let root: string;
let env: NodeJS.ProcessEnv;
let stateDir: string;
let dataDir: string;
const runners: Runner[] = [];

function startRunner(): Runner {
  const proc = spawn('pnpm', ['exec', 'tsx', 'scripts/stack/run.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  const runner = { proc, output: () => out, exited };
  runners.push(runner);
  return runner;
}

/** Wait for the runner to write stack.json (it does once /health answers 200). */
async function waitUntilUp(r: Runner): Promise<StackInfo> {
  const file = join(stateDir, 'stack.json');
  const until = Date.now() + START_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void r.exited.then((c) => {
    exitCode = c;
  });
  while (Date.now() < until) {
    if (exitCode !== undefined)
      throw new Error(`the runner exited with ${exitCode} before the stack was up:\n${r.output().slice(-4000)}`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
    await sleep(200);
  }
  throw new Error(`no stack.json within ${START_TIMEOUT_MS / 1000} s:\n${r.output().slice(-4000)}`);
}

const runnerPid = () => Number.parseInt(readFileSync(join(stateDir, 'stack.pid'), 'utf8'), 10);

/** Ctrl-C, the way a user stops it: SIGINT to the runner whose PID is in the lock file. */
async function stopWithSigint(r: Runner): Promise<number | null> {
  process.kill(runnerPid(), 'SIGINT');
  return Promise.race([r.exited, sleep(60_000).then(() => 'timeout' as const)]).then((c) => {
    if (c === 'timeout') throw new Error(`the runner did not exit within 60 s of SIGINT:\n${r.output().slice(-4000)}`);
    return c;
  });
}

const pidsOf = (s: StackInfo) => [s.postgres.pid, s.redis.pid, s.api.pid, s.worker.pid, s.turnkeySim.pid];

async function login(s: StackInfo) {
  return fetch(`${s.apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: s.admin.username, password: s.admin.password }),
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'einv-stack-'));
  dataDir = join(root, 'data');
  stateDir = join(root, 'state');
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(await freePort());
  const [pgPort, redisPort, apiPort, mariadbPort, simPort] = [...ports];
  env = {
    ...process.env,
    STACK_DATA_DIR: dataDir,
    STACK_STATE_DIR: stateDir,
    STACK_PG_PORT: String(pgPort),
    STACK_REDIS_PORT: String(redisPort),
    STACK_API_PORT: String(apiPort),
    STACK_MARIADB_PORT: String(mariadbPort),
    STACK_TURNKEY_SIM_PORT: String(simPort),
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  // A failed step must not leave a stack running: stop it the normal way, then make sure by PID.
  for (const r of runners) {
    if (r.proc.exitCode !== null || r.proc.signalCode !== null) continue;
    try {
      process.kill(runnerPid(), 'SIGINT');
    } catch {}
    await Promise.race([r.exited, sleep(45_000)]);
    if (r.proc.pid && r.proc.exitCode === null) r.proc.kill('SIGKILL');
  }
  if (root) rmSync(root, { recursive: true, force: true });
}, 120_000);

describe('the local stack runner', () => {
  let first: Runner;
  let stack: StackInfo;

  it(
    'starts PostgreSQL, Redis, the API and the worker and writes stack.json',
    async () => {
      first = startRunner();
      stack = await waitUntilUp(first);
      expect(stack.apiUrl).toBe(`http://127.0.0.1:${env.STACK_API_PORT}`);
      expect(stack.admin.username).toBe('admin');
      expect(stack.posClient.clientId).toBe('pos-demo-01');
      for (const pid of pidsOf(stack)) expect(isAlive(pid)).toBe(true);
      expect(statSync(join(stateDir, 'stack.json')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'stack-secrets.json')).mode & 0o777).toBe(0o600);
      expect(first.output()).toContain('stack is up');
      const health = await fetch(`${stack.apiUrl}/health`);
      expect(health.status).toBe(200);
    },
    START_TIMEOUT_MS + 10_000,
  );

  it('the printed credentials work: admin login and a POS client token', async () => {
    const res = await login(stack);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accessToken?: string }).accessToken).toEqual(expect.any(String));

    const token = await fetch(`${stack.apiUrl}/api/v1/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: stack.posClient.clientId,
        client_secret: stack.posClient.clientSecret,
      }),
    });
    expect(token.status).toBe(200);
    expect(((await token.json()) as { access_token?: string }).access_token).toEqual(expect.any(String));
  });

  it('an invoice issued through the API reaches accepted: worker → Turnkey stand-in → worker, all real processes', async () => {
    const admin = ((await (await login(stack)).json()) as { accessToken: string }).accessToken;
    const post = async (path: string, body: object) => {
      const r = await fetch(`${stack.apiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'idempotency-key': randomUUID() },
        body: JSON.stringify(body),
      });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as Record<string, any>;
    };
    const seller = await post('/api/v1/sellers', {
      ban: '04595257',
      name: '示範加油站',
      address: '台北市信義區',
      qrAesKey: 'FE0F50D87215F625D1248F5FDAEBA37F',
    });
    const site = await post(`/api/v1/sellers/${seller.id}/sites`, { code: 'S1', name: 'Site 1' });
    const db = new pg.Client({ connectionString: stack.postgres.url });
    await db.connect();
    try {
      const ym = periodOf(new Date()).yearMonth;
      const track = await db.query<{ id: string }>(
        `INSERT INTO tracks (seller_id, invoice_type, year_month, track, begin_no, end_no) VALUES ($1, '07', $2, 'AB', 0, 99) RETURNING id`,
        [seller.id, ym],
      );
      await post(`/api/v1/tracks/${track.rows[0]?.id}/blocks`, { siteId: site.id, booklets: 2 });
      const inv = await post('/api/v1/invoices', {
        siteId: site.id,
        printMark: 'Y',
        items: [{ description: '95無鉛汽油', quantity: '10', unit: 'L', unitPrice: '31.2' }],
      });
      await waitFor(
        'the invoice accepted by the stand-in',
        async () =>
          (await db.query<{ status: string }>('SELECT status FROM turnkey_messages WHERE invoice_id = $1', [inv.id])).rows[0]
            ?.status === 'accepted',
        60_000,
        500,
      );
    } finally {
      await db.end();
    }
  }, 90_000);

  it('refuses a second runner on the same folders', async () => {
    const second = startRunner();
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toContain(`another local stack is running (pid ${runnerPid()})`);
    // ...and leaves the first one alone.
    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
  }, 60_000);

  it('stops everything on SIGINT and exits 0', async () => {
    expect(await stopWithSigint(first)).toBe(0);
    for (const pid of pidsOf(stack)) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
    expect(existsSync(join(stateDir, 'stack.pid'))).toBe(false);
  }, 90_000);

  it(
    'starts again on the same data: the same admin password still works',
    async () => {
      const again = startRunner();
      const restarted = await waitUntilUp(again);
      expect(restarted.admin.password).toBe(stack.admin.password);
      // Same cluster, same database, same secrets: nothing created or generated this time.
      expect(again.output()).not.toMatch(/generated the stack|created the database|applying /);
      const res = await login(restarted);
      expect(res.status).toBe(200);
      expect(await stopWithSigint(again)).toBe(0);
      for (const pid of pidsOf(restarted)) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
    },
    START_TIMEOUT_MS + 70_000,
  );
});
