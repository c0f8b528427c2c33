/**
 * Turnkey unreachable, then back (issue 4, items 5 and 10): invoices issued through the REST API, the
 * worker's jobs (in-process runtime, real Redis) and the Turnkey stand-in (real MariaDB, answering by itself
 * every 200 ms).
 *
 * - Turnkey down: the stand-in takes nothing and locks the database account the worker reads with. The
 *   hand-off still writes into SRC (the folder is there); the results job's breaker opens; nothing becomes
 *   dead, no try is spent. Turnkey back: the breaker lets a probe through by itself, and every invoice
 *   reaches accepted.
 * - Turnkey's folder gone (a lost mount): the hand-off's breaker opens before any message is claimed, so no
 *   message spends a try; the folder back, the messages are handed off and accepted.
 *
 * The breakers are the worker's own (`turnkey-folder`, `turnkey-database`); the test registers them first
 * with a short open time, so recovery takes half a second instead of thirty.
 */
import { randomUUID } from 'node:crypto';
import { renameSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { testConfig } from '@app/devkit/testing';
import { addJob, circuitBreakers, type JobName } from '@app/jobs';
import { createLogger } from '@app/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimUnderTest, startSim, startTestMariadb, type TestMariadb } from '../../turnkey-sim/test/helpers.ts';
import { type Runtime, startRuntime } from '../../worker/src/runtime.ts';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

const folderBreaker = circuitBreakers.get({ name: 'turnkey-folder', failureThreshold: 1, openMs: 500 });
const databaseBreaker = circuitBreakers.get({
  name: 'turnkey-database',
  failureThreshold: 1,
  openMs: 500,
  callTimeoutMs: 15_000,
});

let t: TestApp;
let admin: string;
let siteId: string;
let mariadb: TestMariadb;
let sim: SimUnderTest;
let runtime: Runtime;
const reader = `reader_${process.pid}`;

const issue = async () => {
  const r = await t.call({
    method: 'POST',
    url: '/api/v1/invoices',
    token: admin,
    payload: { siteId, items: [{ description: '95無鉛汽油', quantity: '20', unit: 'L', unitPrice: '31' }], printMark: 'Y' },
    idempotencyKey: randomUUID(),
  });
  if (r.statusCode !== 201) throw new Error(`issue: ${r.statusCode} ${r.body}`);
  const inv = r.json();
  return `F0401${inv.invoiceNumber}${inv.invoiceDate.replaceAll('-', '')}`;
};
const states = async (identifiers: string[]) =>
  (
    await t.deps.db
      .selectFrom('turnkey_messages')
      .select(['identifier', 'status', 'attempts'])
      .where('identifier', 'in', identifiers)
      .orderBy('id')
      .execute()
  ).map((m) => ({ status: m.status, attempts: m.attempts }));
const deadLetters = async () =>
  Number(
    (
      await t.deps.db
        .selectFrom('sys_dead_letters')
        .select((e) => e.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Add `job` every 100 ms (as its schedule would, faster) until `check` holds. */
async function runUntil(what: string, job: JobName, check: () => Promise<boolean>, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await addJob(runtime.queues, job, {});
    await sleep(100);
    if (await check()) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId } = await setupIssuer(t));
  mariadb = await startTestMariadb();
  mariadb.exec(`CREATE USER IF NOT EXISTS '${reader}'@'%' IDENTIFIED BY 'reader-pw'`);
  sim = await startSim(mariadb, { TURNKEY_SIM_DOWN_LOCK_ACCOUNTS: `${reader}@%`, TURNKEY_SIM_POLL_MS: '200' });
  mariadb.exec(`GRANT SELECT ON ${sim.database}.* TO '${reader}'@'%'`);
  runtime = startRuntime({
    config: testConfig(t.dbUrl, {
      TURNKEY_ROOT: sim.root,
      TURNKEY_DB_URL: mariadb.url({ user: reader, password: 'reader-pw', database: sim.database }),
    }),
    db: t.deps.db,
    log: createLogger({ name: 'worker-test', level: 'silent' }),
  });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
  await sim?.close();
  await mariadb?.close();
  await t?.close();
});

describe('Turnkey unreachable, then back', () => {
  it('Turnkey down: files still handed off, the results breaker opens, nothing dies; back up: all accepted by themselves', async () => {
    const down = await sim.control('PUT', '/mode', { mode: 'down' });
    expect(down).toMatchObject({ status: 200, body: { mode: 'down' } });
    const ids = [await issue(), await issue(), await issue()];

    await runUntil('the hand-off', 'turnkey.handoff', async () => (await states(ids)).every((m) => m.status === 'delivered'));
    await runUntil('the results breaker to open', 'turnkey.results', async () => databaseBreaker.state() === 'open');
    // Several runs refused while open: still delivered, one try each (the hand-off's), nothing dead.
    for (let i = 0; i < 5; i++) await addJob(runtime.queues, 'turnkey.results', {});
    await sleep(300);
    expect(await states(ids)).toEqual(ids.map(() => ({ status: 'delivered', attempts: 1 })));
    expect(await deadLetters()).toBe(0);

    await sim.control('PUT', '/mode', { mode: 'accept' });
    await runUntil('every invoice accepted', 'turnkey.results', async () =>
      (await states(ids)).every((m) => m.status === 'accepted'),
    );
    expect(databaseBreaker.state()).toBe('closed');
    expect(await deadLetters()).toBe(0);
  }, 90_000);

  it("Turnkey's folder gone: the hand-off's breaker opens before anything is claimed; the folder back, all accepted", async () => {
    renameSync(sim.root, `${sim.root}.away`);
    let restored = false;
    try {
      const ids = [await issue(), await issue()];
      await runUntil('the folder breaker to open', 'turnkey.handoff', async () => folderBreaker.state() === 'open');
      for (let i = 0; i < 5; i++) await addJob(runtime.queues, 'turnkey.handoff', {});
      await sleep(300);
      // Not claimed: no try spent, so a long outage cannot turn messages dead.
      expect(await states(ids)).toEqual(ids.map(() => ({ status: 'pending', attempts: 0 })));

      renameSync(`${sim.root}.away`, sim.root);
      restored = true;
      await runUntil('the hand-off after the folder came back', 'turnkey.handoff', async () =>
        (await states(ids)).every((m) => m.status !== 'pending'),
      );
      expect(folderBreaker.state()).toBe('closed');
      await runUntil('every invoice accepted', 'turnkey.results', async () =>
        (await states(ids)).every((m) => m.status === 'accepted'),
      );
      expect(await deadLetters()).toBe(0);
    } finally {
      if (!restored) renameSync(`${sim.root}.away`, sim.root);
    }
  }, 90_000);
});
