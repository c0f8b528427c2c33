/**
 * The real local stack for the browser tests: scripts/stack/run.ts (PostgreSQL, Redis, the Turnkey stand-in, the
 * API serving the web app, built here for it, the worker) in a temporary folder on free ports, as
 * scripts/stack/stack.test.ts runs it, and stopped with SIGINT by PID as a user's Ctrl-C would. The runner's output and logs are copied to
 * artifacts/<name>/stack-logs/ when it stops, so a failed run can be read afterwards.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, isAlive, stopPid } from '@app/devkit';
import { ARTIFACTS } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What the runner writes to stack.json once GET /health answers 200. */
export type StackInfo = {
  apiUrl: string;
  /** The web app, served by the API (ends with /). */
  webUrl: string;
  admin: { username: string; password: string };
  posClient: { clientId: string; clientSecret: string };
  postgres: { url: string; pid: number };
  redis: { url: string; pid: number };
  api: { pid: number };
  worker: { pid: number };
  turnkeySim: { pid: number; root: string; controlUrl: string; mariadbUrl: string };
};

export type Stack = {
  info: StackInfo;
  /** Everything the runner printed so far. */
  output: () => string;
  /** SIGINT to the runner by PID, then make sure by PID; copies the logs and deletes the temporary folder. */
  stop: () => Promise<void>;
};

/**
 * Start a stack of its own and wait until it is up. `name` names the artifacts folder for its logs.
 * Throws with the runner's last output when it exits or is not up within `timeoutMs`.
 */
export async function startStack(name: string, timeoutMs = 170_000): Promise<Stack> {
  const root = mkdtempSync(join(tmpdir(), 'einv-e2e-'));
  const stateDir = join(root, 'state');
  const webDist = join(root, 'web-dist');
  try {
    await buildWebApp(webDist);
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  // Free ports, picked just before the runner takes them.
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(await freePort());
  const [pgPort, redisPort, apiPort, mariadbPort, simPort] = [...ports];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STACK_DATA_DIR: join(root, 'data'),
    STACK_STATE_DIR: stateDir,
    STACK_PG_PORT: String(pgPort),
    STACK_REDIS_PORT: String(redisPort),
    STACK_API_PORT: String(apiPort),
    STACK_MARIADB_PORT: String(mariadbPort),
    STACK_TURNKEY_SIM_PORT: String(simPort),
    STACK_WEB_DIST: webDist,
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  };
  // node --import tsx (as scripts/stack.sh runs it): the child is the runner itself, so its PID is the one to signal.
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack/run.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    out += d;
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((done) =>
    proc.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      done();
    }),
  );

  let info: StackInfo | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exitCode === undefined && proc.pid) {
      // Ctrl-C, the way a user stops it: the runner stops its children in order and exits.
      signal(proc.pid, 'SIGINT');
      await Promise.race([exited, sleep(60_000)]);
      if (exitCode === undefined) {
        signal(proc.pid, 'SIGKILL');
        await Promise.race([exited, sleep(5_000)]);
      }
    }
    // Whatever the runner could not stop (it was killed, say): the processes it started, by their PIDs.
    if (info) {
      for (const pid of [info.api.pid, info.worker.pid, info.turnkeySim.pid, info.redis.pid, info.postgres.pid]) {
        if (isAlive(pid)) await stopPid(pid, 'SIGTERM', 10_000);
      }
    }
    saveLogs(name, stateDir, out);
    rmSync(root, { recursive: true, force: true });
  };

  const file = join(stateDir, 'stack.json');
  const until = Date.now() + timeoutMs;
  try {
    while (!info) {
      if (exitCode !== undefined)
        throw new Error(`the stack runner exited (${exitCode}) before the stack was up:\n${out.slice(-4000)}`);
      if (Date.now() > until) throw new Error(`the stack was not up within ${timeoutMs / 1000} s:\n${out.slice(-4000)}`);
      if (existsSync(file)) info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
      else await sleep(250);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { info, output: () => out, stop };
}

/**
 * The web app built for this stack alone, handed to the runner as STACK_WEB_DIST. The runner's own build goes to
 * apps/web/dist, which another stack started in the same test run (scripts/stack/stack.test.ts) may be emptying
 * and rebuilding at that very moment. Same sources, same vite config; a second or two.
 */
async function buildWebApp(outDir: string) {
  const web = join(ROOT, 'apps', 'web');
  const vite = join(web, 'node_modules', 'vite', 'bin', 'vite.js');
  try {
    await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: web,
      // The production build users get: vitest sets NODE_ENV=test, which would give React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error(`the web app did not build (${(e as Error).message}):\n${stdout}${stderr}`.slice(0, 8000));
  }
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function saveLogs(name: string, stateDir: string, output: string) {
  try {
    const dir = join(ARTIFACTS, name, 'stack-logs');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'runner.log'), output);
    if (!existsSync(stateDir)) return;
    for (const f of readdirSync(stateDir)) if (f.endsWith('.log')) copyFileSync(join(stateDir, f), join(dir, f));
  } catch {
    // the logs are a convenience; never fail the stop over them
  }
}
