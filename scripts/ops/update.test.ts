/**
 * scripts/update.sh --local against real local stacks: a release whose API does not start after its migration
 * has run is rolled back automatically (the data folder from before, the old release pinned, healthy again,
 * nothing lost); a good release is pinned, migrated and healthy. Releases are hard-linked copies of this
 * checkout with a migration added (files are replaced, never written through a link).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, isAlive, stopPid } from '@app/devkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from './env.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function run(script: string, args: string[], env: Record<string, string>) {
  try {
    const r = await promisify(execFile)(script, args, { env: { ...process.env, ...env }, maxBuffer: 10_000_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

/** Replace a file of a hard-linked copy: a new file renamed over the link (the original keeps its content). */
function replaceFile(file: string, content: string) {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

/** A release: this checkout hard-linked, plus a migration adding `sys_tenants.update_probe`; `broken` = its API dies at start. */
function makeRelease(dir: string, broken: boolean): string {
  // cp -al: every file a hard link (a second of work for the whole checkout, node_modules included).
  if (spawnSync('cp', ['-al', ROOT, dir]).status !== 0) throw new Error(`cp -al ${ROOT} ${dir} failed`);
  for (const d of ['.data', '.stack', 'tenants', '.git']) rmSync(join(dir, d), { recursive: true, force: true });
  writeFileSync(
    join(dir, 'db', 'migrations', '29990101000000_update_probe.sql'),
    'ALTER TABLE sys_tenants ADD COLUMN update_probe int;\n',
  );
  const gen = join(dir, 'packages', 'db', 'src', 'schema-version.generated.ts');
  replaceFile(gen, readFileSync(gen, 'utf8').replace(/SCHEMA_VERSION = \d+n/, 'SCHEMA_VERSION = 29990101000000n'));
  if (broken) {
    const server = join(dir, 'apps', 'api', 'src', 'server.ts');
    replaceFile(server, `throw new Error('this release is broken on purpose');\n${readFileSync(server, 'utf8')}`);
  }
  return dir;
}
describe('update.sh --local', () => {
  let dir: string;
  let tenant: string;
  let apiPort: number;
  const web = () => join(dir, 'web');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ops-update-'));
    tenant = join(dir, 'tenant');
    mkdirSync(join(tenant, 'data'), { recursive: true });
    mkdirSync(web());
    // The stack reads the MIG XSDs from ../shared beside its checkout: the releases here sit beside a link to it.
    symlinkSync(join(ROOT, '..', 'shared'), join(dir, 'shared'));
    writeFileSync(join(web(), 'index.html'), '<!doctype html><title>e-invoice</title>');
    apiPort = await freePort();
    const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    writeFileSync(
      join(tenant, '.env'),
      `STACK_TENANT_CODE=upd\nSTACK_DATA_DIR=${tenant}/data\nSTACK_STATE_DIR=${tenant}/state\nSTACK_API_PORT=${apiPort}\nSTACK_PG_PORT=${ports[0]}\nSTACK_REDIS_PORT=${ports[1]}\nSTACK_MARIADB_PORT=${ports[2]}\nSTACK_TURNKEY_SIM_PORT=${ports[3]}\n`,
    );
  });
  afterAll(async () => {
    try {
      const pid = Number(readFileSync(join(tenant, 'state', 'stack.pid'), 'utf8'));
      if (pid && isAlive(pid)) await stopPid(pid, 'SIGTERM', 60_000);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  });

  const dbState = async () => {
    const vars = parseEnvFile(readFileSync(join(tenant, 'state', 'tenant.env'), 'utf8'));
    const c = new pg.Client({ connectionString: vars.DATABASE_URL });
    await c.connect();
    try {
      const v = await c.query<{ v: string }>('SELECT max(version)::text AS v FROM sys_schema_version');
      const col = await c.query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'sys_tenants' AND column_name = 'update_probe'`,
      );
      const name = await c.query<{ name: string }>(`SELECT name FROM sys_tenants WHERE code = 'upd'`);
      return { version: v.rows[0]?.v, probe: col.rowCount === 1, name: name.rows[0]?.name };
    } finally {
      await c.end();
    }
  };
  const healthy = async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).status === 200;

  it('rolls a broken release back automatically, then takes a good one', async () => {
    const env = { STACK_WEB_DIST: web() };
    const inst = await run(join(ROOT, 'scripts/install.sh'), ['--local', 'upd', '--dir', tenant], env);
    expect(inst.code, inst.err + inst.out).toBe(0);
    const vars = parseEnvFile(readFileSync(join(tenant, 'state', 'tenant.env'), 'utf8'));
    const c = new pg.Client({ connectionString: vars.DATABASE_URL });
    await c.connect();
    await c.query(`UPDATE sys_tenants SET name = 'written before the update' WHERE code = 'upd'`);
    await c.end();
    const before = await dbState();

    const bad = makeRelease(join(dir, 'release-bad'), true);
    const r1 = await run(join(ROOT, 'scripts/update.sh'), ['--local', tenant, '--release', bad, '--timeout', '120'], env);
    expect(r1.code, r1.err).toBe(4);
    expect(r1.err).toContain('manual rollback, if ever needed:');
    expect(r1.err).toContain('rolling back');
    expect(readFileSync(join(tenant, 'state', 'stack.out'), 'utf8')).toContain('stack is up');
    expect(parseEnvFile(readFileSync(join(tenant, '.env'), 'utf8')).STACK_RELEASE).toBe(ROOT.replace(/\/$/, ''));
    expect(await healthy()).toBe(true);
    // The migration the broken release ran is undone with its data folder; what was written before stays.
    expect(await dbState()).toEqual({ ...before, name: 'written before the update' });
    expect(readdirSync(join(tenant, 'backups')).filter((f) => f.endsWith('.tar.gz'))).toHaveLength(1);

    const good = makeRelease(join(dir, 'release-good'), false);
    const r2 = await run(join(ROOT, 'scripts/update.sh'), ['--local', tenant, '--release', good, '--timeout', '120'], env);
    expect(r2.code, r2.err).toBe(0);
    expect(parseEnvFile(readFileSync(join(tenant, '.env'), 'utf8')).STACK_RELEASE).toBe(good);
    expect(await healthy()).toBe(true);
    expect(await dbState()).toEqual({ version: '29990101000000', probe: true, name: 'written before the update' });
    expect(readdirSync(join(tenant, 'backups')).filter((f) => f.endsWith('.tar.gz'))).toHaveLength(2);
    // The original checkout is untouched by the copies' changes.
    expect(readFileSync(join(ROOT, 'packages/db/src/schema-version.generated.ts'), 'utf8')).not.toContain('29990101000000');
  }, 300_000);

  it('answers --help and refuses bad usage with 2', async () => {
    const h = await run(join(ROOT, 'scripts/update.sh'), ['--help'], {});
    expect(h.code).toBe(0);
    expect(h.out).toContain('--local DIR --release PATH');
    const b = await run(join(ROOT, 'scripts/update.sh'), ['--local', tenant], {});
    expect(b.code).toBe(2);
    expect(b.err).toContain('--local needs --release PATH');
    expect((await run(join(ROOT, 'scripts/update.sh'), ['--compose', tenant], {})).err).toContain('--compose needs --tag TAG');
  });
});
