/**
 * Two-step approval, enforced by the API: voids, resends and large allowances wait for a second user holding
 * `approve`; the requester cannot decide their own request; the action runs on approval as the requester,
 * or fails and changes nothing; every step is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';
import { createUser, PASSWORD } from './notification-helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let sellerId: string;
let operator: string;
let approver: string;
let both: string;
let farApprover: string;

const items = [
  { description: '95無鉛汽油', quantity: '100', unit: 'L', unitPrice: '31' }, // 3100
  { description: '洗車', quantity: '1', unitPrice: '150' },
];
const call = (method: string, url: string, token: string, payload?: object) =>
  t.call({ method, url, token, ...(payload ? { payload } : {}) });
const issue = async () => {
  const r = await call('POST', '/api/v1/invoices', admin, { siteId, items, printMark: 'Y' });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().invoiceNumber as string;
};
const voidBody = { reason: '買方統編錯誤', reissue: { buyer: { ban: '22099131', name: '買方' }, printMark: 'Y' } };
const audits = (targetId: string) =>
  t.deps.db
    .selectFrom('sys_audit_logs')
    .select(['action', 'actor_name', 'outcome', 'status_code', 'summary'])
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();

beforeAll(async () => {
  t = await createTestApp({
    APPROVAL_REQUIRED_FOR: 'turnkey.resend,invoice.void,allowance.issue',
    APPROVAL_ALLOWANCE_THRESHOLD: '1000',
    RATE_LIMIT_GENERAL_PER_MINUTE: '100000',
    LOGIN_IP_MAX_PER_MINUTE: '1000',
  });
  ({ admin, siteId, sellerId } = await setupIssuer(t));
  const otherSite = (await call('POST', `/api/v1/sellers/${sellerId}/sites`, admin, { code: 'FAR', name: 'Far' })).json().id;
  const all = { all: true };
  await createUser(t, admin, 'op.chen', { roles: ['operator'], scope: all });
  await createUser(t, admin, 'ap.lin', { roles: ['approver'], scope: all });
  await createUser(t, admin, 'both.wu', { roles: ['operator', 'approver'], scope: all });
  await createUser(t, admin, 'far.lee', { roles: ['approver'], scope: { all: false, sites: [otherSite] } });
  operator = (await t.login('op.chen', PASSWORD)).accessToken;
  approver = (await t.login('ap.lin', PASSWORD)).accessToken;
  both = (await t.login('both.wu', PASSWORD)).accessToken;
  farApprover = (await t.login('far.lee', PASSWORD)).accessToken;
});
afterAll(async () => t?.close());

describe('a void waits for a second person', () => {
  it('answers 202 with a pending request and changes nothing; a second request for the same void is refused', async () => {
    const n = await issue();
    const r = await call('POST', `/api/v1/invoices/${n}/void`, operator, voidBody);
    expect(r.statusCode, r.body).toBe(202);
    const a = r.json();
    expect(a).toMatchObject({
      approvalRequired: true,
      approval: { action: 'invoice.void', status: 'pending', invoiceNumber: n, sellerId, requestedBy: { username: 'op.chen' } },
    });
    expect(a.approval.payload).toEqual(voidBody);
    expect((await call('GET', `/api/v1/invoices/${n}`, admin)).json().status).toBe('issued');
    const again = await call('POST', `/api/v1/invoices/${n}/void`, both, voidBody);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'APPROVAL_PENDING', details: [{ field: 'approvalId', message: a.approval.id }] });
    expect((await audits(a.approval.id)).map((x) => [x.action, x.actor_name, x.status_code])).toEqual([
      ['approval.request', 'op.chen', 202],
    ]);
  });

  it('runs on approval by another approver, as the requester; each step audited', async () => {
    const n = await issue();
    const id = (await call('POST', `/api/v1/invoices/${n}/void`, operator, voidBody)).json().approval.id;

    // The requester may not decide it; an approver outside the invoice's scope does not see it.
    expect((await call('POST', `/api/v1/approvals/${id}/approve`, operator, {})).statusCode).toBe(403);
    expect((await call('POST', `/api/v1/approvals/${id}/approve`, farApprover, {})).statusCode).toBe(404);

    const r = await call('POST', `/api/v1/approvals/${id}/approve`, approver, { note: '已核對統編' });
    expect(r.statusCode, r.body).toBe(200);
    const done = r.json();
    expect(done).toMatchObject({
      status: 'approved',
      decidedBy: { username: 'ap.lin' },
      decisionNote: '已核對統編',
      error: null,
      result: { invoiceNumber: n, buyerBan: '22099131' },
    });
    const inv = (await call('GET', `/api/v1/invoices/${n}`, admin)).json();
    expect(inv.buyerBan).toBe('22099131');
    expect(inv.history.map((h: { kind: string }) => h.kind)).toEqual(['issued', 'voided', 'reissued']);

    const steps = await audits(id);
    expect(steps.map((x) => [x.action, x.actor_name, x.outcome])).toEqual([
      ['approval.request', 'op.chen', 'success'],
      ['approval.approve', 'ap.lin', 'success'],
    ]);
    // The void itself, in the requester's name, noting who approved it.
    const voids = (await audits(n)).filter((x) => x.action === 'invoice.void');
    expect(voids).toHaveLength(1);
    expect(voids[0]).toMatchObject({ actor_name: 'op.chen', outcome: 'success' });
    expect((voids[0]!.summary as { note: unknown }).note).toEqual({ approvalId: id, approvedBy: 'ap.lin' });

    // Both steps are events too (webhooks, the approvers' mail), written with the change.
    const events = await t.deps.db
      .selectFrom('sys_outbox')
      .select(['event_type', 'payload'])
      .where('aggregate_type', '=', 'approval')
      .where('aggregate_id', '=', id)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.event_type)).toEqual(['ApprovalRequested', 'ApprovalDecided']);
    expect(events[0]?.payload).toMatchObject({
      action: 'invoice.void',
      invoiceNumber: n,
      requestedBy: { type: 'user', name: 'op.chen' },
    });
    expect(events[1]?.payload).toMatchObject({ status: 'approved', decidedBy: 'ap.lin', errorCode: null });

    const twice = await call('POST', `/api/v1/approvals/${id}/approve`, both, {});
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('APPROVAL_DECIDED');
  });

  it('refuses the requester deciding their own request, even holding approve', async () => {
    const n = await issue();
    const id = (await call('POST', `/api/v1/invoices/${n}/void`, both, voidBody)).json().approval.id;
    for (const step of ['approve', 'reject']) {
      const r = await call('POST', `/api/v1/approvals/${id}/${step}`, both, step === 'reject' ? { reason: 'x' } : {});
      expect(r.statusCode).toBe(409);
      expect(r.json().code).toBe('APPROVAL_SELF');
    }
    expect((await call('GET', `/api/v1/approvals/${id}`, admin)).json().status).toBe('pending');
  });

  it('fails, writing nothing, when the action refuses at approval time (the invoice was cancelled meanwhile)', async () => {
    const n = await issue();
    const id = (await call('POST', `/api/v1/invoices/${n}/void`, operator, voidBody)).json().approval.id;
    expect((await call('POST', `/api/v1/invoices/${n}/cancel`, admin, { reason: '客戶取消' })).statusCode).toBe(200);
    const r = await call('POST', `/api/v1/approvals/${id}/approve`, approver, {});
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'failed', error: { code: expect.any(String) }, result: null });
    const inv = (await call('GET', `/api/v1/invoices/${n}`, admin)).json();
    expect(inv.status).toBe('cancelled');
    expect(inv.history.map((h: { kind: string }) => h.kind)).toEqual(['issued', 'cancelled']);
    const voids = (await audits(n)).filter((x) => x.action === 'invoice.void');
    expect(voids.map((v) => v.outcome)).toEqual(['failure']);
  });

  it('is decided by a person: a machine client holding approve (a custom role) is refused', async () => {
    const n = await issue();
    const id = (await call('POST', `/api/v1/invoices/${n}/void`, operator, voidBody)).json().approval.id;
    expect(
      (await call('POST', '/api/v1/roles', admin, { code: 'bot_approver', name: 'Bot', permissions: ['approve'] })).statusCode,
    ).toBe(201);
    const c = (
      await call('POST', '/api/v1/clients', admin, {
        name: 'Approver bot',
        kind: 'erp',
        roles: ['bot_approver'],
        scope: { all: true },
      })
    ).json();
    const bot = await t.clientToken(c.clientId, c.clientSecret);
    const r = await call('POST', `/api/v1/approvals/${id}/approve`, bot, {});
    expect(r.statusCode).toBe(403);
    expect((await call('GET', `/api/v1/approvals/${id}`, admin)).json().status).toBe('pending');
  });

  it('lets the requester withdraw, and nobody else', async () => {
    const n = await issue();
    const id = (await call('POST', `/api/v1/invoices/${n}/void`, operator, voidBody)).json().approval.id;
    expect((await call('POST', `/api/v1/approvals/${id}/withdraw`, both)).statusCode).toBe(404);
    const r = await call('POST', `/api/v1/approvals/${id}/withdraw`, operator);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().status).toBe('withdrawn');
    expect((await call('POST', `/api/v1/approvals/${id}/approve`, approver, {})).json().code).toBe('APPROVAL_DECIDED');
  });
});

describe('allowances above the threshold, and resends', () => {
  it('issues a small allowance at once; a large one waits, and a rejection issues nothing', async () => {
    const n = await issue();
    const small = await call('POST', `/api/v1/invoices/${n}/allowances`, operator, {
      items: [{ seq: 2, quantity: '1', amount: 150 }],
    });
    expect(small.statusCode, small.body).toBe(201);
    const big = await call('POST', `/api/v1/invoices/${n}/allowances`, operator, {
      items: [{ seq: 1, quantity: '50', amount: 1550 }],
    });
    expect(big.statusCode, big.body).toBe(202);
    expect(big.json().approval).toMatchObject({ action: 'allowance.issue', amount: 1550 });
    const id = big.json().approval.id;
    const r = await call('POST', `/api/v1/approvals/${id}/reject`, approver, { reason: '金額需再確認' });
    expect(r.json()).toMatchObject({ status: 'rejected', decisionNote: '金額需再確認' });
    expect((await call('GET', `/api/v1/invoices/${n}`, admin)).json().allowances).toHaveLength(1);
    const noReason = await call('POST', `/api/v1/approvals/${id}/reject`, approver, {});
    expect(noReason.statusCode).toBe(400);
  });

  it('resends rejected messages only once approved', async () => {
    const n = await issue();
    await t.deps.db
      .updateTable('turnkey_messages')
      .set({ status: 'rejected', result_code: 'E001', result_message: '資料錯誤' })
      .where('chain', 'like', `%:${n}`)
      .execute();
    const r = await call('POST', `/api/v1/invoices/${n}/resend`, admin, {});
    expect(r.statusCode, r.body).toBe(202);
    const statusOf = async () =>
      (await t.deps.db.selectFrom('turnkey_messages').select('status').where('chain', 'like', `%:${n}`).executeTakeFirstOrThrow())
        .status;
    expect(await statusOf()).toBe('rejected');
    const ok = await call('POST', `/api/v1/approvals/${r.json().approval.id}/approve`, approver, {});
    expect(ok.json()).toMatchObject({ status: 'approved' });
    expect(await statusOf()).toBe('pending');
  });
});

describe('listing requests', () => {
  it('shows approvers the pending requests in scope; others only their own', async () => {
    const n = await issue();
    await call('POST', `/api/v1/invoices/${n}/void`, both, voidBody);
    const mineOnly = (await call('GET', '/api/v1/approvals?status=all', operator)).json().items;
    expect(mineOnly.length).toBeGreaterThan(0);
    expect(mineOnly.every((a: { requestedBy: { username: string } }) => a.requestedBy.username === 'op.chen')).toBe(true);
    const pending = (await call('GET', '/api/v1/approvals', approver)).json().items;
    expect(pending.some((a: { invoiceNumber: string }) => a.invoiceNumber === n)).toBe(true);
    expect(pending.every((a: { status: string }) => a.status === 'pending')).toBe(true);
    expect((await call('GET', '/api/v1/approvals', farApprover)).json().items).toEqual([]);
    const page = (await call('GET', '/api/v1/approvals?status=all&limit=1', approver)).json();
    expect(page.items).toHaveLength(1);
    const next = (await call('GET', `/api/v1/approvals?status=all&limit=1&cursor=${page.nextCursor}`, approver)).json();
    expect(Number(next.items[0].id)).toBeLessThan(Number(page.items[0].id));
  });
});
