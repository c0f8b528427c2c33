// @vitest-environment happy-dom
import type { TrackView } from '@app/schemas/track';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, nodeFetch, type SeenRequest, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import TracksArea from './index.tsx';

const SELLER = '11111111-1111-4111-8111-111111111111';
const TRACK = '55555555-5555-4555-8555-555555555555';
const TRACK_2 = '66666666-6666-4666-8666-666666666666';
/** A period far ahead, so it is still open whenever the test runs. */
const OPEN = '18002';

const track = (over: Partial<TrackView> = {}): TrackView => ({
  id: TRACK,
  sellerId: SELLER,
  sellerBan: '04595257',
  invoiceType: '08',
  yearMonth: OPEN,
  track: 'CD',
  beginNo: '22220000',
  endNo: '22220999',
  booklets: 20,
  importId: null,
  createdAt: '2026-01-02T03:04:05Z',
  allocated: 0,
  unallocated: 1000,
  size: 1000,
  issued: 0,
  remaining: 1000,
  ...over,
});

const e0501 = (id: string, filename: string) => ({
  id,
  sha256: 'ab'.repeat(32),
  filename,
  format: 'xml',
  sizeBytes: 1234,
  createdAt: '2026-01-02T03:04:05Z',
  total: 2,
  accepted: 2,
  duplicate: 0,
  rejected: 0,
  entries: [],
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

/** The area signed in with `permissions`; `handler` answers everything but the session calls. */
async function open(path: string, permissions: string[], handler: Handler) {
  server = await startApiServer((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(2) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions } };
    if (r.url === '/api/v1/sellers') return { body: { items: [{ id: SELLER, ban: '04595257', name: '好市多股份有限公司' }] } };
    return handler(r);
  });
  const seen = server.seen;
  const r = renderApp([{ path: '/tracks/*', element: <TracksArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
    services: { fetch: nodeFetch },
  });
  /** The requests to `path` (without its query), in order. */
  const to = (p: string) => seen.filter((x) => x.url.split('?')[0] === p);
  return { ...r, seen, to };
}

const pathOf = (r: SeenRequest) => r.url.split('?')[0];
const query = (r: SeenRequest) => Object.fromEntries(new URL(r.url, 'http://x').searchParams);

describe('tracks list pages', () => {
  it('sends the invoice type to the API, shows its answer as is, and pages with the cursor in the URL', async () => {
    const { to, router } = await open(`/tracks?sellerId=${SELLER}&invoiceType=08`, ['invoice.read'], (r) => {
      if (pathOf(r) !== '/api/v1/tracks') return apiError(404, 'NOT_FOUND', `no ${r.url}`);
      const q = query(r);
      if (q.cursor === '100') return { body: { items: [track({ id: TRACK_2, track: 'EF' })], nextCursor: null } };
      // Whatever the API answers is the page: no filtering in the browser (this 07 row would have been hidden).
      return { body: { items: [track(), track({ id: 'x7', invoiceType: '07', track: 'AB' })], nextCursor: '100' } };
    });
    const table = await screen.findByRole('table', { name: '字軌列表' });
    expect(to('/api/v1/tracks').map(query)).toEqual([{ sellerId: SELLER, invoiceType: '08' }]);
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByText('本頁 2 筆字軌')).toBeTruthy();
    // A range's link needs nothing but its id (GET /api/v1/tracks/{id} reads it).
    expect(within(table).getByRole('link', { name: 'CD 22220000–22220999' }).getAttribute('href')).toBe(`/tracks/${TRACK}`);

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    expect(await screen.findByRole('link', { name: 'EF 22220000–22220999' })).toBeTruthy();
    expect(to('/api/v1/tracks').map(query)[1]).toEqual({ sellerId: SELLER, invoiceType: '08', cursor: '100' });
    const url = new URLSearchParams(router.state.location.search);
    expect(url.get('cursor')).toBe('100');
    expect(url.get('page')).toBe('2');
    expect(screen.getByText('第 2 頁')).toBeTruthy();
    expect(screen.queryByRole('button', { name: '下一頁' })).toBeNull();

    // Back to the first page keeps the filters, drops the cursor.
    fireEvent.click(screen.getByRole('button', { name: '回到第一頁' }));
    await waitFor(() => expect(router.state.location.search).toBe(`?sellerId=${SELLER}&invoiceType=08`));
    expect(await screen.findByRole('link', { name: 'CD 22220000–22220999' })).toBeTruthy();

    // Another type: sent to the API, from the first page.
    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    await waitFor(() => expect(new URLSearchParams(router.state.location.search).get('cursor')).toBe('100'));
    fireEvent.change(screen.getByLabelText('發票類別'), { target: { value: '07' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    await waitFor(() => expect(router.state.location.search).toBe(`?sellerId=${SELLER}&invoiceType=07`));
    await waitFor(() => expect(to('/api/v1/tracks').map(query)).toContainEqual({ sellerId: SELLER, invoiceType: '07' }));
  });

  it('offers the first page again when a page comes back empty', async () => {
    const { to } = await open('/tracks?cursor=500&page=6', ['invoice.read'], () => ({ body: { items: [], nextCursor: null } }));
    expect(await screen.findByText('沒有符合條件的資料')).toBeTruthy();
    expect(to('/api/v1/tracks').map(query)).toEqual([{ cursor: '500' }]);
    fireEvent.click(screen.getByRole('button', { name: '回到第一頁' }));
    await waitFor(() => expect(to('/api/v1/tracks').map(query)).toContainEqual({}));
  });
});

describe('a range read on its own', () => {
  it('loads the range with GET /api/v1/tracks/{id}, not from the list', async () => {
    const { seen } = await open(`/tracks/${TRACK}`, ['invoice.read'], (r) => {
      if (r.url === `/api/v1/tracks/${TRACK}`) return { body: track() };
      if (r.url === `/api/v1/tracks/${TRACK}/blocks`) return { body: { items: [] } };
      if (r.url === `/api/v1/sellers/${SELLER}/sites`) return { body: { items: [] } };
      return apiError(404, 'NOT_FOUND', `no ${r.url}`);
    });
    expect(await screen.findByRole('heading', { level: 1, name: /字軌 CD/ })).toBeTruthy();
    expect(await screen.findByText('此字軌尚未配號給任何門市或裝置。')).toBeTruthy();
    const api = seen.filter((r) => !r.url.startsWith('/api/v1/auth/')).map((r) => r.url);
    expect(api).toContain(`/api/v1/tracks/${TRACK}`);
    expect(api.some((u) => u.split('?')[0] === '/api/v1/tracks')).toBe(false);
    expect(screen.getByRole('link', { name: '回到字軌列表' }).getAttribute('href')).toBe(
      `/tracks?sellerId=${SELLER}&yearMonth=${OPEN}`,
    );
  });

  it('says the range is not found (or out of scope) on a 404, with the way back', async () => {
    await open(`/tracks/${TRACK}`, ['invoice.read'], (r) =>
      apiError(404, 'NOT_FOUND', `No number range ${r.url.split('/').pop()} in your scope.`),
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('找不到此字軌，或不在您的資料範圍內。');
    expect(alert.textContent).toContain('錯誤代碼 NOT_FOUND（HTTP 404），請求編號 req-test-1');
    expect(within(alert).getByRole('link', { name: '回到字軌列表' }).getAttribute('href')).toBe('/tracks');
  });

  it('shows another failure with a retry', async () => {
    let fail = true;
    const { to } = await open(`/tracks/${TRACK}`, ['invoice.read'], (r) => {
      if (r.url === `/api/v1/tracks/${TRACK}`)
        return fail ? apiError(403, 'FORBIDDEN', "This action needs the permission 'invoice.read'.") : { body: track() };
      return { body: { items: [] } };
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('無法載入：沒有權限');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: '重試' }));
    expect(await screen.findByRole('heading', { level: 1, name: /字軌 CD/ })).toBeTruthy();
    expect(to(`/api/v1/tracks/${TRACK}`)).toHaveLength(2);
  });
});

describe('E0501 imports page', () => {
  it('pages the earlier imports with the cursor in the URL and the request', async () => {
    const { to, router } = await open('/tracks/e0501', ['invoice.read', 'track.manage'], (r) => {
      if (pathOf(r) !== '/api/v1/tracks/e0501') return apiError(404, 'NOT_FOUND', `no ${r.url}`);
      return query(r).cursor === '50'
        ? { body: { items: [e0501('i2', 'older.xml')], nextCursor: null } }
        : { body: { items: [e0501('i1', 'newest.xml')], nextCursor: '50' } };
    });
    const table = await screen.findByRole('table', { name: '匯入紀錄' });
    expect(within(table).getByRole('link', { name: 'newest.xml' })).toBeTruthy();
    expect(to('/api/v1/tracks/e0501').map((r) => r.url)).toEqual(['/api/v1/tracks/e0501']);

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    expect(await screen.findByRole('link', { name: 'older.xml' })).toBeTruthy();
    expect(to('/api/v1/tracks/e0501').map((r) => r.url)[1]).toBe('/api/v1/tracks/e0501?cursor=50');
    expect(new URLSearchParams(router.state.location.search).get('cursor')).toBe('50');
    expect(screen.getByText('第 2 頁')).toBeTruthy();
    expect(screen.queryByRole('button', { name: '下一頁' })).toBeNull();
  });
});
