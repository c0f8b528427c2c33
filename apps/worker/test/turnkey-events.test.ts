/**
 * The events of the Turnkey pipeline and the certificate watch, against real PostgreSQL: each is written in
 * the same statement as the change it announces, once, and its payload is what the catalogue says
 * (parsed with the catalogue's own schema).
 *
 * - TurnkeyUploadSuccess: one per hand-off batch, naming each message handed off;
 * - TurnkeyUploadFailed: one per message that became invalid or dead;
 * - InvoiceProcessed: one per verdict recorded (accepted / rejected with code and text); a second verdict for
 *   the same message (the other source) changes nothing and announces nothing;
 * - CertificateExpiring: once per threshold (30, 14, 7, 1 days, expired), the nearest when several are crossed
 *   at once, again after the date is changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rendered } from '@app/api/services';
import { EVENTS, type EventType } from '@app/jobs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateWatchHandler } from '../src/jobs/certificate.watch.ts';
import { type DueMessage, handOffBatch } from '../src/turnkey/handoff.ts';
import { settleMessages } from '../src/turnkey/settle.ts';
import { openTestDb, type TestDb } from './helpers.ts';

let t: TestDb;
let tenant: string;
let sellerId: string;
let root: string;

const events = async (type: EventType) => {
  const rows = await t.db
    .selectFrom('sys_outbox')
    .select(['event_type', 'event_version', 'aggregate_id', 'payload'])
    .where('event_type', '=', type)
    .orderBy('id')
    .execute();
  for (const r of rows) {
    expect(r.event_version).toBe(EVENTS[type].version);
    EVENTS[type].payload.parse(r.payload);
  }
  return rows.map((r) => ({ aggregateId: r.aggregate_id, payload: r.payload as Record<string, any> }));
};

async function queue(n: number, prefix: string): Promise<string[]> {
  const rows = await t.db
    .insertInto('turnkey_messages')
    .values(
      Array.from({ length: n }, (_, i) => ({
        message_type: 'E0402',
        seller_id: sellerId,
        year_month: '11410',
        identifier: `E0402${prefix}${i}`,
        chain: `E0402${prefix}${i}`,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

const run = (render: (ms: DueMessage[]) => Promise<Map<string, Rendered>>, retryDelaysMs?: number[]) =>
  handOffBatch({ db: t.db, root, render, ...(retryDelaysMs ? { retryDelaysMs } : {}) });

beforeAll(async () => {
  t = await openTestDb();
  tenant = (await t.db.insertInto('sys_tenants').values({ code: 'events', name: 'E' }).returning('id').executeTakeFirstOrThrow())
    .id;
  sellerId = (
    await t.db
      .insertInto('sellers')
      .values({ tenant_id: tenant, ban: '04595257', name: 'S', address: '台北市' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});
beforeEach(async () => {
  await t.db.deleteFrom('turnkey_messages').execute();
  await t.db.deleteFrom('sys_outbox').execute();
  root = mkdtempSync(join(tmpdir(), 'turnkey-events-'));
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await t.close();
});

describe('Turnkey pipeline events', () => {
  it('one TurnkeyUploadSuccess per batch naming each message; one TurnkeyUploadFailed per invalid message', async () => {
    const ids = await queue(4, 'A');
    const r = await run(
      async (ms) => new Map(ms.map((m, i) => [m.id, i === 2 ? { error: 'no blank numbers' } : { xml: '<x/>' }])),
    );
    expect(r).toMatchObject({ claimed: 4, delivered: 3, invalid: 1 });
    const ok = await events('TurnkeyUploadSuccess');
    expect(ok).toHaveLength(1);
    expect(ok[0]?.payload.count).toBe(3);
    expect(ok[0]?.payload.messages.map((m: { messageId: string }) => m.messageId)).toEqual([ids[0], ids[1], ids[3]]);
    expect(ok[0]?.payload.messages[0]).toMatchObject({ messageType: 'E0402', identifier: 'E0402A0' });
    expect(ok[0]?.payload.messages[0].fileName).toMatch(/_E0402_E0402A0_\d+\.xml$/);
    const failed = await events('TurnkeyUploadFailed');
    expect(failed).toEqual([
      {
        aggregateId: ids[2],
        payload: {
          messageId: ids[2],
          messageType: 'E0402',
          identifier: 'E0402A2',
          sellerId,
          status: 'invalid',
          error: 'no blank numbers',
          attempts: 1,
        },
      },
    ]);
    // Nothing due: no batch, no event.
    expect((await run(async () => new Map())).claimed).toBe(0);
    expect(await events('TurnkeyUploadSuccess')).toHaveLength(1);
  });

  it('a message whose writes all fail becomes dead with one TurnkeyUploadFailed', async () => {
    const [id] = await queue(1, 'D');
    // The root is a file, not a folder: every write fails.
    rmSync(root, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.writeFileSync(root, 'not a folder'));
    try {
      expect((await run(async (ms) => new Map(ms.map((m) => [m.id, { xml: '<x/>' }])), [])).dead).toBe(1);
    } finally {
      rmSync(root, { force: true });
    }
    const failed = await events('TurnkeyUploadFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.payload).toMatchObject({ messageId: id, status: 'dead', attempts: 1 });
    expect(failed[0]?.payload.error).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    expect(await events('TurnkeyUploadSuccess')).toEqual([]);
  });

  it('InvoiceProcessed once per verdict; a later verdict for the same message changes and announces nothing', async () => {
    const [a, b, c] = await queue(3, 'V');
    await run(async (ms) => new Map(ms.map((m) => [m.id, { xml: '<x/>' }])));
    const n = await settleMessages(t.db, [
      { id: a as string, outcome: 'accepted' },
      { id: b as string, outcome: 'rejected', code: 'E0402', text: '空白未使用字軌重複 | duplicate' },
    ]);
    expect(n).toBe(2);
    // The other source answers again (and differently): nothing changes.
    expect(await settleMessages(t.db, [{ id: b as string, outcome: 'accepted' }])).toBe(0);
    const processed = await events('InvoiceProcessed');
    expect(processed.map((e) => [e.aggregateId, e.payload.outcome, e.payload.code])).toEqual([
      [a, 'accepted', null],
      [b, 'rejected', 'E0402'],
    ]);
    expect(processed[1]?.payload).toMatchObject({
      messageType: 'E0402',
      identifier: 'E0402V1',
      sellerId,
      message: '空白未使用字軌重複 | duplicate',
      yearMonth: '11410',
      invoiceNumber: null,
    });
    const states = await t.db.selectFrom('turnkey_messages').select(['id', 'status']).orderBy('id').execute();
    expect(states.map((s) => s.status)).toEqual(['accepted', 'rejected', 'delivered']);
    expect(states[2]?.id).toBe(c);
  });
});

describe('certificate.watch', () => {
  const at = (iso: string) => new Date(`${iso}T01:00:00Z`); // 09:00 Asia/Taipei
  const setExpiry = (date: string | null) =>
    t.db
      .updateTable('sellers')
      .set({ certificate_expires_at: date, certificate_alerted_days: null })
      .where('id', '=', sellerId)
      .execute();
  const watch = (iso: string) => createCertificateWatchHandler({ db: t.db, now: () => at(iso) })({}, {} as never);

  it('announces 30, 14, 7, 1 days before and on expiry, each once; several crossed at once → the nearest only', async () => {
    await setExpiry('2026-12-31');
    expect(await watch('2026-11-20')).toBe('skipped'); // 41 days left
    expect(await watch('2026-12-01')).toBe('done'); // 30 days left
    expect(await watch('2026-12-01')).toBe('skipped'); // the same day again
    expect(await watch('2026-12-10')).toBe('skipped'); // 21 days: no new threshold
    expect(await watch('2026-12-24')).toBe('done'); // 7 days: 14 was skipped (the job did not run), 7 announced
    expect(await watch('2026-12-30')).toBe('done'); // 1 day
    expect(await watch('2027-01-02')).toBe('done'); // expired
    expect(await watch('2027-01-03')).toBe('skipped');
    const sent = await events('CertificateExpiring');
    expect(sent.map((e) => e.payload.daysLeft)).toEqual([30, 7, 1, -2]);
    expect(sent[0]?.payload).toEqual({ sellerId, ban: '04595257', name: 'S', expiresAt: '2026-12-31', daysLeft: 30 });

    // A renewed certificate: the announcements start over for the new date.
    await setExpiry('2027-12-31');
    expect(await watch('2027-01-03')).toBe('skipped');
    expect(await watch('2027-12-17')).toBe('done'); // 14 days (30 was not watched)
    expect((await events('CertificateExpiring')).map((e) => e.payload.daysLeft)).toEqual([30, 7, 1, -2, 14]);
  });

  it('ignores sellers without a date and disabled sellers', async () => {
    await setExpiry(null);
    expect(await watch('2026-12-01')).toBe('skipped');
    await setExpiry('2026-12-02');
    await t.db.updateTable('sellers').set({ status: 'disabled' }).where('id', '=', sellerId).execute();
    try {
      expect(await watch('2026-12-01')).toBe('skipped');
    } finally {
      await t.db.updateTable('sellers').set({ status: 'active' }).where('id', '=', sellerId).execute();
    }
  });
});
