/** The real worker process (apps/worker/src/main.ts) on a test app's database, Redis, storage and settings. */
import { type ChildProcess, spawn } from 'node:child_process';
import type { TestApp } from './helpers.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

export type WorkerProcess = { child: ChildProcess; exit: Promise<number | null> };

/** Starts it; `exit` resolves with its exit code (null when killed by a signal). Stop it with `child.kill`. */
export function startWorkerProcess(t: TestApp): WorkerProcess {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const [k, v] of Object.entries(t.deps.config)) if (v !== undefined) env[k] = String(v);
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], { cwd: ROOT, env, stdio: 'ignore' });
  return { child, exit: new Promise((ok) => child.once('exit', (code) => ok(code))) };
}
