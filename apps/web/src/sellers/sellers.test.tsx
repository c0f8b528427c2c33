// @vitest-environment happy-dom
import type { SellerView, SiteView } from '@app/schemas/seller';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError, type Handler, nodeFetch, type SeenRequest, sessionTokens } from '../../test/http-server.ts';
import { apiServerPerTest, renderApp } from '../../test/render.tsx';
import SellersArea from './index.tsx';

const apiServer = apiServerPerTest();

const SELLER_ID = '7a1c1e53-6c43-4c3e-9a43-2f0e4b1d8c01';
const SITE_ID = '0f6f7d7e-1d3b-4a8e-8f3e-0a4c2b6d9e11';

/** YYYY-MM-DD `days` from today in Taipei. */
const inDays = (days: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Taipei' }).format(new Date(Date.now() + days * 86_400_000));

const seller = (over: Partial<SellerView> = {}): SellerView => ({
  id: SELLER_ID,
  ban: '04595257',
  name: '好市多股份有限公司',
  address: '台北市內湖區舊宗路一段 268 號',
  personInCharge: '王小明',
  telephone: null,
  email: null,
  turnkeyRoutingId: null,
  qrKeySet: true,
  qrKeyFingerprint: 'a1b2c3d4',
  certificateExpiresAt: inDays(10),
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-11-20T16:30:00Z',
  ...over,
});

const site = (over: Partial<SiteView> = {}): SiteView => ({
  id: SITE_ID,
  sellerId: SELLER_ID,
  code: 'TPE01',
  name: '台北店',
  address: '台北市',
  branchBan: null,
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...over,
});

/** The area signed in with `permissions`; `handler` answers everything but the session calls. */
async function open(path: string, handler: Handler, permissions: string[] = ['seller.manage']) {
  const server = await apiServer.start((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions } };
    return handler(r);
  });
  const seen = server.seen;
  const r = renderApp([{ path: '/sellers/*', element: <SellersArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
    services: { fetch: nodeFetch },
  });
  const api = () => seen.filter((x) => !x.url.startsWith('/api/v1/auth/'));
  return { ...r, api };
}

const query = (r: SeenRequest) => Object.fromEntries(new URL(r.url, 'http://x').searchParams);

describe('sellers list', () => {
  it('sends the filters held in the URL, and changes them there', async () => {
    const { api, router } = await open('/sellers?q=%E5%A5%BD%E5%B8%82&status=active', () => ({
      body: {
        items: [
          seller(),
          seller({ id: 'x2', ban: '12345675', name: '遠期公司', certificateExpiresAt: inDays(90), qrKeySet: false }),
        ],
      },
    }));
    const table = await screen.findByRole('table', { name: '營業人列表' });
    expect(api()[0]?.url.startsWith('/api/v1/sellers?')).toBe(true);
    // The list asks for pages of 50 (pickers elsewhere take the API's default of all).
    expect(query(api()[0]!)).toEqual({ q: '好市', status: 'active', limit: '50' });
    // The filter inputs show what the URL holds.
    expect((screen.getByLabelText('名稱或統一編號') as HTMLInputElement).value).toBe('好市');

    const near = within(table).getByRole('row', { name: /好市多股份有限公司/ });
    expect(near.textContent).toContain('10 天後到期');
    expect(near.textContent).toContain('04595257');
    const far = within(table).getByRole('row', { name: /遠期公司/ });
    expect(far.textContent).not.toContain('到期');
    expect(far.textContent).toContain('未設定');
    // Shown once the session says the user holds seller.manage.
    expect(await screen.findByRole('link', { name: '新增營業人' })).toBeTruthy();

    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'disabled' } });
    await waitFor(() => expect(api().length).toBe(2));
    expect(query(api()[1]!)).toEqual({ q: '好市', status: 'disabled', limit: '50' });
    expect(router.state.location.search).toBe('?q=%E5%A5%BD%E5%B8%82&status=disabled');

    fireEvent.change(screen.getByLabelText('名稱或統一編號'), { target: { value: ' 0459 ' } });
    fireEvent.submit(screen.getByRole('search'));
    await waitFor(() => expect(api().length).toBe(3));
    expect(query(api()[2]!)).toEqual({ q: '0459', status: 'disabled', limit: '50' });
  });

  it('pages with the cursor: the next page is in the URL and the request, a filter starts again from the first', async () => {
    const { api, router } = await open('/sellers?status=active', (r) => {
      const cursor = query(r).cursor;
      if (!cursor) return { body: { items: [seller()], nextCursor: '50' } };
      if (cursor === '50')
        return { body: { items: [seller({ id: 'x2', ban: '12345675', name: '第二頁公司' })], nextCursor: null } };
      return apiError(400, 'VALIDATION_ERROR', 'bad cursor');
    });
    expect(await screen.findByRole('link', { name: '好市多股份有限公司' })).toBeTruthy();
    expect(screen.getByText('第 1 頁')).toBeTruthy();
    expect(screen.queryByRole('button', { name: '回到第一頁' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    expect(await screen.findByRole('link', { name: '第二頁公司' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: '好市多股份有限公司' })).toBeNull();
    expect(new URLSearchParams(router.state.location.search).get('cursor')).toBe('50');
    expect(query(api()[1]!)).toEqual({ status: 'active', cursor: '50', limit: '50' });
    expect(screen.getByText('第 2 頁')).toBeTruthy();
    // The last page: no next.
    expect(screen.queryByRole('button', { name: '下一頁' })).toBeNull();

    // Another filter: back to the first page.
    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'disabled' } });
    await waitFor(() => expect(api().length).toBe(3));
    expect(query(api()[2]!)).toEqual({ status: 'disabled', limit: '50' });
    expect(router.state.location.search).toBe('?status=disabled');
  });

  it('shows an expired certificate, and no write actions without seller.manage', async () => {
    await open('/sellers', () => ({ body: { items: [seller({ certificateExpiresAt: inDays(-1) })] } }), ['invoice.read']);
    const row = await screen.findByRole('row', { name: /好市多/ });
    expect(row.textContent).toContain('已過期');
    expect(screen.queryByRole('link', { name: '新增營業人' })).toBeNull();
  });

  it('shows the error and retries', async () => {
    let fail = true;
    const { api } = await open('/sellers', () =>
      fail ? apiError(403, 'SCOPE_FORBIDDEN', 'Your data scope holds no sellers.') : { body: { items: [seller()] } },
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('無法載入：Your data scope holds no sellers.重試');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: '重試' }));
    expect(await screen.findByRole('link', { name: '好市多股份有限公司' })).toBeTruthy();
    expect(api().length).toBeGreaterThanOrEqual(2);
  });
});

describe('seller create', () => {
  it("refuses bad input with the schema's message, then posts the right body and opens the seller", async () => {
    const { api, router } = await open('/sellers/new', (r) => {
      if (r.method === 'POST') return { status: 201, body: seller() };
      if (r.url.startsWith(`/api/v1/sellers/${SELLER_ID}`)) return { body: r.url.endsWith('/sites') ? { items: [] } : seller() };
      return apiError(404, 'NOT_FOUND', 'no');
    });
    await screen.findByRole('heading', { name: '新增營業人' });
    fireEvent.change(screen.getByLabelText('統一編號'), { target: { value: '1234' } });
    fireEvent.change(screen.getByLabelText('名稱'), { target: { value: '好市多股份有限公司' } });
    fireEvent.change(screen.getByLabelText('電子郵件'), { target: { value: 'not-an-email' } });
    fireEvent.click(screen.getByRole('button', { name: '新增營業人' }));

    expect((await screen.findByRole('alert')).textContent).toBe('請修正標示的欄位');
    const ban = screen.getByLabelText('統一編號');
    expect(ban.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(ban.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('8 digits');
    expect(screen.getByLabelText('地址').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('電子郵件').getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(ban));
    expect(api()).toEqual([]);

    fireEvent.change(ban, { target: { value: '04595257' } });
    fireEvent.change(screen.getByLabelText('地址'), { target: { value: '台北市內湖區' } });
    fireEvent.change(screen.getByLabelText('電子郵件'), { target: { value: 'tax@example.com' } });
    fireEvent.change(screen.getByLabelText('憑證到期日'), { target: { value: '2027-03-31' } });
    fireEvent.click(screen.getByRole('button', { name: '新增營業人' }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/sellers/${SELLER_ID}`));
    const post = api().find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/sellers');
    expect(post.body).toEqual({
      ban: '04595257',
      name: '好市多股份有限公司',
      address: '台北市內湖區',
      email: 'tax@example.com',
      certificateExpiresAt: '2027-03-31',
    });
    expect(post.headers['idempotency-key']).toBeTruthy();
  });

  it("puts the API's field errors beside the fields", async () => {
    await open('/sellers/new', () =>
      apiError(400, 'VALIDATION_ERROR', '12345678 is not a valid BAN', [
        { field: 'body.ban', message: 'checksum does not match' },
      ]),
    );
    fireEvent.change(await screen.findByLabelText('統一編號'), { target: { value: '12345678' } });
    fireEvent.change(screen.getByLabelText('名稱'), { target: { value: 'A' } });
    fireEvent.change(screen.getByLabelText('地址'), { target: { value: 'B' } });
    fireEvent.click(screen.getByRole('button', { name: '新增營業人' }));
    expect(await screen.findByText('checksum does not match')).toBeTruthy();
    expect(screen.getByLabelText('統一編號').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('seller detail', () => {
  const detail =
    (over: Partial<SellerView> = {}, sites: SiteView[] = [site()]): Handler =>
    (r) => {
      if (r.method === 'GET' && r.url === `/api/v1/sellers/${SELLER_ID}`) return { body: seller(over) };
      if (r.method === 'GET' && r.url === `/api/v1/sellers/${SELLER_ID}/sites`) return { body: { items: sites } };
      if (r.method === 'PATCH' && r.url === `/api/v1/sellers/${SELLER_ID}`)
        return { body: seller({ ...over, ...(r.body as object) }) };
      if (r.method === 'PUT') return { body: seller({ qrKeySet: true, qrKeyFingerprint: 'ffff0000' }) };
      if (r.method === 'PATCH' && r.url === `/api/v1/sites/${SITE_ID}`) return { body: site(r.body as Partial<SiteView>) };
      return apiError(404, 'NOT_FOUND', `no ${r.url}`);
    };

  it('disables the seller only after the confirm', async () => {
    const { api } = await open(`/sellers/${SELLER_ID}`, detail());
    await screen.findByRole('heading', { level: 1, name: '好市多股份有限公司' });
    expect((await screen.findByRole('table', { name: '好市多股份有限公司 的據點' })).textContent).toContain('TPE01');

    fireEvent.click(await screen.findByRole('button', { name: '停用營業人' }));
    const dialog = screen.getByRole('dialog', { name: '停用 好市多股份有限公司？' });
    fireEvent.click(within(dialog).getByRole('button', { name: '取消' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api().some((r) => r.method === 'PATCH')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: '停用營業人' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: '停用營業人' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const patch = api().find((r) => r.method === 'PATCH')!;
    expect(patch.url).toBe(`/api/v1/sellers/${SELLER_ID}`);
    expect(patch.body).toEqual({ status: 'disabled' });
  });

  it('keeps the dialog open with the reason when the API refuses', async () => {
    await open(`/sellers/${SELLER_ID}`, (r) =>
      r.method === 'PATCH' ? apiError(403, 'SCOPE_FORBIDDEN', 'Not in your data scope.') : detail()(r),
    );
    fireEvent.click(await screen.findByRole('button', { name: '停用營業人' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: '停用營業人' }));
    expect((await within(screen.getByRole('dialog')).findByRole('alert')).textContent).toBe('Not in your data scope.');
  });

  it('sets the QR key through a dialog checked with the schema, never showing a key', async () => {
    const { api } = await open(`/sellers/${SELLER_ID}`, detail());
    expect(await screen.findByText('已設定（指紋 a1b2c3d4）')).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: '更換 QR Code 金鑰' }));
    const dialog = screen.getByRole('dialog');
    const input = within(dialog).getByLabelText('QR Code AES 金鑰') as HTMLInputElement;
    expect(input.value).toBe('');
    expect(input.type).toBe('password');
    fireEvent.change(input, { target: { value: 'not-hex' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '儲存金鑰' }));
    expect(await within(dialog).findByText(/^32 hex characters/)).toBeTruthy();
    expect(api().some((r) => r.method === 'PUT')).toBe(false);

    const key = '0123456789abcdef0123456789ABCDEF';
    fireEvent.change(input, { target: { value: key } });
    fireEvent.click(within(dialog).getByRole('button', { name: '儲存金鑰' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const put = api().find((r) => r.method === 'PUT')!;
    expect(put.url).toBe(`/api/v1/sellers/${SELLER_ID}/qr-key`);
    expect(put.body).toEqual({ qrAesKey: key });
    expect(document.body.textContent).not.toContain(key);
  });

  it('disables a site after the confirm, and edits a site sending only what changed', async () => {
    const { api, router } = await open(`/sellers/${SELLER_ID}`, detail({}, [site({ branchBan: '12345675' })]));
    fireEvent.click(await screen.findByRole('button', { name: '停用 TPE01' }));
    fireEvent.click(
      within(screen.getByRole('dialog', { name: '停用據點 台北店 (TPE01)？' })).getByRole('button', { name: '停用' }),
    );
    await waitFor(() => expect(api().some((r) => r.method === 'PATCH')).toBe(true));
    expect(api().find((r) => r.method === 'PATCH')?.body).toEqual({ status: 'disabled' });

    fireEvent.click(screen.getByRole('link', { name: '編輯據點 TPE01' }));
    await screen.findByRole('heading', { name: '編輯據點：台北店（TPE01）' });
    fireEvent.change(screen.getByLabelText('分支機構統一編號'), { target: { value: '123' } });
    fireEvent.click(screen.getByRole('button', { name: '儲存' }));
    expect(await screen.findByText('8 digits')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('分支機構統一編號'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('據點名稱'), { target: { value: '台北旗艦店' } });
    fireEvent.click(screen.getByRole('button', { name: '儲存' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/sellers/${SELLER_ID}`));
    expect(api().filter((r) => r.method === 'PATCH')[1]?.body).toEqual({ name: '台北旗艦店', branchBan: null });
  });

  it('edits a seller: an emptied optional field is cleared', async () => {
    const { api, router } = await open(`/sellers/${SELLER_ID}/edit`, detail());
    const person = await screen.findByLabelText('負責人');
    expect((person as HTMLInputElement).value).toBe('王小明');
    fireEvent.change(person, { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('電話'), { target: { value: '02-1234-5678' } });
    fireEvent.click(screen.getByRole('button', { name: '儲存' }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/sellers/${SELLER_ID}`));
    expect(api().find((r) => r.method === 'PATCH')?.body).toEqual({ personInCharge: null, telephone: '02-1234-5678' });
  });
});
