// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../test/http-server.ts';
import { openUsers, path, query, S1, setupTestServer, T2, U1, user } from './test-helpers.tsx';

setupTestServer();

describe('users list', () => {
  it('sends the filters held in the URL, pages with the cursor, and marks the tab', async () => {
    const { calls, router } = await openUsers('/users?q=wang&status=active&role=operator', (r) =>
      query(r).cursor
        ? { body: { items: [user({ id: 'u2', username: 'wangwu', displayName: '王五', mfaEnabled: false })], nextCursor: null } }
        : { body: { items: [user({ lockedUntil: new Date(Date.now() + 600_000).toISOString() })], nextCursor: 'd2FuZw' } },
    );
    const table = await screen.findByRole('table', { name: '使用者列表' });
    expect(path(calls()[0]!)).toBe('/api/v1/users');
    expect(query(calls()[0]!)).toEqual({ q: 'wang', status: 'active', role: 'operator' });
    const row = within(table).getByRole('row', { name: /wang/ });
    expect(row.textContent).toContain('已鎖定');
    expect(row.textContent).toContain('operator');
    expect(screen.getByRole('link', { name: '使用者', current: 'page' })).toBeTruthy();
    // The role filter offers the roles by name, and holds the one in the URL.
    await waitFor(() =>
      expect((screen.getByLabelText('角色') as HTMLSelectElement).selectedOptions[0]?.textContent).toBe(
        'Back-office operator (operator)',
      ),
    );

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    await screen.findByRole('link', { name: 'wangwu' });
    expect(query(calls()[1]!)).toEqual({ q: 'wang', status: 'active', role: 'operator', cursor: 'd2FuZw' });
    expect(new URLSearchParams(router.state.location.search).get('page')).toBe('2');

    // A new filter starts from the first page again.
    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'disabled' } });
    await waitFor(() => expect(calls().length).toBe(3));
    expect(query(calls()[2]!)).toEqual({ q: 'wang', status: 'disabled', role: 'operator' });
  });

  it('shows the error state', async () => {
    await openUsers('/users', () => apiError(403, 'FORBIDDEN', 'no'));
    expect((await screen.findByRole('alert')).textContent).toBe('無法載入：沒有權限重試');
  });
});

describe('user create', () => {
  it("refuses bad input with the schema's messages, then posts the account, roles and scope", async () => {
    const { calls, router } = await openUsers('/users/new', (r) => {
      if (r.method === 'POST') return { status: 201, body: user() };
      if (r.url === `/api/v1/users/${U1}`) return { body: user() };
      return apiError(404, 'NOT_FOUND', 'no');
    });
    fireEvent.change(await screen.findByLabelText('帳號'), { target: { value: 'w' } });
    fireEvent.change(screen.getByLabelText('初始密碼'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: '新增使用者' }));
    expect(await screen.findByText('3-64 letters, digits or . _ @ -')).toBeTruthy();
    expect(screen.getByText('at least 10 characters')).toBeTruthy();
    expect(screen.getByLabelText('顯示名稱').getAttribute('aria-invalid')).toBe('true');
    expect(calls()).toEqual([]);

    fireEvent.change(screen.getByLabelText('帳號'), { target: { value: 'wang' } });
    fireEvent.change(screen.getByLabelText('顯示名稱'), { target: { value: '王小明' } });
    fireEvent.change(screen.getByLabelText('初始密碼'), { target: { value: 'correct horse battery' } });
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Back-office operator (operator)' }));
    // The scope starts as "chosen" with nothing in it, and says what that means.
    expect(screen.getByText('尚未選擇任何營業人或據點：將看不到任何資料')).toBeTruthy();
    fireEvent.click(await screen.findByRole('checkbox', { name: '好市多 的全部據點' }));
    // The whole seller covers its sites.
    expect(((await screen.findByRole('checkbox', { name: '台北店（TPE01）' })) as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: '新增使用者' }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/users/${U1}`));
    const post = calls().find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/users');
    expect(post.body).toEqual({
      username: 'wang',
      displayName: '王小明',
      password: 'correct horse battery',
      roles: ['operator'],
      scope: { all: false, sellers: [S1], sites: [] },
    });
  });
});

describe('user detail', () => {
  const detail = (r: { method: string; url: string; body: unknown }) => {
    if (r.method === 'GET' && r.url === `/api/v1/users/${U1}`) return { body: user() };
    if (r.method === 'POST') return { body: user() };
    return apiError(404, 'NOT_FOUND', 'no');
  };

  it('resets MFA and unlocks only after their confirms', async () => {
    const { calls } = await openUsers(`/users/${U1}`, detail);
    fireEvent.click(await screen.findByRole('button', { name: '重設兩步驟驗證' }));
    const dialog = screen.getByRole('dialog', { name: '重設 wang 的兩步驟驗證？' });
    fireEvent.click(within(dialog).getByRole('button', { name: '取消' }));
    expect(calls().filter((r) => r.method !== 'GET')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: '重設兩步驟驗證' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: '重設兩步驟驗證' }));
    await screen.findByText('已重設兩步驟驗證。');
    expect(
      calls()
        .filter((r) => r.method === 'POST')
        .map((r) => r.url),
    ).toEqual([`/api/v1/users/${U1}/mfa-reset`]);

    fireEvent.click(screen.getByRole('button', { name: '解除鎖定' }));
    fireEvent.click(
      within(screen.getByRole('dialog', { name: '解除 wang 的登入鎖定？' })).getByRole('button', { name: '解除鎖定' }),
    );
    await screen.findByText('已解除登入鎖定。');
    expect(
      calls()
        .filter((r) => r.method === 'POST')
        .map((r) => r.url)[1],
    ).toBe(`/api/v1/users/${U1}/unlock`);
  });

  it('resets the password with the schema checking it inside the confirm', async () => {
    const { calls } = await openUsers(`/users/${U1}`, detail);
    fireEvent.click(await screen.findByRole('button', { name: '重設密碼' }));
    const dialog = screen.getByRole('dialog', { name: '重設 wang 的密碼？' });
    fireEvent.change(within(dialog).getByLabelText('新密碼'), { target: { value: 'short' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '重設密碼' }));
    expect(await within(dialog).findByText('at least 10 characters')).toBeTruthy();
    expect(calls().some((r) => r.method === 'POST')).toBe(false);

    fireEvent.change(within(dialog).getByLabelText('新密碼'), { target: { value: 'a much longer one' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '重設密碼' }));
    await screen.findByText('密碼已重設，此使用者的工作階段已全部結束。');
    const post = calls().find((r) => r.method === 'POST')!;
    expect(post.url).toBe(`/api/v1/users/${U1}/password`);
    expect(post.body).toEqual({ password: 'a much longer one' });
  });

  it("shows the API's refusal of disabling oneself in the dialog", async () => {
    await openUsers(`/users/${U1}`, (r) =>
      r.method === 'PATCH' ? apiError(409, 'CONFLICT', 'You cannot disable yourself.') : detail(r),
    );
    fireEvent.click(await screen.findByRole('button', { name: '停用使用者' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: '停用使用者' }));
    expect((await within(screen.getByRole('dialog')).findByRole('alert')).textContent).toBe('You cannot disable yourself.');
  });

  it('names the scope, and replaces it', async () => {
    const { calls, router } = await openUsers(`/users/${U1}`, (r) =>
      r.method === 'PUT' ? { body: user({ scope: r.body as never }) } : detail(r),
    );
    await waitFor(() => expect(screen.getByText('據點：好市多 / 台北店 (TPE01)')).toBeTruthy());
    fireEvent.click(screen.getByRole('link', { name: '設定資料範圍' }));
    const site = (await screen.findByRole('checkbox', { name: '台北店（TPE01）' })) as HTMLInputElement;
    expect(site.checked).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: '高雄店（KHH01）' }));
    fireEvent.click(site);
    fireEvent.click(screen.getByRole('button', { name: '儲存資料範圍' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/users/${U1}`));
    const put = calls().find((r) => r.method === 'PUT')!;
    expect(put.url).toBe(`/api/v1/users/${U1}/scope`);
    expect(put.body).toEqual({ all: false, sellers: [], sites: [T2] });
  });

  it('keeps scope entries it cannot name, and "all" clears the lists', async () => {
    const { calls } = await openUsers(`/users/${U1}/scope`, (r) =>
      r.method === 'PUT' ? { body: user() } : { body: user({ scope: { all: false, sellers: ['elsewhere-seller'], sites: [] } }) },
    );
    expect(((await screen.findByRole('checkbox', { name: '營業人 elsewhere-seller' })) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: '全部營業人與據點' }));
    fireEvent.click(screen.getByRole('button', { name: '儲存資料範圍' }));
    await waitFor(() => expect(calls().some((r) => r.method === 'PUT')).toBe(true));
    expect(calls().find((r) => r.method === 'PUT')?.body).toEqual({ all: true, sellers: [], sites: [] });
  });

  it('edits name, e-mail and roles sending only what changed', async () => {
    const { calls, router } = await openUsers(`/users/${U1}/edit`, (r) => (r.method === 'PATCH' ? { body: user() } : detail(r)));
    fireEvent.change(await screen.findByLabelText('電子郵件'), { target: { value: '' } });
    fireEvent.click(await screen.findByRole('checkbox', { name: '收銀員 (cashier)' }));
    fireEvent.click(screen.getByRole('button', { name: '儲存' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/users/${U1}`));
    expect(calls().find((r) => r.method === 'PATCH')?.body).toEqual({ email: null, roles: ['operator', 'cashier'] });
  });
});
