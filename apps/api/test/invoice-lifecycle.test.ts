/**
 * The invoice lifecycle over HTTP: cancel (作廢 F0501), void + re-issue (註銷 F0701 → F0401), allowances (折讓
 * G0401) and their cancel (G0501) and void (G0701). Legal and illegal transitions, the cancel window, what is
 * left to allow, status history, retries, outbox and audit rows, data scopes and concurrent transitions.
 */
import { randomUUID } from 'node:crypto';
import { cancelDeadline, parseYearMonth, taipeiIsoDate } from '@app/domain';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let sellerId: string;
let siteId: string;
let otherSiteId: string;
/** An ERP client scoped to site 1, and one scoped to site 2 of the same seller. */
let erpHere: string;
let erpThere: string;
let pos: string;
const BAN = '04595257';
const BUYER = '22099131';

const items = [
  { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' }, // 640
  { description: '洗車', quantity: '1', unitPrice: '150' }, // 150
  { description: '礦泉水', quantity: '2', unitPrice: '20' }, // 40
];

const post = (url: string, payload: object, token = admin, key?: string) =>
  t.call({ method: 'POST', url, token, payload, ...(key ? { idempotencyKey: key } : {}) });
const get = (url: string, token = admin) => t.call({ url, token });

async function issue(body: object = {}): Promise<Record<string, any>> {
  const r = await post('/api/v1/invoices', { siteId, items, printMark: 'Y', ...body });
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
}
const cancel = (n: string, body: object = { reason: '客戶取消' }, token = admin, key?: string) =>
  post(`/api/v1/invoices/${n}/cancel`, body, token, key);
const voidInvoice = (n: string, body: object, token = admin, key?: string) =>
  post(`/api/v1/invoices/${n}/void`, body, token, key);
const allow = (n: string, body: object, token = admin, key?: string) =>
  post(`/api/v1/invoices/${n}/allowances`, body, token, key);
const endAllowance = (a: string, kind: 'cancel' | 'void', reason = '開錯', token = admin, key?: string) =>
  post(`/api/v1/allowances/${a}/${kind}`, { reason }, token, key);

const outboxOf = (aggregateId: string) =>
  t.deps.db
    .selectFrom('sys_outbox')
    .select(['event_type', 'payload', 'aggregate_type'])
    .where('aggregate_id', '=', aggregateId)
    .orderBy('id')
    .execute();
const auditOf = (targetId: string) =>
  t.deps.db
    .selectFrom('sys_audit_logs')
    .select(['action', 'outcome', 'status_code', 'target_type', 'summary'])
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();

/** The app on a clock of our choosing (and optionally other settings), sharing the test app's database. */
async function clockedApp(at: Date, config: Partial<TestApp['deps']['config']> = {}) {
  let now = at;
  const app: FastifyInstance = await buildApp({ ...t.deps, config: { ...t.deps.config, ...config }, now: () => now });
  await app.ready();
  return {
    set: (d: Date) => {
      now = d;
    },
    post: (url: string, payload: object) =>
      app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${admin}`, 'idempotency-key': randomUUID() },
        payload,
      }),
    close: () => app.close(),
  };
}

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000', RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, sellerId, siteId } = await setupIssuer(t));
  otherSiteId = (await post(`/api/v1/sellers/${sellerId}/sites`, { code: 'S2', name: 'Site 2' })).json().id;
  const client = async (sites: string[]) => {
    const c = (
      await post('/api/v1/clients', {
        name: `ERP ${sites[0]}`,
        kind: 'erp',
        roles: ['erp'],
        scope: { all: false, sellers: [], sites },
      })
    ).json();
    return t.clientToken(c.clientId, c.clientSecret);
  };
  erpHere = await client([siteId]);
  erpThere = await client([otherSiteId]);
  const p = (
    await post('/api/v1/clients', {
      name: 'POS',
      kind: 'pos',
      roles: ['pos'],
      scope: { all: false, sellers: [], sites: [siteId] },
    })
  ).json();
  pos = await t.clientToken(p.clientId, p.clientSecret);
});
afterAll(() => t?.close());

describe('cancel (作廢, F0501)', () => {
  it('cancels an issued invoice: status, history, outbox event and audit entry in one go', async () => {
    const inv = await issue();
    const r = await cancel(inv.invoiceNumber, { reason: '  客戶\n\t退貨  ', returnTaxDocumentNumber: 'A-1', remark: '備註' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      id: inv.id,
      invoiceNumber: inv.invoiceNumber,
      yearMonth: inv.yearMonth,
      status: 'cancelled',
      reason: '客戶 退貨', // XML whitespace collapse
      returnTaxDocumentNumber: 'A-1',
      remark: '備註',
    });
    const detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail.status).toBe('cancelled');
    expect(detail.history.map((h: { kind: string }) => h.kind)).toEqual(['issued', 'cancelled']);
    expect(detail.history[0]).toMatchObject({ invoiceId: inv.id, at: inv.invoiceTime, reason: null });
    expect(detail.history[1]).toMatchObject({
      invoiceId: inv.id,
      reason: '客戶 退貨',
      returnTaxDocumentNumber: 'A-1',
      remark: '備註',
      by: expect.stringMatching(/^user:/),
      requestId: expect.any(String),
    });
    const events = await outboxOf(inv.invoiceNumber);
    expect(events.map((e) => e.event_type)).toEqual(['InvoiceIssued', 'InvoiceCancelled']);
    expect(events[1]!.payload).toMatchObject({
      invoiceId: inv.id,
      reason: '客戶 退貨',
      sellerId,
      siteId,
      yearMonth: inv.yearMonth,
    });
    const audit = await auditOf(inv.invoiceNumber);
    expect(audit.map((a) => [a.action, a.outcome])).toEqual([
      ['invoice.issue', 'success'],
      ['invoice.cancel', 'success'],
    ]);
    expect(audit[1]!.summary).toMatchObject({ before: { status: 'issued' }, after: { status: 'cancelled' } });
  });

  it('refuses a cancelled invoice (INVOICE_NOT_ISSUED), an unknown number (404) and bad reasons (400)', async () => {
    const inv = await issue();
    expect((await cancel(inv.invoiceNumber)).statusCode).toBe(200);
    const again = await cancel(inv.invoiceNumber);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('INVOICE_NOT_ISSUED');
    // A refused transition is audited as a failure too.
    expect((await auditOf(inv.invoiceNumber)).at(-1)).toMatchObject({
      action: 'invoice.cancel',
      outcome: 'failure',
      status_code: 409,
    });
    expect((await voidInvoice(inv.invoiceNumber, { reason: 'x', reissue: { printMark: 'Y' } })).json().code).toBe(
      'INVOICE_NOT_ISSUED',
    );
    expect((await allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 10 }] })).json().code).toBe(
      'INVOICE_NOT_ISSUED',
    );
    const unknown = await cancel('ZZ99999999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('NOT_FOUND');
    const other = await issue();
    for (const reason of ['', '   \n ', 'x'.repeat(21)]) {
      const r = await cancel(other.invoiceNumber, { reason });
      expect(r.statusCode).toBe(400);
      expect(r.json().details[0].field).toBe('body.reason');
    }
    expect((await cancel(other.invoiceNumber, { reason: `  ${'x'.repeat(20)}  ` })).statusCode).toBe(200); // 20 after collapse
    expect((await cancel(other.invoiceNumber, {})).json().details[0].field).toBe('body.reason');
    const long = await cancel(other.invoiceNumber, { reason: 'r', returnTaxDocumentNumber: 'x'.repeat(61) });
    expect(long.json().details[0].field).toBe('body.returnTaxDocumentNumber');
  });

  it('refuses once an allowance is active, and allows again once it is cancelled', async () => {
    const inv = await issue();
    const a = (await allow(inv.invoiceNumber, { items: [{ seq: 2, quantity: '1', amount: 50 }] })).json();
    const r = await cancel(inv.invoiceNumber);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'INVOICE_HAS_ALLOWANCES', details: { activeAllowances: 1 } });
    expect((await endAllowance(a.allowanceNumber, 'cancel')).statusCode).toBe(200);
    expect((await cancel(inv.invoiceNumber)).statusCode).toBe(200);
  });

  it('closes CANCEL_GRACE_DAYS after the period ends (the boundary, on a controlled clock)', async () => {
    const inv = await issue();
    const inv2 = await issue();
    const period = parseYearMonth(inv.yearMonth)!;
    const deadline = cancelDeadline(period, 15);
    expect(deadline.getTime() - period.end.getTime()).toBe(15 * 86_400_000);
    const clock = await clockedApp(new Date(deadline.getTime() - 1));
    try {
      // The last millisecond of the 15th of the next month.
      expect((await clock.post(`/api/v1/invoices/${inv.invoiceNumber}/cancel`, { reason: '期限內' })).statusCode).toBe(200);
      clock.set(deadline);
      const late = await clock.post(`/api/v1/invoices/${inv2.invoiceNumber}/cancel`, { reason: '逾期' });
      expect(late.statusCode).toBe(409);
      expect(late.json()).toMatchObject({ code: 'INVOICE_CANCEL_WINDOW_CLOSED', details: { deadline: deadline.toISOString() } });
    } finally {
      await clock.close();
    }
    // A grace of 0 closes at the period end itself.
    const zero = await clockedApp(period.end, { CANCEL_GRACE_DAYS: 0 });
    try {
      expect((await zero.post(`/api/v1/invoices/${inv2.invoiceNumber}/cancel`, { reason: 'x' })).json().code).toBe(
        'INVOICE_CANCEL_WINDOW_CLOSED',
      );
    } finally {
      await zero.close();
    }
    // On the real clock the invoice of this period can still be cancelled.
    expect((await cancel(inv2.invoiceNumber)).statusCode).toBe(200);
  });

  it('an invoice of a period long closed cannot be cancelled but takes a cross-period allowance (當期作廢、跨期折讓)', async () => {
    const inv = await issue();
    const later = new Date(parseYearMonth(inv.yearMonth)!.end.getTime() + 100 * 86_400_000);
    const clock = await clockedApp(later);
    try {
      const r = await clock.post(`/api/v1/invoices/${inv.invoiceNumber}/cancel`, { reason: '太晚' });
      expect(r.statusCode).toBe(409);
      expect(r.json().code).toBe('INVOICE_CANCEL_WINDOW_CLOSED');
      const a = await clock.post(`/api/v1/invoices/${inv.invoiceNumber}/allowances`, {
        items: [{ seq: 2, quantity: '1', amount: 105 }],
      });
      expect(a.statusCode, a.body).toBe(201);
      expect(a.json()).toMatchObject({
        yearMonth: inv.yearMonth,
        invoiceDate: inv.invoiceDate,
        allowanceDate: taipeiIsoDate(later), // default: today on the (controlled) clock
        totalAmount: 100,
        taxAmount: 5,
      });
      // The allowance date may lie between the invoice date and today, not outside.
      const dayBefore = new Date(Date.parse(`${inv.invoiceDate}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const early = await clock.post(`/api/v1/invoices/${inv.invoiceNumber}/allowances`, {
        items: [{ seq: 3, quantity: '1', amount: 1 }],
        allowanceDate: dayBefore,
      });
      expect(early.json().details[0].field).toBe('body.allowanceDate');
      const onDate = await clock.post(`/api/v1/invoices/${inv.invoiceNumber}/allowances`, {
        items: [{ seq: 3, quantity: '1', amount: 1 }],
        allowanceDate: inv.invoiceDate,
      });
      expect(onDate.statusCode).toBe(201);
      expect(onDate.json().allowanceDate).toBe(inv.invoiceDate);
    } finally {
      await clock.close();
    }
  });
});

describe('allowances (折讓, G0401 / G0501 / G0701)', () => {
  it('splits each line into untaxed amount and tax, numbers it per seller, and keeps what is left per item', async () => {
    const inv = await issue();
    const r = await allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '20.5', amount: '600' }], remark: '單價調整' });
    expect(r.statusCode, r.body).toBe(201);
    const a = r.json();
    expect(a.allowanceNumber).toMatch(new RegExp(`^${BAN}\\d{8}$`));
    expect(a).toMatchObject({
      allowanceType: '2',
      status: 'issued',
      invoiceNumber: inv.invoiceNumber,
      invoiceId: inv.id,
      buyerBan: null,
      totalAmount: 571, // 600 / 1.05 = 571.43 → 571
      taxAmount: 29,
      grossAmount: 600,
      remark: '單價調整',
      reason: null,
      endedAt: null,
    });
    expect(a.items).toEqual([
      {
        seq: 1,
        originalSeq: 1,
        description: '95無鉛汽油',
        quantity: '20.5',
        unit: 'L',
        unitPrice: '27.8536585', // 571 / 20.5
        taxType: '1',
        amount: 600,
        untaxedAmount: 571,
        tax: 29,
      },
    ]);
    // What is left of item 1 is 40: 41 is refused, naming the item and the line.
    const over = await allow(inv.invoiceNumber, {
      items: [
        { seq: 2, quantity: '1', amount: 10 },
        { seq: 1, quantity: '1', amount: 41 },
      ],
    });
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({
      code: 'ALLOWANCE_EXCEEDS_REMAINING',
      details: { field: 'body.items.1.amount', seq: 1, remaining: 40, requested: 41 },
    });
    const second = await allow(inv.invoiceNumber, {
      items: [
        { seq: 1, quantity: 1, amount: 40 },
        { seq: 2, quantity: '1', amount: 150, description: '洗車退費' },
      ],
    });
    expect(second.statusCode, second.body).toBe(201);
    expect(Number(second.json().allowanceNumber.slice(8))).toBe(Number(a.allowanceNumber.slice(8)) + 1);
    expect(second.json().items.map((i: { seq: number; description: string }) => [i.seq, i.description])).toEqual([
      [1, '95無鉛汽油'],
      [2, '洗車退費'],
    ]);
    let detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail.allowances.map((x: { allowanceNumber: string }) => x.allowanceNumber)).toEqual([
      a.allowanceNumber,
      second.json().allowanceNumber,
    ]);
    expect(detail.remaining).toEqual({
      totalAmount: 40,
      items: [
        { seq: 1, amount: 640, allowed: 640, remaining: 0 },
        { seq: 2, amount: 150, allowed: 150, remaining: 0 },
        { seq: 3, amount: 40, allowed: 0, remaining: 40 },
      ],
    });
    expect((await allow(inv.invoiceNumber, { items: [{ seq: 2, quantity: '1', amount: 1 }] })).json().code).toBe(
      'ALLOWANCE_EXCEEDS_REMAINING',
    );

    // Cancelling the first frees its 600; voiding the second frees its 190.
    const c = await endAllowance(a.allowanceNumber, 'cancel', ' 金額\n有誤 ');
    expect(c.statusCode, c.body).toBe(200);
    expect(c.json()).toMatchObject({ status: 'cancelled', reason: '金額 有誤', endedAt: expect.any(String) });
    detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail.remaining.items[0]).toEqual({ seq: 1, amount: 640, allowed: 40, remaining: 600 });
    expect(detail.remaining.totalAmount).toBe(640);
    expect((await allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 600 }] })).statusCode).toBe(201);
    const v = await endAllowance(second.json().allowanceNumber, 'void');
    expect(v.json()).toMatchObject({ status: 'voided', reason: '開錯' });
    detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail.remaining.items.map((i: { remaining: number }) => i.remaining)).toEqual([40, 150, 40]);
    expect(detail.allowances.map((x: { status: string }) => x.status)).toEqual(['cancelled', 'voided', 'issued']);

    // An ended allowance cannot end again.
    for (const [n, kind] of [
      [a.allowanceNumber, 'cancel'],
      [a.allowanceNumber, 'void'],
      [second.json().allowanceNumber, 'cancel'],
    ] as const) {
      const r2 = await endAllowance(n, kind);
      expect(r2.statusCode).toBe(409);
      expect(r2.json().code).toBe('ALLOWANCE_NOT_ACTIVE');
    }
    // GET answers each allowance; events and audit entries were written for each step.
    expect((await get(`/api/v1/allowances/${a.allowanceNumber}`)).json()).toMatchObject({
      status: 'cancelled',
      grossAmount: 600,
    });
    expect((await outboxOf(a.allowanceNumber)).map((e) => e.event_type)).toEqual(['AllowanceIssued', 'AllowanceCancelled']);
    expect((await outboxOf(second.json().allowanceNumber)).map((e) => e.event_type)).toEqual([
      'AllowanceIssued',
      'AllowanceVoided',
    ]);
    expect((await outboxOf(a.allowanceNumber))[0]!.payload).toMatchObject({
      allowanceNumber: a.allowanceNumber,
      invoiceNumber: inv.invoiceNumber,
      totalAmount: 571,
      taxAmount: 29,
    });
    expect((await auditOf(a.allowanceNumber)).map((x) => [x.action, x.outcome])).toEqual([
      ['allowance.issue', 'success'],
      ['allowance.cancel', 'success'],
      ['allowance.cancel', 'failure'],
      ['allowance.void', 'failure'],
    ]);
    const rows = await t.deps.db
      .selectFrom('allowances')
      .select(['status'])
      .where('invoice_number', '=', inv.invoiceNumber)
      .execute();
    expect(rows).toHaveLength(3);
  });

  it('B2B and mixed invoices: tax-free lines carry no tax; the buyer is the invoice’s', async () => {
    const b2b = await issue({ buyer: { ban: BUYER }, items: [{ description: '柴油', quantity: '1', unitPrice: '1380' }] });
    const a = (await allow(b2b.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 1380 }] })).json();
    expect(a).toMatchObject({ buyerBan: BUYER, totalAmount: 1314, taxAmount: 66 });
    const mixed = await issue({
      taxType: '9',
      items: [
        { description: '汽油', quantity: '1', unitPrice: '105', taxType: '1' },
        { description: '免稅品', quantity: '1', unitPrice: '50', taxType: '3' },
      ],
    });
    const m = (
      await allow(mixed.invoiceNumber, {
        items: [
          { seq: 1, quantity: '1', amount: 105 },
          { seq: 2, quantity: '1', amount: 50 },
        ],
      })
    ).json();
    expect(m).toMatchObject({ totalAmount: 150, taxAmount: 5 });
    expect(m.items.map((i: { taxType: string; tax: number }) => [i.taxType, i.tax])).toEqual([
      ['1', 5],
      ['3', 0],
    ]);
  });

  it('refuses bad lines (400 naming the field), dates in the future, unknown numbers (404)', async () => {
    const inv = await issue();
    const bad = async (body: object, field: string) => {
      const r = await allow(inv.invoiceNumber, body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await bad({ items: [{ seq: 9, quantity: '1', amount: 1 }] }, 'body.items.0.seq');
    await bad(
      {
        items: [
          { seq: 1, quantity: '1', amount: 1 },
          { seq: 1, quantity: '1', amount: 1 },
        ],
      },
      'body.items.1.seq',
    );
    await bad({ items: [{ seq: 2, quantity: '2', amount: 1 }] }, 'body.items.0.quantity'); // the item had 1
    await bad({ items: [{ seq: 2, quantity: '0', amount: 1 }] }, 'body.items.0.quantity');
    await bad({ items: [{ seq: 2, quantity: '1', amount: 0 }] }, 'body.items.0.amount');
    await bad({ items: [{ seq: 2, quantity: '1', amount: '1.5' }] }, 'body.items.0.amount');
    await bad({ items: [] }, 'body.items');
    await bad({ items: [{ seq: 2, quantity: '1', amount: 1, extra: 1 }] }, 'body.items.0.extra');
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await bad({ items: [{ seq: 2, quantity: '1', amount: 1 }], allowanceDate: tomorrow }, 'body.allowanceDate');
    await bad({ items: [{ seq: 2, quantity: '1', amount: 1 }], allowanceDate: '2025-02-30' }, 'body.allowanceDate');
    expect((await allow('ZZ00000001', { items: [{ seq: 1, quantity: '1', amount: 1 }] })).statusCode).toBe(404);
    expect((await get('/api/v1/allowances/0000000000000001')).statusCode).toBe(404);
    expect((await endAllowance('0000000000000001', 'cancel')).statusCode).toBe(404);
    expect((await get('/api/v1/allowances/ABC')).json().details[0].field).toBe('params.allowanceNumber');
    // Nothing was written by the refusals.
    expect(
      await t.deps.db.selectFrom('allowances').select('id').where('invoice_number', '=', inv.invoiceNumber).execute(),
    ).toHaveLength(0);
  });
});

describe('void + re-issue (註銷 F0701 → F0401)', () => {
  it('voids the version and re-issues the number for a business buyer: registry, detail, history, list, proof, event', async () => {
    const inv = await issue();
    const r = await voidInvoice(inv.invoiceNumber, {
      reason: '買方要統編',
      reissue: { buyer: { ban: BUYER, name: '台積電' }, printMark: 'Y', mainRemark: '補統編' },
    });
    expect(r.statusCode, r.body).toBe(200);
    const v = r.json();
    expect(v).toMatchObject({
      voidedInvoiceId: inv.id,
      invoiceNumber: inv.invoiceNumber,
      randomNumber: inv.randomNumber,
      yearMonth: inv.yearMonth,
      invoiceDate: inv.invoiceDate,
      invoiceTime: inv.invoiceTime,
      sellerBan: BAN,
      buyerBan: BUYER,
      salesAmount: 790, // 830 split: 790 + 40
      taxAmount: 40,
      totalAmount: 830,
      barcode: inv.barcode,
    });
    expect(v.id).not.toBe(inv.id);
    expect(v.qrLeft.slice(0, 21)).toBe(inv.qrLeft.slice(0, 21));
    expect(v.qrLeft.slice(21, 29)).toBe((790).toString(16).padStart(8, '0'));
    expect(v.qrLeft.slice(37, 45)).toBe(BUYER);
    expect(v.qrRight).toBe(inv.qrRight);

    const reg = await t.deps.db
      .selectFrom('invoice_numbers')
      .select(['invoice_id'])
      .where('invoice_number', '=', inv.invoiceNumber)
      .executeTakeFirstOrThrow();
    expect(reg.invoice_id).toBe(v.id);
    const detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail).toMatchObject({
      id: v.id,
      status: 'issued',
      buyerBan: BUYER,
      buyerName: '台積電',
      mainRemark: '補統編',
      taxAmount: 40,
      randomNumber: inv.randomNumber,
    });
    expect(detail.items).toHaveLength(3);
    expect(detail.history).toEqual([
      expect.objectContaining({ kind: 'issued', invoiceId: inv.id, previousInvoiceId: null }),
      expect.objectContaining({ kind: 'voided', invoiceId: inv.id, reason: '買方要統編' }),
      expect.objectContaining({ kind: 'reissued', invoiceId: v.id, previousInvoiceId: inv.id, reason: null }),
    ]);
    const list = (await get(`/api/v1/invoices?number=${inv.invoiceNumber}`)).json();
    expect(list.items.map((i: { id: string; status: string }) => [i.id, i.status]).sort()).toEqual(
      [
        [inv.id, 'voided'],
        [v.id, 'issued'],
      ].sort(),
    );
    const events = await outboxOf(inv.invoiceNumber);
    expect(events.map((e) => e.event_type)).toEqual(['InvoiceIssued', 'InvoiceVoided']);
    expect(events[1]!.payload).toMatchObject({
      voidedInvoiceId: inv.id,
      reissuedInvoiceId: v.id,
      voidedBuyerBan: null,
      buyerBan: BUYER,
      totalAmount: 830,
      reason: '買方要統編',
    });
    expect((await auditOf(inv.invoiceNumber)).map((a) => a.action)).toEqual(['invoice.issue', 'invoice.void']);

    // The re-issued version lives on: void it again (back to a consumer with a mobile barcode), then cancel it.
    const again = await voidInvoice(inv.invoiceNumber, {
      reason: '改載具',
      reissue: { printMark: 'N', carrier: { type: '3J0002', id1: '/ABC+123', id2: '/ABC+123' } },
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ voidedInvoiceId: v.id, buyerBan: null, salesAmount: 830, taxAmount: 0 });
    expect((await cancel(inv.invoiceNumber)).statusCode).toBe(200);
    const last = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(last).toMatchObject({ status: 'cancelled', carrier: { type: '3J0002', id1: '/ABC+123', id2: '/ABC+123' } });
    expect(last.history.map((h: { kind: string }) => h.kind)).toEqual([
      'issued',
      'voided',
      'reissued',
      'voided',
      'reissued',
      'cancelled',
    ]);
    const versions = await t.deps.db
      .selectFrom('invoices')
      .select(['status'])
      .where('invoice_number', '=', inv.invoiceNumber)
      .orderBy('created_at')
      .execute();
    expect(versions.map((x) => x.status)).toEqual(['voided', 'voided', 'cancelled']);
  });

  it('checks every MIG rule of the re-issue (400 naming body.reissue.…) and writes nothing when refused', async () => {
    const inv = await issue();
    const refuse = async (reissue: object, field: string) => {
      const r = await voidInvoice(inv.invoiceNumber, { reason: '改', reissue });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await refuse({ printMark: 'N' }, 'body.reissue.carrier');
    await refuse({ printMark: 'Y', buyer: { ban: '12345678' } }, 'body.reissue.buyer.ban');
    await refuse({ printMark: 'Y', donation: { npoban: '123' } }, 'body.reissue.donation');
    await refuse({ printMark: 'N', carrier: { type: '3J0002', id1: 'bad', id2: 'bad' } }, 'body.reissue.carrier.id1');
    await refuse({ printMark: 'N', buyer: { ban: BUYER }, donation: { npoban: '123' } }, 'body.reissue.donation');
    await refuse({}, 'body.reissue.printMark');
    const detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail).toMatchObject({ id: inv.id, status: 'issued' });
    expect(detail.history).toHaveLength(1);
    // A donation is fine for a consumer.
    const ok = await voidInvoice(inv.invoiceNumber, {
      reason: '改捐贈',
      reissue: { printMark: 'N', donation: { npoban: '8585' } },
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses while an allowance is active', async () => {
    const inv = await issue();
    const a = (await allow(inv.invoiceNumber, { items: [{ seq: 3, quantity: '1', amount: 20 }] })).json();
    const r = await voidInvoice(inv.invoiceNumber, { reason: 'x', reissue: { printMark: 'Y' } });
    expect(r.statusCode).toBe(409);
    expect(r.json().code).toBe('INVOICE_HAS_ALLOWANCES');
    expect((await endAllowance(a.allowanceNumber, 'void')).statusCode).toBe(200);
    const ok = await voidInvoice(inv.invoiceNumber, { reason: 'x', reissue: { printMark: 'Y' } });
    expect(ok.statusCode).toBe(200);
    // The new version starts with everything left to allow.
    const detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail.remaining.totalAmount).toBe(830);
    expect(detail.allowances).toHaveLength(1);
    expect((await allow(inv.invoiceNumber, { items: [{ seq: 3, quantity: '1', amount: 40 }] })).json().invoiceId).toBe(
      ok.json().id,
    );
  });
});

describe('retries, permissions and data scopes', () => {
  it('a retry with the same Idempotency-Key answers the first result and changes nothing twice', async () => {
    const inv = await issue();
    const key = randomUUID();
    const a1 = await allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 100 }] }, admin, key);
    const a2 = await allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 100 }] }, admin, key);
    expect(a2.headers['idempotent-replayed']).toBe('true');
    expect(a2.json().allowanceNumber).toBe(a1.json().allowanceNumber);
    expect(
      await t.deps.db.selectFrom('allowances').select('id').where('invoice_number', '=', inv.invoiceNumber).execute(),
    ).toHaveLength(1);
    const ck = randomUUID();
    expect((await endAllowance(a1.json().allowanceNumber, 'cancel', 'x', admin, ck)).statusCode).toBe(200);
    const ck2 = await endAllowance(a1.json().allowanceNumber, 'cancel', 'x', admin, ck);
    expect([ck2.statusCode, ck2.headers['idempotent-replayed']]).toEqual([200, 'true']);

    const vk = randomUUID();
    const body = { reason: '改統編', reissue: { buyer: { ban: BUYER }, printMark: 'Y' } };
    const v1 = await voidInvoice(inv.invoiceNumber, body, admin, vk);
    const v2 = await voidInvoice(inv.invoiceNumber, body, admin, vk);
    expect(v1.statusCode).toBe(200);
    expect(v2.headers['idempotent-replayed']).toBe('true');
    expect(v2.json()).toEqual(v1.json());
    const k = randomUUID();
    const c1 = await cancel(inv.invoiceNumber, { reason: '取消' }, admin, k);
    const c2 = await cancel(inv.invoiceNumber, { reason: '取消' }, admin, k);
    expect(c1.statusCode).toBe(200);
    expect([c2.statusCode, c2.headers['idempotent-replayed']]).toEqual([200, 'true']);
    expect((await outboxOf(inv.invoiceNumber)).map((e) => e.event_type)).toEqual([
      'InvoiceIssued',
      'InvoiceVoided',
      'InvoiceCancelled',
    ]);
    expect(
      await t.deps.db.selectFrom('invoice_transitions').select('kind').where('invoice_number', '=', inv.invoiceNumber).execute(),
    ).toHaveLength(3);
    expect(
      await t.deps.db.selectFrom('invoices').select('id').where('invoice_number', '=', inv.invoiceNumber).execute(),
    ).toHaveLength(2);
    // The same key with another body is a caller bug.
    expect((await cancel(inv.invoiceNumber, { reason: '別的' }, admin, k)).json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a client of another site gets 404 for everything; the permissions of the built-in roles apply', async () => {
    const inv = await issue();
    const a = (await allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 10 }] })).json();
    const n = inv.invoiceNumber;
    for (const r of [
      await cancel(n, { reason: 'x' }, erpThere),
      await allow(n, { items: [{ seq: 1, quantity: '1', amount: 1 }] }, erpThere),
      await endAllowance(a.allowanceNumber, 'cancel', 'x', erpThere),
      await get(`/api/v1/allowances/${a.allowanceNumber}`, erpThere),
      await get(`/api/v1/invoices/${n}`, erpThere),
    ]) {
      expect(r.statusCode, r.body).toBe(404);
      expect(r.json().code).toBe('NOT_FOUND');
    }
    // The erp role may not void; the pos role may neither cancel nor allow.
    expect((await voidInvoice(n, { reason: 'x', reissue: { printMark: 'Y' } }, erpHere)).json().code).toBe('FORBIDDEN');
    expect((await cancel(n, { reason: 'x' }, pos)).statusCode).toBe(403);
    expect((await allow(n, { items: [{ seq: 1, quantity: '1', amount: 1 }] }, pos)).statusCode).toBe(403);
    // A client of the invoice's own site can do it all.
    expect((await get(`/api/v1/allowances/${a.allowanceNumber}`, pos)).statusCode).toBe(200);
    expect((await allow(n, { items: [{ seq: 1, quantity: '1', amount: 1 }] }, erpHere)).statusCode).toBe(201);
    expect((await endAllowance(a.allowanceNumber, 'void', 'x', erpHere)).statusCode).toBe(200);
    const detail = (await get(`/api/v1/invoices/${n}`, erpHere)).json();
    const rest = detail.allowances.filter((x: { status: string }) => x.status === 'issued');
    for (const x of rest) expect((await endAllowance(x.allowanceNumber, 'cancel', 'x', erpHere)).statusCode).toBe(200);
    expect((await cancel(n, { reason: 'x' }, erpHere)).statusCode).toBe(200);
  });
});

describe('concurrent transitions on one invoice run one after another', () => {
  it('12 parallel allowances of 60% of an item: exactly one passes, the others are refused', async () => {
    const inv = await issue();
    const rs = await Promise.all(
      Array.from({ length: 12 }, () => allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 384 }] })),
    );
    expect(rs.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const refused = rs.filter((r) => r.statusCode !== 201);
    expect(refused.every((r) => r.statusCode === 409 && r.json().code === 'ALLOWANCE_EXCEEDS_REMAINING')).toBe(true);
    const detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
    expect(detail.remaining.items[0]).toMatchObject({ allowed: 384, remaining: 256 });
  });

  it('parallel allowances that each fit but together exceed the item: the sum never exceeds it', async () => {
    const inv = await issue();
    const rs = await Promise.all(
      Array.from({ length: 10 }, () => allow(inv.invoiceNumber, { items: [{ seq: 2, quantity: '1', amount: 40 }] })),
    );
    expect(rs.filter((r) => r.statusCode === 201)).toHaveLength(3); // 3 × 40 ≤ 150 < 4 × 40
    const allowed = await t.deps.db
      .selectFrom('allowance_items as ai')
      .innerJoin('allowances as a', 'a.id', 'ai.allowance_id')
      .select((eb) => eb.fn.sum<string>('ai.amount').as('s'))
      .where('a.invoice_number', '=', inv.invoiceNumber)
      .where('a.status', '=', 'issued')
      .executeTakeFirstOrThrow();
    expect(Number(allowed.s)).toBe(120);
    // Allowance numbers stayed unique under the race.
    const numbers = rs.filter((r) => r.statusCode === 201).map((r) => r.json().allowanceNumber);
    expect(new Set(numbers).size).toBe(3);
  });

  it('a cancel racing an allowance: one of them wins and the state is consistent, every time', async () => {
    for (let round = 0; round < 8; round++) {
      const inv = await issue();
      const [c, a] = await Promise.all([
        cancel(inv.invoiceNumber),
        allow(inv.invoiceNumber, { items: [{ seq: 1, quantity: '1', amount: 100 }] }),
      ]);
      const detail = (await get(`/api/v1/invoices/${inv.invoiceNumber}`)).json();
      const active = detail.allowances.filter((x: { status: string }) => x.status === 'issued').length;
      if (c.statusCode === 200) {
        expect(a.statusCode).toBe(409);
        expect(a.json().code).toBe('INVOICE_NOT_ISSUED');
        expect([detail.status, active]).toEqual(['cancelled', 0]);
      } else {
        expect(c.json().code).toBe('INVOICE_HAS_ALLOWANCES');
        expect(a.statusCode).toBe(201);
        expect([detail.status, active]).toEqual(['issued', 1]);
      }
    }
  });

  it('parallel cancels and voids of one invoice: exactly one transition happens', async () => {
    const inv = await issue();
    const rs = await Promise.all([
      cancel(inv.invoiceNumber),
      cancel(inv.invoiceNumber),
      voidInvoice(inv.invoiceNumber, { reason: 'x', reissue: { buyer: { ban: BUYER }, printMark: 'Y' } }),
      voidInvoice(inv.invoiceNumber, { reason: 'x', reissue: { buyer: { ban: BUYER }, printMark: 'Y' } }),
    ]);
    const ok = rs.filter((r) => r.statusCode === 200);
    const refused = rs.filter((r) => r.statusCode !== 200);
    // A void leaves an issued version behind, which a later cancel may still cancel; never two voids of one version.
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((r) => r.statusCode === 409 && r.json().code === 'INVOICE_NOT_ISSUED')).toBe(true);
    const transitions = await t.deps.db
      .selectFrom('invoice_transitions')
      .select(['kind', 'from_invoice_id'])
      .where('invoice_number', '=', inv.invoiceNumber)
      .execute();
    const ended = transitions.filter((x) => x.kind !== 'reissued').map((x) => x.from_invoice_id);
    expect(new Set(ended).size).toBe(ended.length);
    const versions = await t.deps.db
      .selectFrom('invoices')
      .select(['status'])
      .where('invoice_number', '=', inv.invoiceNumber)
      .execute();
    expect(versions.filter((x) => x.status === 'issued').length).toBeLessThanOrEqual(1);
    expect(versions.length).toBe(1 + transitions.filter((x) => x.kind === 'reissued').length);
  });
});
