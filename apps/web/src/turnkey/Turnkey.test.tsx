// @vitest-environment happy-dom
import type { TurnkeyMessageView } from '@app/schemas/turnkey';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, nodeFetch, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import TurnkeyArea from './index.tsx';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

/** The area opened signed in (the session resumes: refresh, me), with `handler` for everything else. */
async function open(path: string, handler: Handler, permissions = ['turnkey.manage', 'invoice.read']) {
  server = await startApiServer((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions } };
    return handler(r);
  });
  const view = renderApp([{ path: '/turnkey/*', element: <TurnkeyArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
    services: { fetch: nodeFetch },
  });
  const seen = server.seen;
  return { ...view, calls: () => seen.filter((r) => !r.url.startsWith('/api/v1/auth/')) };
}

const message = (over: Partial<TurnkeyMessageView> = {}): TurnkeyMessageView => ({
  id: '901',
  messageType: 'F0401',
  identifier: 'F0401AB1234567820261121',
  status: 'rejected',
  attempts: 1,
  fileName: '04595257_F0401_F0401AB1234567820261121_901.xml',
  lastError: null,
  resultCode: 'E0105',
  resultMessage: null,
  createdAt: '2026-11-21T01:00:00Z',
  deliveredAt: '2026-11-21T01:00:05Z',
  resultAt: '2026-11-21T02:00:00Z',
  ...over,
});

const approval = {
  id: '77',
  action: 'turnkey.resend',
  status: 'pending',
  invoiceNumber: 'AB12345678',
  sellerId: 's-1',
  amount: null,
  payload: {},
  requestedBy: { id: 'u1', username: 'alice', displayName: 'Alice Wang' },
  requestedAt: '2026-11-21T03:00:00Z',
  decidedBy: null,
  decidedAt: null,
  decisionNote: null,
  result: null,
  error: null,
};

const dialog = () => screen.getByRole('dialog');

describe('Turnkey messages', () => {
  it('sends the filters and cursor of the URL, explains a code without text, and changes filters through the URL', async () => {
    const { calls, router } = await open('/turnkey?status=rejected&messageType=F0401&cursor=950&page=2', (r) =>
      r.url.startsWith('/api/v1/turnkey/messages')
        ? { body: { items: [message()], nextCursor: r.url.includes('before=950') ? '901' : null } }
        : { status: 404, body: {} },
    );
    const table = await screen.findByRole('table', { name: 'Turnkey 訊息' });
    expect(calls()[0]?.url).toBe('/api/v1/turnkey/messages?status=rejected&messageType=F0401&before=950');
    const row = within(table).getAllByRole('row')[1]!;
    // E0105 has no text of its own in the message: the code list explains it.
    expect(row.textContent).toContain('E0105');
    expect(row.textContent).toContain('發票總金額不得為零');
    expect(within(row).getByRole('link', { name: 'AB12345678' }).getAttribute('href')).toBe('/invoices/AB12345678');
    expect(within(row).getByText('被退回').className).toBe('badge bad');
    expect(screen.getByText('第 2 頁')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    await waitFor(() =>
      expect(calls().at(-1)?.url).toBe('/api/v1/turnkey/messages?status=rejected&messageType=F0401&before=901'),
    );
    expect(router.state.location.search).toContain('page=3');

    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'invalid' } });
    fireEvent.change(screen.getByLabelText('訊息類別'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    await waitFor(() => expect(calls().at(-1)?.url).toBe('/api/v1/turnkey/messages?status=invalid'));
    expect(router.state.location.search).toBe('?status=invalid');

    // "Needs attention" is the API's default: no status is sent.
    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'attention' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    await waitFor(() => expect(calls().at(-1)?.url).toBe('/api/v1/turnkey/messages'));
  });

  it('shows an error with a retry when the list cannot be had', async () => {
    let fail = true;
    const { calls } = await open('/turnkey', () =>
      fail
        ? apiError(403, 'FORBIDDEN', "This action needs the permission 'turnkey.manage'.")
        : { body: { items: [], nextCursor: null } },
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('無法載入：沒有權限');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: '重試' }));
    expect(await screen.findByText('沒有符合條件的資料')).toBeTruthy();
    expect(calls().filter((r) => r.url === '/api/v1/turnkey/messages')).toHaveLength(2);
  });

  it('fixes and resends one message after a confirm, showing the refusal and then the result', async () => {
    let resends = 0;
    const { calls } = await open('/turnkey', (r) => {
      if (r.url === '/api/v1/turnkey/messages') return { body: { items: [message()], nextCursor: null } };
      if (r.url === '/api/v1/invoices/AB12345678') return { body: { sellerId: 's-1', invoiceNumber: 'AB12345678' } };
      if (r.url === '/api/v1/invoices/AB12345678/resend') {
        resends++;
        return resends === 1
          ? apiError(409, 'NOTHING_TO_RESEND', 'Invoice AB12345678 has no rejected, invalid or dead message in your scope.')
          : { body: { items: [message({ status: 'pending', attempts: 0, resultCode: null })] } };
      }
      return { status: 404, body: {} };
    });
    fireEvent.click(await screen.findByRole('button', { name: '處理 F0401' }));
    const panel = screen.getByRole('region', { name: '修正並重送：F0401 F0401AB1234567820261121' });
    expect(panel.textContent).toContain('平台退回了這則訊息');
    expect((await within(panel).findByRole('link', { name: '修正賣方資料' })).getAttribute('href')).toBe('/sellers/s-1');
    expect(within(panel).getByRole('link', { name: '前往發票 AB12345678' }).getAttribute('href')).toBe('/invoices/AB12345678');

    fireEvent.click(within(panel).getByRole('button', { name: '重送' }));
    expect(dialog().textContent).toContain('重送發票 AB12345678 的訊息？');
    // Nothing is sent before the confirm; a cancel sends nothing either.
    fireEvent.click(within(dialog()).getByRole('button', { name: '取消' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls().some((r) => r.method === 'POST')).toBe(false);

    fireEvent.click(within(panel).getByRole('button', { name: '重送' }));
    fireEvent.click(within(dialog()).getByRole('button', { name: '確認重送' }));
    expect((await within(dialog()).findByRole('alert')).textContent).toContain('NOTHING_TO_RESEND');

    fireEvent.click(within(dialog()).getByRole('button', { name: '確認重送' }));
    const done = await screen.findByText('已重新排入發票 AB12345678 的 1 則訊息，將於下一次交付時送出。');
    expect(done.closest('[role="status"]')).not.toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
    const posts = calls().filter((r) => r.method === 'POST');
    expect(posts.map((p) => [p.url, p.body])).toEqual([
      ['/api/v1/invoices/AB12345678/resend', { messageIds: ['901'] }],
      ['/api/v1/invoices/AB12345678/resend', { messageIds: ['901'] }],
    ]);
    expect(posts[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('asks for approval: a 202 answer links the approval request (an allowance message, every message of its invoice)', async () => {
    const allowanceMessage = message({
      id: '902',
      messageType: 'G0401',
      identifier: 'G0401045952570000000120261121',
      status: 'invalid',
      resultCode: null,
      lastError: 'cvc-pattern-valid: Value is not facet-valid',
    });
    const { calls } = await open('/turnkey', (r) => {
      if (r.url === '/api/v1/turnkey/messages') return { body: { items: [allowanceMessage], nextCursor: null } };
      if (r.url === '/api/v1/allowances/0459525700000001') return { body: { invoiceNumber: 'AB12345678', sellerId: 's-1' } };
      if (r.url === '/api/v1/invoices/AB12345678/resend') return { status: 202, body: { approvalRequired: true, approval } };
      return { status: 404, body: {} };
    });
    fireEvent.click(await screen.findByRole('button', { name: '處理 G0401' }));
    const panel = screen.getByRole('region', { name: /修正並重送：G0401/ });
    expect(panel.textContent).toContain('cvc-pattern-valid');
    expect(panel.textContent).toContain('未通過 XSD 檢查');
    // The allowance's invoice, found through the allowance.
    expect(await within(panel).findByRole('link', { name: '前往發票 AB12345678' })).toBeTruthy();
    fireEvent.click(within(panel).getByRole('button', { name: '重送' }));
    fireEvent.click(within(dialog()).getByLabelText('發票 AB12345678 所有被退回、無效或失敗的訊息'));
    fireEvent.click(within(dialog()).getByRole('button', { name: '確認重送' }));

    const notice = (await screen.findByText('已送出審核申請')).closest('[role="status"]') as HTMLElement;
    expect(within(notice).getByRole('link', { name: '查看審核申請 #77' }).getAttribute('href')).toBe('/approvals/77');
    const post = calls().find((r) => r.method === 'POST')!;
    expect([post.url, post.body]).toEqual(['/api/v1/invoices/AB12345678/resend', {}]);
  });
});

describe('Dead letters', () => {
  const dead = {
    id: '5',
    status: 'dead',
    queue: 'turnkey',
    jobId: 'handoff-1',
    jobName: 'turnkey.handoff',
    priorityClass: 'turnkey',
    payload: { batch: 3 },
    attempts: 5,
    maxAttempts: 5,
    lastError: 'EACCES: permission denied, open /turnkey/UpCast',
    errorStack: 'Error: EACCES\n    at write',
    firstFailedAt: '2026-11-21T00:00:00Z',
    lastFailedAt: '2026-11-21T01:00:00Z',
    createdAt: '2026-11-21T01:00:00Z',
    retriedAt: null,
    retriedBy: null,
    retryJobId: null,
  };

  it('lists by the URL filters, shows one with its payload, and retries it after a confirm', async () => {
    let retried = false;
    const { calls } = await open('/turnkey/dead-letters?status=dead&jobName=turnkey.handoff', (r) => {
      if (r.url.startsWith('/api/v1/dead-letters?')) return { body: { items: [dead], nextCursor: null } };
      if (r.url === '/api/v1/dead-letters/5')
        return {
          body: retried ? { ...dead, status: 'retried', retriedAt: '2026-11-21T04:00:00Z', retriedBy: 'user:alice' } : dead,
        };
      if (r.url === '/api/v1/dead-letters/5/retry') {
        retried = true;
        return {
          body: {
            ...dead,
            status: 'retried',
            retriedAt: '2026-11-21T04:00:00Z',
            requeue: { outcome: 'retried', queue: 'turnkey', jobId: 'handoff-1', state: 'waiting' },
          },
        };
      }
      return { status: 404, body: {} };
    });
    fireEvent.click(await screen.findByRole('link', { name: '檢視失敗的工作 #5' }));
    expect(calls()[0]?.url).toBe('/api/v1/dead-letters?jobName=turnkey.handoff&status=dead');
    expect(await screen.findByText(/"batch": 3/)).toBeTruthy();
    expect(screen.getByText('EACCES: permission denied, open /turnkey/UpCast')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: '重試' }));
    expect(dialog().textContent).toContain('重試工作 #5（turnkey.handoff）？');
    expect(calls().some((r) => r.method === 'POST')).toBe(false);
    fireEvent.click(within(dialog()).getByRole('button', { name: '重試' }));
    expect(await screen.findByText('已放回佇列 turnkey，工作 handoff-1（原工作重新執行）。')).toBeTruthy();
    expect(
      calls()
        .filter((r) => r.method === 'POST')
        .map((r) => r.url),
    ).toEqual(['/api/v1/dead-letters/5/retry']);
    // The detail is read again: retried, so no second retry is offered.
    await waitFor(() => expect(screen.queryByRole('button', { name: '重試' })).toBeNull());
  });

  it('refuses a bad purge with the schema message, and purges after a confirm', async () => {
    const { calls } = await open('/turnkey/dead-letters', (r) => {
      if (r.url.startsWith('/api/v1/dead-letters?') || r.url === '/api/v1/dead-letters')
        return { body: { items: [], nextCursor: null } };
      if (r.url === '/api/v1/dead-letters/purge') return { body: { purged: 4, lastFailedBefore: '2026-10-22T00:00:00Z' } };
      return { status: 404, body: {} };
    });
    await screen.findByText('沒有符合條件的資料');
    const days = await screen.findByLabelText('早於幾天');
    fireEvent.change(days, { target: { value: '-1' } });
    fireEvent.click(screen.getByRole('button', { name: '清除…' }));
    expect(days.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('請修正標示的欄位')).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.change(days, { target: { value: '30' } });
    fireEvent.change(screen.getAllByLabelText('狀態').at(-1)!, { target: { value: 'retried' } });
    fireEvent.click(screen.getByRole('button', { name: '清除…' }));
    expect(dialog().textContent).toContain('早於 30 天');
    fireEvent.click(within(dialog()).getByRole('button', { name: '刪除' }));
    expect(await screen.findByText(/已刪除 4 筆紀錄/)).toBeTruthy();
    const post = calls().find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({ olderThanDays: 30, status: 'retried' });
  });
});

describe('Reconciliations', () => {
  it('sends the URL range, explains each difference, and refuses a range that ends before it starts', async () => {
    const { calls } = await open('/turnkey/reconciliations?from=2026-11-01&to=2026-11-21&differing=true', () => ({
      body: {
        from: '2026-11-01',
        to: '2026-11-21',
        items: [
          {
            day: '2026-11-20',
            messageType: 'F0401',
            summaryReceived: true,
            ours: { handedOff: 10, accepted: 9, rejected: 1, waiting: 0, rejectedBeforeUpload: 0 },
            theirs: { total: 10, good: 10, failed: 0 },
            differing: true,
            differences: [
              {
                kind: 'good_not_accepted',
                identifier: 'F0401AB1234567820261120',
                messageId: '901',
                sellerId: 's-1',
                partyId: '04595257',
                ourStatus: 'rejected',
                theirVerdict: 'good',
                detail: 'The platform stored F0401AB1234567820261120 (Good), but our message 901 is rejected.',
              },
            ],
            reconciledAt: '2026-11-21T22:30:00Z',
          },
        ],
      },
    }));
    const section = await screen.findByRole('region', { name: '2026-11-20 F0401 的差異' });
    expect(calls()[0]?.url).toBe('/api/v1/turnkey/reconciliations?from=2026-11-01&to=2026-11-21&differing=true');
    expect(section.textContent).toContain('平台已存證，我方未標為接收');
    expect(section.textContent).toContain('請不要重送');
    expect(within(section).getByRole('link', { name: 'F0401AB1234567820261120' }).getAttribute('href')).toBe(
      '/invoices/AB12345678',
    );
    expect(screen.getByRole('table', { name: '每日對帳結果' }).textContent).toContain('共 10：成功 10、失敗 0');

    fireEvent.change(screen.getByLabelText('起日'), { target: { value: '2026-11-30' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    expect(await screen.findByText('from must not be after to')).toBeTruthy();
    expect(calls()).toHaveLength(1);
  });
});
