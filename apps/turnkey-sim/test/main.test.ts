/**
 * The simulator process itself (src/main.ts run with tsx), with its embedded MariaDB: refuses a bad config
 * naming the variable; starts, takes a file through to C on its own poll loop (read back through the
 * product's database account), and on SIGTERM stops its MariaDB and exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAlive } from '@app/devkit';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { f0401Xml } from './fixtures.ts';
import { srcOf, waitFor } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'turnkey-sim', 'src', 'main.ts');

type Run = { child: ChildProcess; lines: Record<string, any>[]; exit: Promise<number | null> };

function runMain(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, any>[] = [];
  const collect = (d: string) => {
    for (const l of d.split('\n')) {
      try {
        if (l.trim()) lines.push(JSON.parse(l));
      } catch {
        lines.push({ raw: l });
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  return { child, lines, exit: once(child, 'exit').then(([code]) => code as number | null) };
}

describe('turnkey-sim process (main.ts)', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('exits 1 naming the missing variable', async () => {
    for (const [env, missing] of [
      [{}, 'TURNKEY_ROOT'],
      [{ TURNKEY_ROOT: tmpdir() }, 'TURNKEY_SIM_MARIADB_PASSWORD'],
    ] as const) {
      const run = runMain({ TURNKEY_SIM_CONTROL_PORT: '0', ...env });
      children.push(run.child);
      expect(await run.exit).toBe(1);
      const fatal = run.lines.filter((l) => l.level === 'fatal');
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.problems.map((p: { variable: string }) => p.variable)).toEqual([missing]);
    }
  });

  it('runs with an embedded MariaDB: a dropped F0401 reaches C on the poll loop; SIGTERM stops MariaDB and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-main-'));
    dirs.push(dir);
    const root = join(dir, 'turnkey');
    const run = runMain({
      LOG_LEVEL: 'info',
      TURNKEY_ROOT: root,
      TURNKEY_SIM_MARIADB_DIR: join(dir, 'mariadb'),
      TURNKEY_SIM_MARIADB_PASSWORD: 'product-secret',
      TURNKEY_SIM_POLL_MS: '100',
      TURNKEY_SIM_SETTLE_MS: '0',
      TURNKEY_SIM_CONTROL_PORT: String(await freePort()),
    });
    children.push(run.child);
    const started = await waitFor('the started line', () => run.lines.find((l) => l.msg === 'turnkey-sim started'), 60_000);
    const mariadb = run.lines.find((l) => l.msg === 'embedded MariaDB started')!;
    expect(mariadb).toMatchObject({ port: started.embeddedMariadbPort, mariadbPid: expect.any(Number) });
    expect(run.lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(JSON.stringify(run.lines)).not.toContain('product-secret');

    writeFileSync(join(srcOf(root, 'F0401'), '.x.tmp'), f0401Xml({ number: 'AB99999999' }));
    renameSync(join(srcOf(root, 'F0401'), '.x.tmp'), join(srcOf(root, 'F0401'), 'AB99999999.xml'));

    const product = await createConnection({
      host: '127.0.0.1',
      port: mariadb.port,
      user: 'turnkey',
      password: 'product-secret',
      database: 'turnkey',
    });
    const row = await waitFor('the C row', async () => {
      const [rows] = await product.query<RowDataPacket[]>(
        "SELECT STATUS, INVOICE_IDENTIFIER FROM TURNKEY_MESSAGE_LOG WHERE STATUS = 'C'",
      );
      return rows[0];
    });
    expect(row).toMatchObject({ INVOICE_IDENTIFIER: 'F0401AB9999999920261121' });
    const health = await (await fetch(`${started.control}/health`)).json();
    expect(health).toEqual({ status: 'ok', mode: 'accept', pending: 0 });
    await product.end();

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(isAlive(mariadb.mariadbPid)).toBe(false);
    expect(run.lines.some((l) => l.msg === 'turnkey-sim stopped')).toBe(true);
  });
});
