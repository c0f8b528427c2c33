// @vitest-environment happy-dom
import type { ApprovalView } from '@app/schemas/approval';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, meAnswer, type SeenRequest, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import { RequireAuth } from '../shell/RequireAuth.tsx';
import ApprovalsArea from './index.tsx';

const person = (username: string, displayName: string) => ({ id: `id-${username}`, username, displayName });
/** The signed-in user (id u1, as GET /api/v1/auth/me answers), known by id: the username may since have changed. */
const ME = { id: 'u1', username: 'alice.wang', displayName: 'Alice Wang' };

const approval = (over: Partial<ApprovalView> = {}): ApprovalView => ({
  id: '7',
  action: 'invoice.void',
  status: 'pending',
  invoiceNumber: 'AB12345678',
  sellerId: 's1',
  amount: null,
  payload: { reason: '客戶退貨', remark: 'R-1' },
  requestedBy: person('bob', 'Bob Lin'),
  requestedAt: '2026-11-20T16:30:00Z',
  decidedBy: null,
  decidedAt: null,
  decisionNote: null,
  result: null,
  error: null,
  ...over,
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

/** Signed in as alice (the session resumes: refresh, me), holding `permissions`; the rest is `handler`'s. */
async function open(path: string, handler: Handler, permissions = ['invoice.read', 'approve']) {
  server = await startApiServer((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: meAnswer(permissions) };
    return handler(r);
  });
  // As in the app: the page opens once the session is resumed (so the user is known).
  const element = (
    <RequireAuth>
      <ApprovalsArea />
    </RequireAuth>
  );
  const view = renderApp([{ path: '/approvals/*', element }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
  });
  const seen = server.seen;
  const api = (): SeenRequest[] => seen.filter((r) => !r.url.startsWith('/api/v1/auth/'));
  return { ...view, api };
}

const rowOf = (text: string) => screen.getByRole('row', { name: new RegExp(text) });

describe('approvals list', () => {
  it('sends the filters held in the URL, and puts new ones there (checked with the API schema first)', async () => {
    const { api, router } = await open('/approvals?status=all&action=invoice.void&invoiceNumber=AB12345678', () => ({
      body: { items: [approval({ status: 'approved' })], nextCursor: '40' },
    }));
    await screen.findByRole('row', { name: /AB12345678/ });
    expect(api()[0]!.url).toBe('/api/v1/approvals?status=all&action=invoice.void&invoiceNumber=AB12345678');
    expect((screen.getByLabelText('狀態') as HTMLSelectElement).value).toBe('all');
    expect(rowOf('AB12345678').textContent).toContain('已核准');

    // A bad invoice number is refused with the schema's message and not sent.
    fireEvent.change(screen.getByLabelText('發票號碼'), { target: { value: 'AB123' } });
    fireEvent.submit(screen.getByRole('button', { name: '篩選' }).closest('form')!);
    expect(await screen.findByText('an invoice number like AB12345678')).toBeTruthy();
    expect(api()).toHaveLength(1);

    fireEvent.change(screen.getByLabelText('發票號碼'), { target: { value: 'cd87654321' } });
    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'rejected' } });
    fireEvent.change(screen.getByLabelText('動作'), { target: { value: '' } });
    fireEvent.submit(screen.getByRole('button', { name: '篩選' }).closest('form')!);
    await waitFor(() => expect(api().at(-1)!.url).toBe('/api/v1/approvals?status=rejected&invoiceNumber=CD87654321'));
    expect(router.state.location.search).toBe('?status=rejected&invoiceNumber=CD87654321');

    // Paging keeps the filters and sends the cursor.
    fireEvent.click(await screen.findByRole('button', { name: '下一頁' }));
    await waitFor(() => expect(api().at(-1)!.url).toBe('/api/v1/approvals?status=rejected&invoiceNumber=CD87654321&cursor=40'));
    expect(await screen.findByText('第 2 頁')).toBeTruthy();

    // The tabs: "my requests" asks for the caller's own, every status.
    fireEvent.click(screen.getByRole('link', { name: '我的申請' }));
    await waitFor(() => expect(api().at(-1)!.url).toBe('/api/v1/approvals?mine=true&status=all'));
    expect(screen.getByRole('link', { name: '我的申請' }).getAttribute('aria-current')).toBe('page');
  });

  it("offers approve and reject on others' requests, withdraw on one's own, nothing without `approve`", async () => {
    const items = [
      approval(),
      approval({ id: '8', invoiceNumber: 'CD00000001', requestedBy: ME }),
      // Someone else, though named as the signed-in user (alice): "mine" goes by the user id.
      approval({ id: '9', invoiceNumber: 'EF00000002', requestedBy: person('alice', 'Alice Lee') }),
    ];
    await open('/approvals', () => ({ body: { items, nextCursor: null } }));
    const others = await screen.findByRole('row', { name: /AB12345678/ });
    expect(within(others).getByRole('button', { name: '核准' })).toBeTruthy();
    expect(within(others).getByRole('button', { name: '駁回' })).toBeTruthy();
    expect(within(others).queryByRole('button', { name: '撤回申請' })).toBeNull();
    const namesake = rowOf('EF00000002');
    expect(within(namesake).getByRole('button', { name: '核准' })).toBeTruthy();
    expect(within(namesake).queryByRole('button', { name: '撤回申請' })).toBeNull();
    expect(namesake.textContent).not.toContain('（您）');
    const own = rowOf('CD00000001');
    expect(within(own).queryByRole('button', { name: '核准' })).toBeNull();
    expect(within(own).getByRole('button', { name: '撤回申請' })).toBeTruthy();
    expect(own.textContent).toContain('（您）');
    cleanup();
    await server?.close();

    await open('/approvals', () => ({ body: { items, nextCursor: null } }), ['invoice.read']);
    const row = await screen.findByRole('row', { name: /AB12345678/ });
    expect(within(row).queryByRole('button', { name: '核准' })).toBeNull();
    expect(within(rowOf('CD00000001')).getByRole('button', { name: '撤回申請' })).toBeTruthy();
  });

  it('approves through the confirm dialog with a note, then shows the list as it is now', async () => {
    let decided = false;
    const { api } = await open('/approvals', (r) => {
      if (r.method === 'POST') {
        decided = true;
        return { body: approval({ status: 'approved', decidedBy: person('alice', 'Alice Wang'), decisionNote: 'ok' }) };
      }
      return { body: { items: decided ? [] : [approval()], nextCursor: null } };
    });
    fireEvent.click(within(await screen.findByRole('row', { name: /AB12345678/ })).getByRole('button', { name: '核准' }));
    const dialog = screen.getByRole('dialog', { name: '核准申請' });
    expect(dialog.textContent).toContain('AB12345678 的「發票註銷」');
    // Cancel leaves everything as it was.
    fireEvent.click(within(dialog).getByRole('button', { name: '取消' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api().filter((r) => r.method === 'POST')).toHaveLength(0);

    fireEvent.click(within(rowOf('AB12345678')).getByRole('button', { name: '核准' }));
    fireEvent.change(screen.getByLabelText('核准說明（選填）'), { target: { value: '  ok  ' } });
    fireEvent.submit(within(screen.getByRole('dialog')).getByRole('button', { name: '核准' }).closest('form')!);
    expect((await screen.findByRole('status')).textContent).toBe('已核准 AB12345678 的「發票註銷」，動作已執行。');
    const post = api().find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/approvals/7/approve');
    expect(post.body).toEqual({ note: 'ok' });
    expect(post.headers['idempotency-key']).toBeTruthy();
    await waitFor(() => expect(screen.getByText('沒有符合條件的資料')).toBeTruthy());
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it("shows the API's APPROVAL_SELF refusal in the dialog, and APPROVAL_DECIDED on the page", async () => {
    let code = 'APPROVAL_SELF';
    const { api } = await open('/approvals', (r) =>
      r.method === 'POST'
        ? apiError(409, code, 'The requester cannot approve their own request.')
        : { body: { items: [approval()], nextCursor: null } },
    );
    fireEvent.click(within(await screen.findByRole('row', { name: /AB12345678/ })).getByRole('button', { name: '核准' }));
    fireEvent.submit(within(screen.getByRole('dialog')).getByRole('button', { name: '核准' }).closest('form')!);
    const dialog = screen.getByRole('dialog');
    expect((await within(dialog).findByRole('alert')).textContent).toBe('不能核准自己提出的申請，請由其他具審核權限的同仁核准');
    expect(api().find((r) => r.method === 'POST')!.body).toEqual({});

    code = 'APPROVAL_DECIDED';
    const lists = api().filter((r) => r.method === 'GET').length;
    fireEvent.submit(within(dialog).getByRole('button', { name: '核准' }).closest('form')!);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByRole('alert').textContent).toBe('這筆申請已經有人處理過（核准、駁回或撤回），清單已更新');
    await waitFor(() => expect(api().filter((r) => r.method === 'GET').length).toBeGreaterThan(lists));
  });

  it('rejects only with a reason', async () => {
    const { api } = await open('/approvals', (r) =>
      r.method === 'POST'
        ? { body: approval({ status: 'rejected', decisionNote: '金額有誤' }) }
        : { body: { items: [approval()], nextCursor: null } },
    );
    fireEvent.click(within(await screen.findByRole('row', { name: /AB12345678/ })).getByRole('button', { name: '駁回' }));
    const dialog = screen.getByRole('dialog', { name: '駁回申請' });
    const reason = within(dialog).getByLabelText('駁回理由') as HTMLTextAreaElement;
    expect(reason.required).toBe(true);
    fireEvent.change(reason, { target: { value: '   ' } });
    fireEvent.submit(within(dialog).getByRole('button', { name: '駁回' }).closest('form')!);
    expect(document.getElementById(reason.getAttribute('aria-describedby')!)?.textContent).toBe('a reason');
    expect(api().filter((r) => r.method === 'POST')).toHaveLength(0);

    fireEvent.change(reason, { target: { value: '金額有誤' } });
    fireEvent.submit(within(dialog).getByRole('button', { name: '駁回' }).closest('form')!);
    expect((await screen.findByRole('status')).textContent).toBe('已駁回 AB12345678 的「發票註銷」。');
    const post = api().find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/approvals/7/reject');
    expect(post.body).toEqual({ reason: '金額有誤' });
  });

  it('withdraws one’s own request after confirming; an approval whose action failed says why', async () => {
    const own = approval({ requestedBy: ME });
    const { api } = await open('/approvals', (r) =>
      r.method === 'POST' ? { body: { ...own, status: 'withdrawn' } } : { body: { items: [own], nextCursor: null } },
    );
    fireEvent.click(within(await screen.findByRole('row', { name: /AB12345678/ })).getByRole('button', { name: '撤回申請' }));
    fireEvent.submit(
      within(screen.getByRole('dialog', { name: '撤回申請' }))
        .getByRole('button', { name: '撤回申請' })
        .closest('form')!,
    );
    expect((await screen.findByRole('status')).textContent).toBe('已撤回 AB12345678 的「發票註銷」。');
    const post = api().find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/approvals/7/withdraw');
    expect(post.body).toBeUndefined();
  });
});

describe('approval detail', () => {
  it('shows what will run, who asked, and after approving the action’s refusal', async () => {
    let current = approval({ action: 'allowance.issue', amount: 12500, payload: { items: [{ amount: 12500 }], reason: '折讓' } });
    const { api } = await open('/approvals/7', (r) => {
      if (r.method === 'POST') {
        current = {
          ...current,
          status: 'failed',
          decidedBy: person('alice', 'Alice Wang'),
          decidedAt: '2026-11-21T01:00:00Z',
          error: { code: 'ALLOWANCE_EXCEEDS_REMAINING', message: 'The allowance is larger than what is left.' },
        };
      }
      return { body: current };
    });
    expect(await screen.findByRole('heading', { name: '審核申請 #7' })).toBeTruthy();
    const what = await screen.findByRole('region', { name: '將執行的內容' });
    expect(api()[0]!.url).toBe('/api/v1/approvals/7');
    expect(within(what).getByText('開立折讓')).toBeTruthy();
    expect(within(what).getByRole('link', { name: 'AB12345678' }).getAttribute('href')).toBe('/invoices/AB12345678');
    expect(within(what).getByText('12,500')).toBeTruthy();
    expect(within(what).getByText('折讓')).toBeTruthy();
    expect(what.querySelector('pre')?.textContent).toContain('"amount": 12500');
    const who = screen.getByRole('region', { name: '申請與決定' });
    expect(who.textContent).toContain('Bob Lin (bob)');
    // 16:30 UTC is 00:30 on the 21st in Taipei.
    expect(who.textContent).toMatch(/申請時間2026\/11\/21\s00:30:00/);

    fireEvent.click(within(what).getByRole('button', { name: '核准' }));
    fireEvent.submit(within(screen.getByRole('dialog')).getByRole('button', { name: '核准' }).closest('form')!);
    const alert = await screen.findByText(/但執行時遭拒/);
    expect(alert.textContent).toBe(
      '已核准 AB12345678 的「開立折讓」，但執行時遭拒：The allowance is larger than what is left.（ALLOWANCE_EXCEEDS_REMAINING）',
    );
    const outcome = await screen.findByRole('region', { name: '執行結果' });
    expect(outcome.textContent).toContain('ALLOWANCE_EXCEEDS_REMAINING');
    expect(within(what).queryByRole('button', { name: '核准' })).toBeNull();
  });

  it('shows an error with a retry when the request cannot be loaded', async () => {
    await open('/approvals/99', () => apiError(404, 'NOT_FOUND', 'No such approval.'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('無法載入：No such approval.');
    expect(within(alert).getByRole('button', { name: '重試' })).toBeTruthy();
  });
});
