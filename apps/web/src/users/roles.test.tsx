// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../test/http-server.ts';
import { openUsers, R1, R2, role, setupTestServer } from './test-helpers.tsx';

setupTestServer();

describe('roles', () => {
  it('lists roles, built-in ones without delete; a delete runs only after the confirm', async () => {
    const { calls } = await openUsers('/users/roles', (r) =>
      r.method === 'DELETE' ? { body: { id: R2, deleted: true } } : apiError(404, 'NOT_FOUND', 'no'),
    );
    const table = await screen.findByRole('table', { name: '角色列表' });
    const builtIn = within(table).getByRole('row', { name: /operator/ });
    expect(builtIn.textContent).toContain('內建');
    expect(builtIn.textContent).toContain('3 位使用者、0 個用戶端');
    expect(within(builtIn).queryByRole('button', { name: /刪除/ })).toBeNull();
    expect(screen.getByRole('link', { name: '角色', current: 'page' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: '刪除角色 cashier' }));
    const dialog = screen.getByRole('dialog', { name: '刪除角色 收銀員（cashier）？' });
    fireEvent.click(within(dialog).getByRole('button', { name: '取消' }));
    expect(calls()).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: '刪除角色 cashier' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: '刪除' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls().map((r) => `${r.method} ${r.url}`)).toEqual([`DELETE /api/v1/roles/${R2}`]);
  });

  it("keeps the confirm open with the API's refusal", async () => {
    await openUsers('/users/roles', () => apiError(409, 'CONFLICT', 'The role is still held by 2 users.'));
    fireEvent.click(await screen.findByRole('button', { name: '刪除角色 cashier' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: '刪除' }));
    expect((await within(screen.getByRole('dialog')).findByRole('alert')).textContent).toBe('The role is still held by 2 users.');
  });

  it("creates a role from the permission list, refusing a bad code with the schema's message", async () => {
    const { calls, router } = await openUsers('/users/roles/new', (r) =>
      r.method === 'POST' ? { status: 201, body: role({ id: 'new', isSystem: false }) } : apiError(404, 'NOT_FOUND', 'no'),
    );
    fireEvent.change(await screen.findByLabelText('角色代碼'), { target: { value: 'Bad Code' } });
    fireEvent.change(screen.getByLabelText('名稱'), { target: { value: '夜班' } });
    // Permissions are named in the user's language, with the API's words for any this screen does not know.
    fireEvent.click(await screen.findByRole('checkbox', { name: '開立發票 invoice.issue' }));
    expect(screen.getByRole('checkbox', { name: 'A permission this screen has no words for future.thing' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '新增角色' }));
    expect(await screen.findByText('2-40 lowercase letters, digits, _ or -')).toBeTruthy();
    expect(calls()).toEqual([]);

    fireEvent.change(screen.getByLabelText('角色代碼'), { target: { value: 'night-shift' } });
    fireEvent.click(screen.getByRole('checkbox', { name: '持有此角色的使用者必須啟用兩步驟驗證' }));
    fireEvent.click(screen.getByRole('button', { name: '新增角色' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/users/roles'));
    expect(calls()[0]?.body).toEqual({ code: 'night-shift', name: '夜班', permissions: ['invoice.issue'], mfaRequired: true });
  });

  it("shows a built-in role's permissions read-only and sends only what changed", async () => {
    const { calls, router } = await openUsers(`/users/roles/${R1}/edit`, (r) => {
      if (r.method === 'GET' && r.url === `/api/v1/roles/${R1}`) return { body: role() };
      if (r.method === 'PATCH') return { body: role() };
      return apiError(404, 'NOT_FOUND', 'no');
    });
    const issue = (await screen.findByRole('checkbox', { name: '開立發票 invoice.issue' })) as HTMLInputElement;
    expect(issue.checked).toBe(true);
    expect(issue.disabled).toBe(true);
    expect(screen.getByText(/內建角色的權限由系統維護/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('名稱'), { target: { value: '後台作業員' } });
    fireEvent.click(screen.getByRole('button', { name: '儲存' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/users/roles'));
    expect(calls().find((r) => r.method === 'PATCH')?.body).toEqual({ name: '後台作業員' });
  });
});
