/**
 * The local stack runner (`scripts/stack.sh`): PostgreSQL and Redis on private loopback ports with their
 * data under .data/, the database migrated and the demo tenant seeded, the web app built when stale, then the
 * API (serving the web app at /) and the worker as child processes. Writes .stack/stack.json (URL, demo credentials, PIDs) once GET /health answers 200,
 * and .stack/tenant.env: the processes' configuration, for the ops scripts (backup.sh --env-file .stack/tenant.env).
 * Ctrl-C or SIGTERM stops everything in order, by PID. One stack per state folder (.stack/stack.pid).
 *
 * Environment (all optional):
 *   STACK_PG_PORT (54329)  STACK_REDIS_PORT (63799)  STACK_API_PORT (3300)
 *   STACK_DATA_DIR (.data: databases, storage, generated secrets; kept between runs)
 *   STACK_STATE_DIR (.stack: lock, stack.json, logs of this run)
 *   STACK_WEB_DIST (apps/web/dist, rebuilt when older than apps/web/src)
 *   STACK_TENANT_CODE (demo: the tenant seeded and served)
 *   LOG_LEVEL (info)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@app/config';
import { createDb, createPool, migrate } from '@app/db';
import { isAlive, type PostgresServer, type RedisServer, startPostgres, startRedis, writeJsonAtomic } from '@app/devkit';
import pg from 'pg';
import { seedDemo } from '../../db/seeds/seed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DATA_DIR = resolve(process.env.STACK_DATA_DIR || join(ROOT, '.data'));
const STATE_DIR = resolve(process.env.STACK_STATE_DIR || join(ROOT, '.stack'));
const LOCK_FILE = join(STATE_DIR, 'stack.pid');
const STACK_FILE = join(STATE_DIR, 'stack.json');
const SECRETS_FILE = join(DATA_DIR, 'stack-secrets.json');

const DATABASE = 'einvoice';
const TENANT_CODE = process.env.STACK_TENANT_CODE || 'demo';
const ADMIN_USERNAME = 'admin';
const POS_CLIENT_ID = 'pos-demo-01';
const HEALTH_TIMEOUT_MS = 60_000;
/** The Turnkey stand-in's work folder (UpCast/, Unpack/), and the official MIG XSDs beside the repository. */
const TURNKEY_ROOT = join(DATA_DIR, 'turnkey');
const XSD_DIR = resolve(ROOT, '..', 'shared', 'mig', 'xsd');
const CHILD_STOP_TIMEOUT_MS = 15_000;

const say = (msg: string): void => {
  process.stdout.write(`[stack] ${msg}\n`);
};
// A closed terminal or pipe must not crash the runner halfway through stopping.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

// ---------------------------------------------------------------------------------------------------------
// Settings

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`${name}=${raw} is not a TCP port (1-65535)`);
  return port;
}

const ports = {
  postgres: portFromEnv('STACK_PG_PORT', 54_329),
  redis: portFromEnv('STACK_REDIS_PORT', 63_799),
  api: portFromEnv('STACK_API_PORT', 3300),
  // The Turnkey stand-in (demo mode): its embedded MariaDB and its control endpoint.
  mariadb: portFromEnv('STACK_MARIADB_PORT', 33_069),
  turnkeySim: portFromEnv('STACK_TURNKEY_SIM_PORT', 8479),
};

/** Print and exit before anything was started or locked. */
function fail(msg: string): never {
  process.stderr.write(`[stack] ${msg}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------------------
// One stack per state folder

/** Is `pid` a running stack runner? (A reused PID of an unrelated process does not count.) */
function isRunner(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('stack/run');
  } catch {
    return true; // no /proc: trust the PID
  }
}

function acquireLock(): void {
  mkdirSync(STATE_DIR, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(LOCK_FILE, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = Number.parseInt(readFileSync(LOCK_FILE, 'utf8'), 10);
    if (Number.isInteger(other) && other > 0 && isRunner(other)) {
      fail(`another local stack is running (pid ${other}); stop it with Ctrl-C in its terminal or \`kill ${other}\``);
    }
    say(`replacing the stale lock ${LOCK_FILE} (pid ${Number.isNaN(other) ? '?' : other} is not running)`);
    rmSync(LOCK_FILE, { force: true });
  }
  fail(`could not take the lock ${LOCK_FILE}`);
}

function releaseLock(): void {
  try {
    if (Number.parseInt(readFileSync(LOCK_FILE, 'utf8'), 10) === process.pid) rmSync(LOCK_FILE, { force: true });
  } catch {}
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

async function checkPorts(): Promise<void> {
  const names = {
    postgres: ['PostgreSQL', 'STACK_PG_PORT'],
    redis: ['Redis', 'STACK_REDIS_PORT'],
    api: ['the API', 'STACK_API_PORT'],
    mariadb: ["the Turnkey stand-in's MariaDB", 'STACK_MARIADB_PORT'],
    turnkeySim: ["the Turnkey stand-in's control endpoint", 'STACK_TURNKEY_SIM_PORT'],
  };
  const busy: string[] = [];
  for (const [key, port] of Object.entries(ports) as [keyof typeof ports, number][]) {
    const [what, env] = names[key];
    if (!(await portIsFree(port))) busy.push(`port ${port} (${what}) is busy; free it or choose another with ${env}=<port>`);
  }
  if (busy.length === 0) return;
  // A runner killed with SIGKILL leaves its servers behind; its stack.json names them.
  const leftovers = previousPids().filter(({ pid }) => isAlive(pid));
  const hint = leftovers.length
    ? `\n  still running from an earlier stack (${STACK_FILE}): ${leftovers.map((p) => `${p.name} pid ${p.pid}`).join(', ')}`
    : '';
  throw new Error(`${busy.join('\n  ')}${hint}`);
}

function previousPids(): { name: string; pid: number }[] {
  try {
    const s = JSON.parse(readFileSync(STACK_FILE, 'utf8')) as Record<string, { pid?: unknown }>;
    return ['api', 'worker', 'turnkeySim', 'redis', 'postgres']
      .map((name) => ({ name, pid: Number(s[name]?.pid) }))
      .filter((p) => Number.isInteger(p.pid) && p.pid > 0);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------------------
// Secrets: generated on the first run, reused afterwards (the seeded credentials and encrypted data need them)

type Secrets = {
  JWT_SECRET: string;
  APP_ENCRYPTION_KEY: string;
  adminPassword: string;
  posClientSecret: string;
  /** The product account of the Turnkey stand-in's embedded MariaDB. */
  turnkeyDbPassword: string;
};

/** Random and still easy to type: groups of 5 from 32 unambiguous characters (5 bits each). */
function readableSecret(groups: number): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(groups * 5);
  const chars = [...bytes].map((b) => alphabet[b & 31]);
  return Array.from({ length: groups }, (_, i) => chars.slice(i * 5, i * 5 + 5).join('')).join('-');
}

function loadOrCreateSecrets(): Secrets {
  const fresh: Secrets = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    adminPassword: readableSecret(4),
    posClientSecret: readableSecret(6),
    turnkeyDbPassword: randomBytes(18).toString('base64url'),
  };
  let stored: Partial<Secrets> = {};
  if (existsSync(SECRETS_FILE)) {
    try {
      stored = JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as Partial<Secrets>;
    } catch (e) {
      throw new Error(`${SECRETS_FILE} is not valid JSON (${(e as Error).message}); fix or delete it`);
    }
  }
  const keys = Object.keys(fresh) as (keyof Secrets)[];
  const missing = keys.filter((k) => typeof stored[k] !== 'string' || stored[k] === '');
  const secrets = { ...fresh, ...Object.fromEntries(keys.filter((k) => !missing.includes(k)).map((k) => [k, stored[k]])) };
  if (missing.length > 0) {
    writeJsonAtomic(SECRETS_FILE, secrets, 0o600);
    say(
      missing.length === keys.length
        ? `generated the stack's secrets in ${SECRETS_FILE}`
        : `added ${missing.join(', ')} to ${SECRETS_FILE}`,
    );
  }
  return secrets as Secrets;
}

// ---------------------------------------------------------------------------------------------------------
// Child processes (API, worker): output prefixed on the terminal and appended to .stack/<name>.log

type Child = {
  name: string;
  pid: number;
  logFile: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  exited: Promise<void>;
  proc: ChildProcess;
  /** Wait (a little) for the last output lines, then close the log file. */
  closeLog: () => Promise<void>;
};

function startChild(name: string, script: string, env: NodeJS.ProcessEnv, onExit: (c: Child) => void): Child {
  const logFile = join(STATE_DIR, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  // Own process group: Ctrl-C reaches the runner only, which stops the children in order.
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (!proc.pid) throw new Error(`could not start the ${name} (${script})`);
  for (const stream of [proc.stdout, proc.stderr]) {
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      process.stdout.write(`[${name}] ${line}\n`);
      if (!log.writableEnded) log.write(`${line}\n`);
    });
  }
  // 'close' comes after 'exit', once the child's output has been read to the end.
  const drained = new Promise<void>((done) => proc.once('close', () => done()));
  const closeLog = async () => {
    await Promise.race([drained, sleep(1_000)]);
    await new Promise<void>((done) => log.end(done));
  };
  const child: Child = { name, pid: proc.pid, logFile, exit: null, exited: Promise.resolve(), proc, closeLog };
  child.exited = new Promise((done) => {
    proc.once('exit', (code, signal) => {
      child.exit = { code, signal };
      done();
      onExit(child);
    });
  });
  return child;
}

async function stopChild(c: Child): Promise<void> {
  if (c.exit) return;
  c.proc.kill('SIGTERM');
  const inTime = await Promise.race([c.exited.then(() => true), sleep(CHILD_STOP_TIMEOUT_MS).then(() => false)]);
  if (!inTime) {
    say(`${c.name} (pid ${c.pid}) did not stop within ${CHILD_STOP_TIMEOUT_MS / 1000} s; killing it`);
    c.proc.kill('SIGKILL');
    await c.exited;
  }
}

const describeExit = (c: Child) => (c.exit?.signal ? `killed by ${c.exit.signal}` : `exit code ${c.exit?.code ?? '?'}`);

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Start and stop

const running: { postgres?: PostgresServer; redis?: RedisServer; api?: Child; worker?: Child; turnkeySim?: Child } = {};
let phase: 'starting' | 'up' | 'stopping' = 'starting';
let stopRequested: NodeJS.Signals | null = null;
let watchdog: NodeJS.Timeout | undefined;

class StopRequested extends Error {}

/** Between start-up steps: a Ctrl-C during start-up stops here, after the step that was running. */
function checkpoint(): void {
  if (stopRequested) throw new StopRequested(stopRequested);
  for (const c of [running.api, running.worker, running.turnkeySim]) {
    if (c?.exit)
      throw new Error(
        `the ${c.name} exited during start-up (${describeExit(c)}); last lines of ${c.logFile}:\n${tail(c.logFile, 30)}`,
      );
  }
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${DATABASE}`);
      say(`created the database ${DATABASE}`);
    }
  } finally {
    await client.end();
  }
}

async function waitForHealth(url: string, api: Child): Promise<void> {
  const until = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < until) {
    checkpoint();
    try {
      // /health gives each of its checks 2 s; wait longer so a 503 naming the failing part gets through.
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${(await res.text()).slice(0, 500)}`;
    } catch (e) {
      last = (e as Error).name === 'TimeoutError' ? 'no answer within 5 s' : (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(
    `GET ${url} did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last}); last lines of ${api.logFile}:\n${tail(api.logFile, 30)}`,
  );
}

async function start(): Promise<void> {
  const t0 = performance.now();
  await checkPorts();
  rmSync(STACK_FILE, { force: true }); // left by a runner that was killed; this one writes its own when up
  mkdirSync(join(DATA_DIR, 'storage'), { recursive: true });
  const secrets = loadOrCreateSecrets();

  say(`starting PostgreSQL on 127.0.0.1:${ports.postgres} and Redis on 127.0.0.1:${ports.redis} (data in ${DATA_DIR})`);
  const [pgResult, redisResult] = await Promise.allSettled([
    startPostgres({
      dataDir: join(DATA_DIR, 'pg'),
      port: ports.postgres,
      durable: true,
      logFile: join(STATE_DIR, 'postgres.log'),
    }),
    startRedis({ dataDir: join(DATA_DIR, 'redis'), port: ports.redis, durable: true, logFile: join(STATE_DIR, 'redis.log') }),
  ]);
  if (pgResult.status === 'fulfilled') running.postgres = pgResult.value;
  if (redisResult.status === 'fulfilled') running.redis = redisResult.value;
  if (pgResult.status === 'rejected') throw pgResult.reason;
  if (redisResult.status === 'rejected') throw redisResult.reason;
  const postgres = pgResult.value;
  const redis = redisResult.value;
  checkpoint();

  const databaseUrl = postgres.url(DATABASE);
  await ensureDatabase(postgres.url('postgres'));
  const m = await migrate(databaseUrl, { log: (msg) => say(msg) });
  say(m.applied.length ? `schema now at version ${m.version}` : `schema up to date (version ${m.version})`);
  checkpoint();

  const db = createDb(createPool({ connectionString: databaseUrl, max: 2 }));
  try {
    await seedDemo(db, {
      tenantCode: TENANT_CODE,
      tenantName: 'Demo tenant (local stack)',
      admin: { username: ADMIN_USERNAME, password: secrets.adminPassword },
      posClient: { clientId: POS_CLIENT_ID, clientSecret: secrets.posClientSecret },
    });
  } finally {
    await db.destroy();
  }
  say(`seeded the demo tenant "${TENANT_CODE}"`);
  checkpoint();

  const webDist = ensureWebBuild();
  checkpoint();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    WEB_DIST_DIR: webDist,
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    TENANT_CODE,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    JWT_SECRET: secrets.JWT_SECRET,
    APP_ENCRYPTION_KEY: secrets.APP_ENCRYPTION_KEY,
    API_HOST: '127.0.0.1',
    API_PORT: String(ports.api),
    STORAGE_DRIVER: 'local',
    STORAGE_LOCAL_ROOT: join(DATA_DIR, 'storage'),
    // The Turnkey pipeline, against the stand-in (docs/turnkey.md): a newcomer sees invoices reach accepted.
    TURNKEY_ROOT: TURNKEY_ROOT,
    TURNKEY_XSD_DIR: XSD_DIR,
    TURNKEY_DB_URL: `mysql://turnkey:${secrets.turnkeyDbPassword}@127.0.0.1:${ports.mariadb}/turnkey`,
  };
  parseConfig(env); // the same check the processes make, reported here before anything is spawned
  // The configuration as an env file, for the ops scripts (backup, restore, export, import) against this stack.
  const configKeys = [
    'TENANT_CODE',
    'DATABASE_URL',
    'REDIS_URL',
    'JWT_SECRET',
    'APP_ENCRYPTION_KEY',
    'API_HOST',
    'API_PORT',
    'STORAGE_DRIVER',
    'STORAGE_LOCAL_ROOT',
    'TURNKEY_ROOT',
    'TURNKEY_XSD_DIR',
    'TURNKEY_DB_URL',
    'WEB_DIST_DIR',
  ];
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(
    join(STATE_DIR, 'tenant.env'),
    `# The local stack's configuration (scripts/stack/run.ts), rewritten at every start.\n${configKeys.map((k) => `${k}=${env[k] ?? ''}`).join('\n')}\n`,
    { mode: 0o600 },
  );

  const onExit = (c: Child) => {
    if (phase !== 'up') return; // during start-up checkpoint() reports it; while stopping it is expected
    say(`the ${c.name} (pid ${c.pid}) exited unexpectedly (${describeExit(c)}); stopping everything`);
    void stop(1);
  };
  mkdirSync(TURNKEY_ROOT, { recursive: true });
  running.turnkeySim = startChild(
    'turnkey-sim',
    'apps/turnkey-sim/src/main.ts',
    {
      ...process.env,
      LOG_LEVEL: process.env.LOG_LEVEL || 'info',
      TURNKEY_ROOT,
      TURNKEY_SIM_XSD_DIR: XSD_DIR,
      TURNKEY_SIM_MARIADB_DIR: join(DATA_DIR, 'turnkey-sim', 'mariadb'),
      TURNKEY_SIM_MARIADB_PORT: String(ports.mariadb),
      TURNKEY_SIM_MARIADB_PASSWORD: secrets.turnkeyDbPassword,
      TURNKEY_SIM_CONTROL_PORT: String(ports.turnkeySim),
    },
    onExit,
  );
  running.api = startChild('api', 'apps/api/src/server.ts', env, onExit);
  running.worker = startChild('worker', 'apps/worker/src/main.ts', env, onExit);
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  await waitForHealth(`${apiUrl}/health`, running.api);
  checkpoint();

  const stack = {
    apiUrl,
    /** The web app, served by the API from WEB_DIST_DIR. */
    webUrl: `${apiUrl}/`,
    admin: { username: ADMIN_USERNAME, password: secrets.adminPassword },
    posClient: { clientId: POS_CLIENT_ID, clientSecret: secrets.posClientSecret },
    postgres: { url: databaseUrl, pid: postgres.pid },
    redis: { url: redis.url, pid: redis.pid },
    api: { pid: running.api.pid },
    worker: { pid: running.worker.pid },
    turnkeySim: {
      pid: running.turnkeySim.pid,
      root: TURNKEY_ROOT,
      controlUrl: `http://127.0.0.1:${ports.turnkeySim}`,
      mariadbUrl: env.TURNKEY_DB_URL,
    },
  };
  writeJsonAtomic(STACK_FILE, stack, 0o600);
  process.stdout.write(`${JSON.stringify(stack, null, 2)}\n`);
  say(
    `stack is up in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${apiUrl} (API docs at ${apiUrl}/docs); Ctrl-C stops everything`,
  );
}

/**
 * The web app's build for the API to serve: rebuilt (vite, a few seconds) when missing or older than any
 * source file of apps/web, so the stack never serves a stale app. STACK_WEB_DIST points at another build.
 */
function ensureWebBuild(): string {
  if (process.env.STACK_WEB_DIST) return resolve(process.env.STACK_WEB_DIST);
  const web = join(ROOT, 'apps', 'web');
  const dist = join(web, 'dist');
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  const built = statSync(join(dist, 'index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(newest(join(web, 'src')), statSync(join(web, 'index.html')).mtimeMs);
  if (built > sources) return dist;
  say('building the web app (apps/web/dist)');
  // Built beside and swapped in, so a stack already serving dist/ never sees it half-written or emptied.
  const next = `${dist}.building-${process.pid}`;
  const r = spawnSync(
    process.execPath,
    [join(web, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn', '--outDir', next, '--emptyOutDir'],
    // Always the production build (a runner started from a test has NODE_ENV=test: React's development build).
    { cwd: web, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (r.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    fail(`the web app did not build (exit ${r.status}); run pnpm --filter @app/web build to see why`);
  }
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
  return dist;
}

/** Stop whatever is running, in order: API and worker, Redis, PostgreSQL. Then exit with `code`. */
async function stop(code: number): Promise<never> {
  phase = 'stopping';
  clearInterval(watchdog);
  const t0 = performance.now();
  const steps: [string, () => Promise<void>][] = [
    [
      'the API, the worker and the Turnkey stand-in',
      async () => {
        const children = [running.api, running.worker, running.turnkeySim].filter((c) => c !== undefined);
        await Promise.all(children.map(stopChild));
        await Promise.all(children.map((c) => c.closeLog()));
      },
    ],
    ['Redis', async () => running.redis?.stop()],
    ['PostgreSQL', async () => running.postgres?.stop()],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (e) {
      say(`could not stop ${what}: ${(e as Error).message}`);
      code = 1;
    }
  }
  rmSync(STACK_FILE, { force: true }); // it describes a running stack; the secrets stay in the data folder
  rmSync(join(STATE_DIR, 'tenant.env'), { force: true });
  releaseLock();
  if (Object.keys(running).length > 0) say(`stopped in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(code);
}

let firstSignalAt = 0;

function onSignal(signal: NodeJS.Signals): void {
  // Ctrl-C reaches every process of the terminal's group, so wrappers may pass the same signal on: say it once.
  if (phase === 'stopping') {
    if (Date.now() - firstSignalAt > 2_000) say('already stopping; please wait');
    return;
  }
  firstSignalAt = Date.now();
  if (phase === 'starting') {
    stopRequested = signal;
    say(`${signal}: stopping after the current start-up step`);
    return;
  }
  say(`${signal} received; stopping`);
  void stop(0);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);
process.on('uncaughtException', (err) => {
  say(`unexpected error: ${err.stack ?? err.message}`);
  if (phase !== 'stopping') void stop(1);
});

acquireLock();
try {
  await start();
} catch (e) {
  if (e instanceof StopRequested) {
    say(`${e.message} during start-up; stopping what was started`);
    await stop(0);
  }
  say(`start-up failed: ${(e as Error).message}`);
  await stop(1);
}
phase = 'up';
if (stopRequested) await stop(0);
// PostgreSQL and Redis are not our direct children: watch their PIDs.
watchdog = setInterval(() => {
  for (const [name, server] of [
    ['PostgreSQL', running.postgres],
    ['Redis', running.redis],
  ] as const) {
    if (phase === 'up' && server && !isAlive(server.pid)) {
      say(`${name} (pid ${server.pid}) exited unexpectedly; stopping everything`);
      void stop(1);
    }
  }
}, 1_000);
