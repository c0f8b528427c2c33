// @vitest-environment happy-dom
import type { DeviceView } from '@app/schemas/device';
import type { SellerView, SiteView } from '@app/schemas/seller';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError, type Handler, nodeFetch, type SeenRequest, sessionTokens } from '../../test/http-server.ts';
import { apiServerPerTest, renderApp } from '../../test/render.tsx';
import DevicesArea from './index.tsx';

const apiServer = apiServerPerTest();

const S1 = '7a1c1e53-6c43-4c3e-9a43-2f0e4b1d8c01';
const S2 = '8b2d2f64-7d54-4d4f-8b54-3f1f5c2e9d02';
const T1 = '0f6f7d7e-1d3b-4a8e-8f3e-0a4c2b6d9e11';
const T2 = '1a7a8e8f-2e4c-4b9f-9a4f-1b5d3c7eaf22';
const D1 = '2b8b9f90-3f5d-4caf-8b50-2c6e4d8fb033';

const seller = (id: string, name: string, ban: string): SellerView => ({
  id,
  ban,
  name,
  address: '台北市',
  personInCharge: null,
  telephone: null,
  email: null,
  turnkeyRoutingId: null,
  qrKeySet: true,
  qrKeyFingerprint: 'aaaa0000',
  certificateExpiresAt: null,
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});
const site = (id: string, sellerId: string, code: string, name: string, status: SiteView['status'] = 'active'): SiteView => ({
  id,
  sellerId,
  code,
  name,
  address: null,
  branchBan: null,
  status,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});
const device = (over: Partial<DeviceView> = {}): DeviceView => ({
  id: D1,
  deviceCode: 'POS-001',
  name: '一號收銀機',
  kind: 'pos',
  siteId: T1,
  sellerId: S1,
  appVersion: '2.4.1',
  lastActiveAt: '2026-11-20T16:30:00Z',
  revokedAt: null,
  revokedReason: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...over,
});

/** Sellers, their sites and (from `handler`) everything else. */
const places: Handler = (r) => {
  if (r.url === '/api/v1/sellers') return { body: { items: [seller(S1, '好市多', '04595257'), seller(S2, '全聯', '12345675')] } };
  if (r.url === `/api/v1/sellers/${S1}/sites`)
    return { body: { items: [site(T1, S1, 'TPE01', '台北店'), site(T2, S1, 'OLD01', '舊店', 'disabled')] } };
  if (r.url === `/api/v1/sellers/${S2}/sites`) return { body: { items: [] } };
  return apiError(404, 'NOT_FOUND', `no ${r.url}`);
};

async function open(path: string, handler: Handler, permissions: string[] = ['device.manage']) {
  const server = await apiServer.start((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions } };
    if (r.url.startsWith('/api/v1/sellers')) return places(r);
    return handler(r);
  });
  const seen = server.seen;
  const r = renderApp([{ path: '/devices/*', element: <DevicesArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
    services: { fetch: nodeFetch },
  });
  const devices = () => seen.filter((x) => x.url.startsWith('/api/v1/devices'));
  return { ...r, devices };
}

const query = (r: SeenRequest) => Object.fromEntries(new URL(r.url, 'http://x').searchParams);

describe('devices list', () => {
  it('sends the filters held in the URL and names sellers and sites', async () => {
    const { devices, router } = await open(`/devices?sellerId=${S1}&revoked=false`, () => ({
      body: {
        items: [
          device(),
          device({ id: 'd2', deviceCode: 'PDA-9', kind: 'pda', revokedAt: '2026-11-01T00:00:00Z', lastActiveAt: null }),
        ],
      },
    }));
    const table = await screen.findByRole('table', { name: '裝置列表' });
    // The list asks for pages of 50 (pickers elsewhere take the API's default of all).
    expect(query(devices()[0]!)).toEqual({ sellerId: S1, revoked: 'false', limit: '50' });
    const row = within(table).getByRole('row', { name: /POS-001/ });
    await waitFor(() => expect(row.textContent).toContain('台北店 (TPE01)'));
    expect(row.textContent).toContain('好市多');
    expect(row.textContent).toMatch(/2026\/11\/21.00:30:00/);
    expect(row.textContent).toContain('使用中');
    expect(within(table).getByRole('row', { name: /PDA-9/ }).textContent).toContain('已撤銷');

    const siteSelect = screen.getByLabelText('據點') as HTMLSelectElement;
    await waitFor(() => expect(siteSelect.options.length).toBe(3));
    fireEvent.change(siteSelect, { target: { value: T1 } });
    await waitFor(() => expect(devices().length).toBe(2));
    expect(query(devices()[1]!)).toEqual({ sellerId: S1, siteId: T1, revoked: 'false', limit: '50' });

    // Another seller: its sites differ, so the site filter is dropped.
    fireEvent.change(screen.getByLabelText('營業人'), { target: { value: S2 } });
    await waitFor(() => expect(devices().length).toBe(3));
    expect(query(devices()[2]!)).toEqual({ sellerId: S2, revoked: 'false', limit: '50' });
    expect(new URLSearchParams(router.state.location.search).get('siteId')).toBeNull();
  });

  it('finds devices by part of the code or name (q in the URL), and pages with the cursor', async () => {
    const { devices, router } = await open('/devices?q=POS', (r) => {
      const q = query(r);
      if (q.cursor === '50') return { body: { items: [device({ id: 'd3', deviceCode: 'POS-051' })], nextCursor: null } };
      return { body: { items: [device()], nextCursor: '50' } };
    });
    expect(await screen.findByRole('link', { name: 'POS-001' })).toBeTruthy();
    expect(query(devices()[0]!)).toEqual({ q: 'POS', limit: '50' });
    const q = screen.getByLabelText('裝置代碼或名稱') as HTMLInputElement;
    expect(q.value).toBe('POS');

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    expect(await screen.findByRole('link', { name: 'POS-051' })).toBeTruthy();
    expect(query(devices()[1]!)).toEqual({ q: 'POS', cursor: '50', limit: '50' });
    expect(new URLSearchParams(router.state.location.search).get('cursor')).toBe('50');
    expect(screen.getByText('第 2 頁')).toBeTruthy();
    expect(screen.queryByRole('button', { name: '下一頁' })).toBeNull();

    // A new search (trimmed) starts from the first page.
    fireEvent.change(screen.getByLabelText('裝置代碼或名稱'), { target: { value: ' 收銀 ' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    await waitFor(() => expect(devices().length).toBe(3));
    expect(query(devices()[2]!)).toEqual({ q: '收銀', limit: '50' });
    expect(router.state.location.search).toBe(`?q=${encodeURIComponent('收銀')}`);
    expect(await screen.findByRole('link', { name: 'POS-001' })).toBeTruthy();
    expect(screen.getByText('第 1 頁')).toBeTruthy();
  });

  it('shows the error state', async () => {
    await open('/devices', () => apiError(403, 'FORBIDDEN', "This action needs the permission 'device.manage'."));
    expect((await screen.findByRole('alert')).textContent).toBe('無法載入：沒有權限重試');
  });
});

describe('device create', () => {
  it("refuses bad input with the schema's messages, then posts the right body", async () => {
    const { devices, router } = await open('/devices/new', (r) => {
      if (r.method === 'POST') return { status: 201, body: device({ lastActiveAt: null, appVersion: null }) };
      if (r.url === `/api/v1/devices/${D1}`) return { body: device({ lastActiveAt: null, appVersion: null }) };
      return apiError(404, 'NOT_FOUND', 'no');
    });
    fireEvent.change(await screen.findByLabelText('裝置代碼'), { target: { value: 'POS 001' } });
    fireEvent.click(screen.getByRole('button', { name: '登記裝置' }));
    expect(await screen.findByText('1-64 letters, digits, . _ or -')).toBeTruthy();
    expect(screen.getByLabelText('名稱').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('據點').getAttribute('aria-invalid')).toBe('true');
    expect(devices()).toEqual([]);

    fireEvent.change(screen.getByLabelText('裝置代碼'), { target: { value: 'POS-001' } });
    fireEvent.change(screen.getByLabelText('名稱'), { target: { value: '一號收銀機' } });
    fireEvent.change(screen.getByLabelText('類型'), { target: { value: 'kiosk' } });
    await waitFor(() => expect((screen.getByLabelText('營業人') as HTMLSelectElement).options.length).toBe(3));
    fireEvent.change(screen.getByLabelText('營業人'), { target: { value: S1 } });
    const siteSelect = screen.getByLabelText('據點') as HTMLSelectElement;
    await waitFor(() => expect(siteSelect.options.length).toBe(2));
    // A disabled site is not offered.
    expect([...siteSelect.options].map((o) => o.textContent)).toEqual(['請選擇', '台北店 (TPE01)']);
    fireEvent.change(siteSelect, { target: { value: T1 } });
    fireEvent.click(screen.getByRole('button', { name: '登記裝置' }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/devices/${D1}`));
    const post = devices().find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/devices');
    expect(post.body).toEqual({ deviceCode: 'POS-001', name: '一號收銀機', kind: 'kiosk', siteId: T1 });
    expect((await screen.findByText(/^裝置已登記/)).getAttribute('role')).toBe('status');
  });
});

describe('device revoke', () => {
  it('asks for a reason in the confirm and only then revokes', async () => {
    let revoked = false;
    const { devices } = await open(`/devices/${D1}`, (r) => {
      if (r.method === 'POST' && r.url === `/api/v1/devices/${D1}/revoke`) {
        revoked = true;
        return { body: device({ revokedAt: '2026-11-21T02:00:00Z', revokedReason: (r.body as { reason: string }).reason }) };
      }
      if (r.url === `/api/v1/devices/${D1}`)
        return { body: revoked ? device({ revokedAt: '2026-11-21T02:00:00Z', revokedReason: '遺失' }) : device() };
      return apiError(404, 'NOT_FOUND', 'no');
    });
    fireEvent.click(await screen.findByRole('button', { name: '撤銷裝置' }));
    let dialog = screen.getByRole('dialog', { name: '撤銷裝置 POS-001？' });
    expect(dialog.textContent).toContain('API 用戶端會立即停用');
    fireEvent.click(within(dialog).getByRole('button', { name: '取消' }));
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: '撤銷裝置' }));
    dialog = screen.getByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: '撤銷裝置' }));
    await waitFor(() => expect(within(dialog).getByLabelText('撤銷原因').getAttribute('aria-invalid')).toBe('true'));
    expect(devices().some((r) => r.method === 'POST')).toBe(false);

    fireEvent.change(within(dialog).getByLabelText('撤銷原因'), { target: { value: '遺失' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '撤銷裝置' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(devices().find((r) => r.method === 'POST')?.body).toEqual({ reason: '遺失' });
    await waitFor(() => expect(screen.getByText('已撤銷')).toBeTruthy());
    expect(screen.queryByRole('button', { name: '撤銷裝置' })).toBeNull();
  });

  it('offers a machine client for the device to holders of user.manage', async () => {
    await open(`/devices/${D1}`, () => ({ body: device() }), ['device.manage', 'user.manage']);
    const link = await screen.findByRole('link', { name: '為此裝置建立 API 用戶端' });
    expect(link.getAttribute('href')).toBe(`/users/clients/new?deviceId=${D1}&kind=pos`);
  });
});
