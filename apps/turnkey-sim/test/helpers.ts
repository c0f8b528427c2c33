/**
 * Test helpers: one real MariaDB per test file (started by the file, not by the global setup), a fresh
 * database and Turnkey folder per test, the simulator started in-process with its real control endpoint.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type MariadbServer, startMariadb, waitFor } from '@app/devkit';
import { createLogger } from '@app/logger';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { parseSimConfig } from '../src/config.ts';
import { type SimRuntime, startRuntime } from '../src/runtime.ts';

export type TestMariadb = MariadbServer & { root: string; close: () => Promise<void> };

export async function startTestMariadb(): Promise<TestMariadb> {
  const root = mkdtempSync(join(tmpdir(), 'tk-sim-'));
  const server = await startMariadb({ dataDir: join(root, 'mariadb'), port: await freePort(), database: 'turnkey_admin' });
  return {
    ...server,
    root,
    close: async () => {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

let counter = 0;

export type SimUnderTest = {
  runtime: SimRuntime;
  /** Turnkey work folder. */
  root: string;
  database: string;
  /** Query Turnkey's database as root. */
  q: <T = Record<string, any>>(sql: string, params?: unknown[]) => Promise<T[]>;
  /** Call the control endpoint; resolves with status and parsed JSON. */
  control: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; body: any }>;
  /** Put a message into SRC the way the product does: a dot-named temp file, then a rename. */
  drop: (messageType: string, name: string, xml: string) => string;
  close: () => Promise<void>;
};

export const CATEGORY: Record<string, string> = {
  F0401: 'B2SSTORAGE',
  F0501: 'B2SSTORAGE',
  F0701: 'B2SSTORAGE',
  G0401: 'B2SSTORAGE',
  G0501: 'B2SSTORAGE',
  G0701: 'B2SSTORAGE',
  E0401: 'B2PMESSAGE',
  E0402: 'B2PMESSAGE',
};

export const srcOf = (root: string, type: string) => join(root, 'UpCast', CATEGORY[type] as string, type, 'SRC');

/** Start the simulator on a fresh database of `m` and a fresh TURNKEY_ROOT. Polling is slow: tests drive `POST /poll`. */
export async function startSim(m: TestMariadb, env: Record<string, string> = {}): Promise<SimUnderTest> {
  const database = `tk_${process.pid}_${counter++}`;
  m.exec(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
  const root = join(m.root, database);
  mkdirSync(root, { recursive: true });
  const config = parseSimConfig({
    LOG_LEVEL: 'silent',
    TURNKEY_ROOT: root,
    TURNKEY_SIM_DB_URL: m.rootUrl(database),
    TURNKEY_SIM_POLL_MS: '3600000',
    TURNKEY_SIM_SETTLE_MS: '0',
    TURNKEY_SIM_CONTROL_PORT: '0',
    ...env,
  });
  const runtime = await startRuntime(config, createLogger({ name: 'turnkey-sim', level: 'silent' }));
  const conn = await createConnection({ uri: m.rootUrl(database), dateStrings: true });
  return {
    runtime,
    root,
    database,
    q: async <T>(sql: string, params: unknown[] = []) => (await conn.query<RowDataPacket[]>(sql, params))[0] as T[],
    control: async (method, path, body, headers = {}) => {
      const res = await fetch(`${runtime.controlUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    drop: (messageType, name, xml) => {
      const dir = srcOf(root, messageType);
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `.${name}.tmp`);
      writeFileSync(tmp, xml);
      const target = join(dir, name);
      renameSync(tmp, target);
      return target;
    },
    close: async () => {
      await conn.end();
      await runtime.stop();
      m.exec(`DROP DATABASE IF EXISTS ${database}`);
    },
  };
}

/** Every file below `dir`, as paths relative to it (sorted). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, rel ? `${rel}/${n}` : n);
      else out.push(rel ? `${rel}/${n}` : n);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Shared with every test suite (packages/devkit). */
export { waitFor };
