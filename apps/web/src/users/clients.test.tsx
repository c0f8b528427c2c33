// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { apiError } from '../../test/http-server.ts';
import { C1, client, openUsers, path, query, setupTestServer, T1 } from './test-helpers.tsx';

setupTestServer();

const DEVICE = '2b8b9f90-3f5d-4caf-8b50-2c6e4d8fb033';
const SECRET = 'cs_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0';

describe('API clients', () => {
  it('sends the filters held in the URL', async () => {
    const { calls, router } = await openUsers('/users/clients?kind=pos', () => ({
      body: { items: [client({ deviceId: DEVICE, lastUsedAt: '2026-11-20T16:30:00Z' })], nextCursor: null },
    }));
    const row = within(await screen.findByRole('table', { name: 'API 用戶端列表' })).getByRole('row', { name: /pos-1a2b3c4d/ });
    expect(row.textContent).toContain(DEVICE);
    expect(path(calls()[0]!)).toBe('/api/v1/clients');
    expect(query(calls()[0]!)).toEqual({ kind: 'pos' });
    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'disabled' } });
    await waitFor(() => expect(calls().length).toBe(2));
    expect(query(calls()[1]!)).toEqual({ kind: 'pos', status: 'disabled' });
    expect(router.state.location.search).toBe('?kind=pos&status=disabled');
  });

  it('creates a client for a device and shows its secret once, with a copy button', async () => {
    const { calls, router } = await openUsers(`/users/clients/new?deviceId=${DEVICE}&kind=pos`, (r) => {
      if (r.method === 'POST') return { status: 201, body: { ...client({ deviceId: DEVICE }), clientSecret: SECRET } };
      if (r.url === `/api/v1/clients/${C1}`) return { body: client({ deviceId: DEVICE }) };
      return apiError(404, 'NOT_FOUND', 'no');
    });
    expect(((await screen.findByLabelText('綁定裝置編號')) as HTMLInputElement).value).toBe(DEVICE);
    fireEvent.change(screen.getByLabelText('用戶端 ID（選填）'), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: '新增 API 用戶端' }));
    expect(await screen.findByText('3-64 letters, digits or . _ -')).toBeTruthy();
    expect(screen.getByLabelText('名稱').getAttribute('aria-invalid')).toBe('true');
    expect(calls()).toEqual([]);

    fireEvent.change(screen.getByLabelText('用戶端 ID（選填）'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('名稱'), { target: { value: '台北店一號機' } });
    fireEvent.click(await screen.findByRole('checkbox', { name: '收銀員 (cashier)' }));
    fireEvent.click(await screen.findByRole('checkbox', { name: '台北店（TPE01）' }));
    fireEvent.click(screen.getByRole('button', { name: '新增 API 用戶端' }));

    const panel = await screen.findByRole('region', { name: '請立即保存用戶端密鑰' });
    expect(calls().find((r) => r.method === 'POST')?.body).toEqual({
      name: '台北店一號機',
      kind: 'pos',
      deviceId: DEVICE,
      roles: ['cashier'],
      scope: { all: false, sellers: [], sites: [T1] },
    });
    expect(within(panel).getByRole('alert').textContent).toContain('密鑰只會顯示這一次');
    expect((within(panel).getByLabelText('用戶端密鑰') as HTMLInputElement).value).toBe(SECRET);
    await waitFor(() => expect(document.activeElement).toBe(within(panel).getByLabelText('用戶端密鑰')));
    expect((within(panel).getByLabelText('用戶端 ID') as HTMLInputElement).value).toBe('pos-1a2b3c4d');

    fireEvent.click(within(panel).getByRole('button', { name: '複製密鑰' }));
    await waitFor(() => expect(within(panel).getByRole('status').textContent).toBe('已複製到剪貼簿。'));
    expect(await navigator.clipboard.readText()).toBe(SECRET);

    fireEvent.click(within(panel).getByRole('button', { name: '我已保存，關閉' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/users/clients/${C1}`));
    await screen.findByRole('heading', { name: 'API 用戶端 pos-1a2b3c4d' });
    expect(document.body.innerHTML).not.toContain(SECRET);
    // Opening the create page again starts a new form: the secret is nowhere.
    await router.navigate('/users/clients/new');
    await screen.findByRole('heading', { name: '新增 API 用戶端' });
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('rotates the secret after the confirm and shows the new one once', async () => {
    const { calls } = await openUsers(`/users/clients/${C1}`, (r) => {
      if (r.method === 'POST' && r.url === `/api/v1/clients/${C1}/rotate-secret`)
        return { body: { id: C1, clientId: 'pos-1a2b3c4d', clientSecret: SECRET, secretRotatedAt: '2026-11-21T00:00:00Z' } };
      if (r.url === `/api/v1/clients/${C1}`) return { body: client() };
      return apiError(404, 'NOT_FOUND', 'no');
    });
    fireEvent.click(await screen.findByRole('button', { name: '更換密鑰' }));
    const dialog = screen.getByRole('dialog', { name: '更換 pos-1a2b3c4d 的密鑰？' });
    expect(dialog.textContent).toContain('舊密鑰會立即失效');
    fireEvent.click(within(dialog).getByRole('button', { name: '取消' }));
    expect(calls().some((r) => r.method === 'POST')).toBe(false);
    expect(screen.queryByRole('region', { name: '請立即保存用戶端密鑰' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: '更換密鑰' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: '更換密鑰' }));
    const panel = await screen.findByRole('region', { name: '請立即保存用戶端密鑰' });
    expect((within(panel).getByLabelText('用戶端密鑰') as HTMLInputElement).value).toBe(SECRET);
    expect(calls().filter((r) => r.method === 'POST').length).toBe(1);
    // A browser that refuses the clipboard: the user is told to copy by hand.
    const refuse = vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'));
    fireEvent.click(within(panel).getByRole('button', { name: '複製密鑰' }));
    await waitFor(() => expect(within(panel).getByRole('status').textContent).toBe('無法自動複製，請選取上方的密鑰後手動複製。'));
    refuse.mockRestore();

    fireEvent.click(within(panel).getByRole('button', { name: '我已保存，關閉' }));
    expect(screen.queryByRole('region', { name: '請立即保存用戶端密鑰' })).toBeNull();
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('disables a client after the confirm', async () => {
    const { calls } = await openUsers(`/users/clients/${C1}`, (r) =>
      r.method === 'PATCH' ? { body: client({ status: 'disabled' }) } : { body: client() },
    );
    fireEvent.click(await screen.findByRole('button', { name: '停用用戶端' }));
    fireEvent.click(
      within(screen.getByRole('dialog', { name: '停用 pos-1a2b3c4d？' })).getByRole('button', { name: '停用用戶端' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const patch = calls().find((r) => r.method === 'PATCH')!;
    expect(patch.url).toBe(`/api/v1/clients/${C1}`);
    expect(patch.body).toEqual({ status: 'disabled' });
  });

  it('shows the error state of the detail', async () => {
    await openUsers(`/users/clients/${C1}`, () => apiError(404, 'NOT_FOUND', `No client with id ${C1}.`));
    expect((await screen.findByRole('alert')).textContent).toBe(`無法載入：No client with id ${C1}.重試`);
  });
});
