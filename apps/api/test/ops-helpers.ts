/** Shared by the ops script tests (ops-backup, ops-move): run a script, hash a folder, fill a tenant with data. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { setupIssuer, type TestApp } from './helpers.ts';
import { issueAt, scopedUser } from './live-helpers.ts';

const SCRIPTS = fileURLToPath(new URL('../../../scripts/', import.meta.url));
export async function runScript(name: string, args: string[], env: Record<string, string> = {}) {
  // No EXPORT_PASSPHRASE or DATABASE_URL from the test process: each run says what it uses.
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(EXPORT_PASSPHRASE|DATABASE_URL|TENANT_CODE)$/.test(k)),
  );
  try {
    const r = await promisify(execFile)(join(SCRIPTS, name), args, { env: { ...clean, ...env }, maxBuffer: 10_000_000 });
    return { code: 0, out: r.stdout.trim(), err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout.trim(), err: x.stderr };
  }
}

/** Every file under `dir` with the SHA-256 of its content. */
export function folderHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else
        out[`${rel}${e.name}`] = createHash('sha256')
          .update(readFileSync(join(d, e.name)))
          .digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** Some of everything: a second user, invoices (one cancelled), audit rows, stored objects in nested folders, Turnkey files. */
export async function fillTenant(t: TestApp, turnkeyRoot: string): Promise<void> {
  const { admin, siteId } = await setupIssuer(t);
  await scopedUser(t, admin, 'clerk', 'all'); // signs in with clerk-password-1
  const numbers: string[] = [];
  for (let i = 0; i < 12; i++) numbers.push(await issueAt(t, admin, siteId));
  const c = await t.call({
    method: 'POST',
    url: `/api/v1/invoices/${numbers[0]}/cancel`,
    token: admin,
    payload: { reason: '客戶取消' },
  });
  expect(c.statusCode, c.body).toBe(200);
  await t.deps.storage.put('imports/2026/11/a.csv', 'seller,amount\n04595257,100\n');
  await t.deps.storage.put('imports/2026/11/b.xml', Buffer.from([0, 1, 2, 255, 254]));
  await t.deps.storage.put('e0501/2026/11/allocation.xml', `<x>${'a'.repeat(50_000)}</x>`);
  mkdirSync(join(turnkeyRoot, 'UpCast', 'B2SSTORAGE', 'F0401', 'SRC'), { recursive: true });
  writeFileSync(join(turnkeyRoot, 'UpCast', 'B2SSTORAGE', 'F0401', 'SRC', 'F0401_AB00000001.xml'), '<Invoice/>');
}
