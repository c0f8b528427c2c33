/**
 * Maintenance (read-only) mode from the shell, straight in the database: for ops when the API is down, and
 * for the export and upgrade scripts. The running API processes follow within 2 s (plugins/write-guard.ts).
 *
 *   scripts/maintenance.sh status
 *   scripts/maintenance.sh on [reason…]
 *   scripts/maintenance.sh off
 *
 * Reads DATABASE_URL and TENANT_CODE (deploy/.env). Exit codes: 0 done (status: 0 off, 3 on), 2 bad usage,
 * 1 failure (database unreachable, tenant unknown).
 */
import { createDb, createPool } from '@app/db';
import { getMaintenance, setMaintenance } from './maintenance-lib.ts';

const USAGE = `usage: scripts/maintenance.sh status | on [reason…] | off
  Maintenance (read-only) mode: writes get 503 MAINTENANCE, reads work; the API follows within 2 s.
  Needs DATABASE_URL and TENANT_CODE in the environment (deploy/.env).
  Exit: 0 done (status: 0 = off, 3 = on), 1 failure, 2 bad usage.`;

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (cmd !== 'status' && cmd !== 'on' && cmd !== 'off') {
    console.error(USAGE);
    return 2;
  }
  const reason = rest.join(' ').trim();
  if (reason.length > 200) {
    console.error('the reason is at most 200 characters');
    return 2;
  }
  const url = process.env.DATABASE_URL;
  const tenantCode = process.env.TENANT_CODE;
  if (!url || !tenantCode) {
    console.error('DATABASE_URL and TENANT_CODE must be set (source deploy/.env)');
    return 2;
  }
  const db = createDb(createPool({ connectionString: url, max: 1 }));
  try {
    if (cmd !== 'status')
      await setMaintenance(db, tenantCode, cmd === 'on', reason || null, `script:${process.env.USER ?? 'ops'}`);
    const m = await getMaintenance(db, tenantCode);
    console.log(
      m.enabled
        ? `maintenance: on since ${m.since?.toISOString()} by ${m.by ?? '?'}${m.reason ? ` (${m.reason})` : ''}`
        : 'maintenance: off',
    );
    return cmd === 'status' && m.enabled ? 3 : 0;
  } catch (e) {
    console.error(`maintenance: ${(e as Error).message}`);
    return 1;
  } finally {
    await db.destroy();
  }
}

process.exitCode = await main();
