/** Every change the platform must hear about queues its MIG message in the same transaction (turnkey_messages). */
import { randomUUID } from 'node:crypto';
import { taipeiIsoDate } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;

const items = [
  { description: '95無鉛汽油', quantity: '10', unit: 'L', unitPrice: '30' },
  { description: '洗車', quantity: '1', unitPrice: '150' },
];
const post = (url: string, payload: object, key: string = randomUUID()) =>
  t.call({ method: 'POST', url, token: admin, payload, idempotencyKey: key });
const messages = () =>
  t.deps.db
    .selectFrom('turnkey_messages')
    .select(['message_type', 'identifier', 'invoice_id', 'transition_id', 'allowance_id', 'status'])
    .orderBy('id')
    .execute();
const today = () => taipeiIsoDate(new Date()).replaceAll('-', '');

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId } = await setupIssuer(t));
});
afterAll(() => t.close());

describe('turnkey_messages', () => {
  it('issuing queues one F0401 in the issuing statement; a refusal or a replay queues nothing', async () => {
    const key = randomUUID();
    const r = await post('/api/v1/invoices', { siteId, items, printMark: 'Y' }, key);
    expect(r.statusCode).toBe(201);
    const inv = r.json();
    await post('/api/v1/invoices', { siteId, items, printMark: 'Y' }, key); // replay
    await post('/api/v1/invoices', { siteId, items, printMark: 'N' }); // refused: B2C must print or use a carrier
    expect(await messages()).toEqual([
      {
        message_type: 'F0401',
        identifier: `F0401${inv.invoiceNumber}${inv.invoiceDate.replaceAll('-', '')}`,
        invoice_id: inv.id,
        transition_id: null,
        allowance_id: null,
        status: 'pending',
      },
    ]);
  });

  it('cancel, void + re-issue, allowance and its cancel and void each queue their messages', async () => {
    await t.deps.db.deleteFrom('turnkey_messages').execute();
    const a = (await post('/api/v1/invoices', { siteId, items, printMark: 'Y' })).json();
    const b = (await post('/api/v1/invoices', { siteId, items, printMark: 'Y' })).json();
    expect((await post(`/api/v1/invoices/${a.invoiceNumber}/cancel`, { reason: '客戶退貨' })).statusCode).toBe(200);
    const voided = await post(`/api/v1/invoices/${b.invoiceNumber}/void`, {
      reason: '載具錯誤',
      reissue: { printMark: 'N', carrier: { type: '3J0002', id1: '/ABC+123', id2: '/ABC+123' } },
    });
    expect(voided.statusCode).toBe(200);
    const al1 = (
      await post(`/api/v1/invoices/${b.invoiceNumber}/allowances`, { items: [{ seq: 2, quantity: '1', amount: 50 }] })
    ).json();
    const al2 = (
      await post(`/api/v1/invoices/${b.invoiceNumber}/allowances`, { items: [{ seq: 2, quantity: '1', amount: 20 }] })
    ).json();
    expect((await post(`/api/v1/allowances/${al1.allowanceNumber}/cancel`, { reason: '開錯' })).statusCode).toBe(200);
    expect((await post(`/api/v1/allowances/${al2.allowanceNumber}/void`, { reason: '重開' })).statusCode).toBe(200);

    const rows = await messages();
    const d = today();
    expect(rows.map((m) => [m.message_type, m.identifier])).toEqual([
      ['F0401', `F0401${a.invoiceNumber}${a.invoiceDate.replaceAll('-', '')}`],
      ['F0401', `F0401${b.invoiceNumber}${b.invoiceDate.replaceAll('-', '')}`],
      ['F0501', `F0501${a.invoiceNumber}${d}`],
      // One transaction: the void, then the re-issue of the same number (its new version), in that order.
      ['F0701', `F0701${b.invoiceNumber}${d}`],
      ['F0401', `F0401${b.invoiceNumber}${b.invoiceDate.replaceAll('-', '')}`],
      ['G0401', `G0401${al1.allowanceNumber}${al1.allowanceDate.replaceAll('-', '')}`],
      ['G0401', `G0401${al2.allowanceNumber}${al2.allowanceDate.replaceAll('-', '')}`],
      ['G0501', `G0501${al1.allowanceNumber}${d}`],
      ['G0701', `G0701${al2.allowanceNumber}${d}`],
    ]);
    const v = voided.json();
    expect(rows[3]?.invoice_id).toBe(b.id);
    expect(rows[3]?.transition_id).not.toBeNull();
    expect(rows[4]?.invoice_id).toBe(v.id);
    expect(rows.every((m) => m.status === 'pending')).toBe(true);
    // The invoice's detail shows its number's messages and their state, oldest first.
    const detail = (await t.call({ url: `/api/v1/invoices/${b.invoiceNumber}`, token: admin })).json();
    expect(detail.turnkey.map((m: { messageType: string; status: string }) => `${m.messageType} ${m.status}`)).toEqual([
      'F0401 pending',
      'F0701 pending',
      'F0401 pending',
      'G0401 pending',
      'G0401 pending',
      'G0501 pending',
      'G0701 pending',
    ]);
  });
});
