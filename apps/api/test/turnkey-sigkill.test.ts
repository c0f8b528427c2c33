/**
 * The hand-off survives a SIGKILL of the worker process (issue 4, item 10): the real worker
 * (apps/worker/src/main.ts) is killed while a batch is half done — some of its files are in SRC, not yet
 * marked delivered. Another worker process takes over once the batch's lease runs out. In the end every
 * message is delivered, SRC holds exactly one file per message, and the files the killed worker had
 * written were not written again (same inode, same modification time): nothing lost, nothing sent twice.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@app/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';
import { startWorkerProcess as startWorker, type WorkerProcess } from './worker-process.ts';

const XSD_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'mig', 'xsd');
const N = 1_500;

let t: TestApp;
let admin: string;
let siteId: string;
let turnkeyRoot: string;
const workers: ChildProcess[] = [];
const src = () => join(turnkeyRoot, 'UpCast', 'B2SSTORAGE', 'F0401', 'SRC');
const srcFiles = () => {
  try {
    return readdirSync(src()).filter((f) => f.endsWith('.xml'));
  } catch {
    return [];
  }
};

function startWorkerProcess(): WorkerProcess {
  const w = startWorker(t);
  workers.push(w.child);
  return w;
}

const counts = async () => {
  const rows = await t.deps.db
    .selectFrom('turnkey_messages')
    .select((e) => ['status', e.fn.countAll<string>().as('n'), e.fn.max('attempts').as('attempts')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
};

beforeAll(async () => {
  turnkeyRoot = mkdtempSync(join(tmpdir(), 'einv-turnkey-kill-'));
  t = await createTestApp({
    TURNKEY_ROOT: turnkeyRoot,
    TURNKEY_XSD_DIR: XSD_DIR,
    // Small batches, so the kill lands inside one with others still to come; a short lease, so the
    // second worker need not wait two minutes for the killed one's batch.
    TURNKEY_HANDOFF_BATCH: '150',
    TURNKEY_HANDOFF_LANES: '1',
    TURNKEY_HANDOFF_LEASE_SECONDS: '3',
    RATE_LIMIT_GENERAL_PER_MINUTE: '100000',
  });
  ({ admin, siteId } = await setupIssuer(t, { booklets: 40 }));
  for (let b = 0; b < N / 500; b++) {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/invoices/batch',
      token: admin,
      payload: {
        invoices: Array.from({ length: 500 }, (_, i) => ({
          siteId,
          invoiceType: '07',
          printMark: 'Y',
          items: [{ description: `item ${b * 500 + i}`, quantity: '1', unitPrice: String(10 + (i % 90)) }],
        })),
      },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().issued, JSON.stringify(r.json().results?.[0])).toBe(500);
  }
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await t?.close();
  if (turnkeyRoot) rmSync(turnkeyRoot, { recursive: true, force: true });
});

describe('the Turnkey hand-off under SIGKILL', () => {
  it('a worker killed mid-batch: after a restart every message is in SRC exactly once, none written twice', async () => {
    expect(await counts()).toEqual({ pending: N });

    // Kill at the moment files are in SRC that the database does not yet call delivered: a batch half
    // done. The batch may complete between that look and the kill (a few ms): then the kill did not land
    // mid-batch, and another worker is started and killed the same way.
    let cut: { files: string[]; delivered: number } | null = null;
    for (let tries = 0; tries < 5 && !cut; tries++) {
      const w = startWorkerProcess();
      await waitFor(
        'a worker in the middle of writing a batch',
        async () => {
          const files = srcFiles();
          const delivered = (await counts()).delivered ?? 0;
          if (delivered >= N) throw new Error('every message was delivered before the kill could land');
          if (files.length <= delivered) return false;
          w.child.kill('SIGKILL');
          return true;
        },
        60_000,
        2,
      );
      expect(await w.exit).toBeNull();
      const files = srcFiles();
      const delivered = (await counts()).delivered ?? 0;
      if (files.length > delivered) cut = { files, delivered };
    }
    if (!cut) throw new Error('no kill landed in the middle of a batch in 5 tries');
    const written = new Map(
      cut.files.map((f) => {
        const st = statSync(join(src(), f));
        return [f, { ino: st.ino, mtimeMs: st.mtimeMs }];
      }),
    );
    const claimed = await t.deps.db
      .selectFrom('turnkey_messages')
      .select((e) => e.fn.countAll<string>().as('n'))
      .where('status', '=', 'pending')
      .where('attempts', '>', 0)
      .executeTakeFirstOrThrow();
    expect(Number(claimed.n)).toBeGreaterThan(0);

    const second = startWorkerProcess();
    // Files of the killed batch are in SRC unmarked; the rest of the messages are still to come.
    expect(cut.files.length).toBeGreaterThan(cut.delivered);
    await waitFor('the second worker to deliver every message', async () => (await counts()).delivered === N, 90_000, 200);
    second.child.kill('SIGTERM');
    await second.exit;

    expect(await counts()).toEqual({ delivered: N });
    const files = srcFiles();
    expect(files.length).toBe(N);
    const names = await t.deps.db.selectFrom('turnkey_messages').select(['file_name', 'attempts']).execute();
    expect(new Set(names.map((m) => m.file_name)).size).toBe(N);
    expect(names.map((m) => m.file_name as string).sort()).toEqual([...files].sort());
    // The files the killed worker wrote are the same files: not written a second time.
    for (const [f, was] of written) {
      const st = statSync(join(src(), f));
      expect({ f, ino: st.ino, mtimeMs: st.mtimeMs }).toEqual({ f, ...was });
    }
    // The killed batch was claimed twice; that retry found its files instead of writing them.
    expect(names.some((m) => m.attempts > 1)).toBe(true);
    // No temp file was renamed into SRC half-written: every file there is a whole document.
    for (const f of files.slice(0, 50)) expect(statSync(join(src(), f)).size).toBeGreaterThan(500);
  }, 180_000);
});
