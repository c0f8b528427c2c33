// @vitest-environment happy-dom
import type { BlockView, TrackView } from '@app/schemas/track';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, notFound, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import TracksArea from './index.tsx';

const SELLER = '11111111-1111-4111-8111-111111111111';
const SITE_TPE = '22222222-2222-4222-8222-222222222222';
const SITE_KHH = '33333333-3333-4333-8333-333333333333';
const DEVICE = '44444444-4444-4444-8444-444444444444';
const TRACK = '55555555-5555-4555-8555-555555555555';
/** A period far ahead, so it is still open whenever the test runs. */
const OPEN = '18002';

const track = (over: Partial<TrackView> = {}): TrackView => ({
  id: TRACK,
  sellerId: SELLER,
  sellerBan: '04595257',
  invoiceType: '07',
  yearMonth: OPEN,
  track: 'AB',
  beginNo: '12345000',
  endNo: '12345999',
  booklets: 20,
  importId: null,
  createdAt: '2026-01-02T03:04:05Z',
  allocated: 100,
  unallocated: 900,
  size: 1000,
  issued: 30,
  remaining: 970,
  ...over,
});

const block: BlockView = {
  id: 'b1',
  trackId: TRACK,
  siteId: SITE_TPE,
  deviceId: null,
  beginNo: '12345000',
  endNo: '12345099',
  nextNo: '12345030',
  status: 'active',
  lastIssuedAt: '2026-01-03T01:00:00Z',
  createdAt: '2026-01-02T04:00:00Z',
  size: 100,
  issued: 30,
  remaining: 70,
};

const site = (id: string, code: string, name: string) => ({
  id,
  sellerId: SELLER,
  code,
  name,
  address: null,
  branchBan: null,
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

const device = {
  id: DEVICE,
  deviceCode: 'POS-01',
  name: '一號收銀機',
  kind: 'pos',
  siteId: SITE_KHH,
  sellerId: SELLER,
  appVersion: null,
  lastActiveAt: null,
  revokedAt: null,
  revokedReason: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

const seller = { id: SELLER, ban: '04595257', name: '好市多股份有限公司' };

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

async function open(path: string, permissions: string[], handler: Handler) {
  server = await startApiServer(handler, { signedIn: { permissions } });
  const r = renderApp([{ path: '/tracks/*', element: <TracksArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
  });
  return { ...r, seen: server.seen };
}

/** The answers of a seller with two sites, one device, one range and one block. */
const api: Handler = (r) => {
  const path = r.url.split('?')[0] ?? '';
  if (path === '/api/v1/sellers') return { body: { items: [seller] } };
  if (path === '/api/v1/tracks') return { body: { items: [track()] } };
  if (path === `/api/v1/tracks/${TRACK}`) return { body: track() };
  if (path === `/api/v1/tracks/${TRACK}/blocks` && r.method === 'GET') return { body: { items: [block] } };
  if (path === `/api/v1/sellers/${SELLER}/sites`)
    return { body: { items: [site(SITE_TPE, 'TPE01', '台北店'), site(SITE_KHH, 'KHH01', '高雄店')] } };
  if (path === '/api/v1/devices') return { body: { items: [device] } };
  return notFound(r.url);
};

describe('tracks list', () => {
  it('sends the filters in the URL as the query, and refuses a bad period with the schema message', async () => {
    // The API filters by type: only the 08 range when asked for 08.
    const { seen, router } = await open(`/tracks?sellerId=${SELLER}&yearMonth=${OPEN}&invoiceType=08`, ['invoice.read'], (r) =>
      r.url.startsWith('/api/v1/tracks')
        ? {
            body: {
              items: [
                ...(r.url.includes('invoiceType=08') ? [] : [track()]),
                track({
                  id: 't8',
                  invoiceType: '08',
                  track: 'CD',
                  remaining: 40,
                  issued: 960,
                  beginNo: '22220000',
                  endNo: '22220999',
                }),
              ],
            },
          }
        : api(r),
    );
    const table = await screen.findByRole('table', { name: '字軌列表' });
    expect(seen.filter((r) => r.url.startsWith('/api/v1/tracks')).map((r) => r.url)).toEqual([
      `/api/v1/tracks?sellerId=${SELLER}&yearMonth=${OPEN}&invoiceType=08`,
    ]);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.textContent).toContain('CD 22220000–22220999');
    await waitFor(() => expect(rows[0]?.textContent).toContain('好市多股份有限公司'));
    expect(rows[0]?.textContent).toContain('剩餘不足 10%');
    expect(within(table).getByRole('link', { name: 'CD 22220000–22220999' }).getAttribute('href')).toBe('/tracks/t8');
    expect(screen.getByText('1 筆號碼即將用盡')).toBeTruthy();

    // An odd month is not a period: the shared schema's message, beside the field, and nothing is asked.
    const period = screen.getByLabelText('期別');
    fireEvent.change(period, { target: { value: '11403' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    expect(await screen.findByText('ROC year + even month, e.g. 11402')).toBeTruthy();
    expect(period.getAttribute('aria-invalid')).toBe('true');
    expect(router.state.location.search).toContain(`yearMonth=${OPEN}`);

    fireEvent.change(period, { target: { value: '11404' } });
    fireEvent.change(screen.getByLabelText('發票類別'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    await waitFor(() => expect(router.state.location.search).toBe(`?sellerId=${SELLER}&yearMonth=11404`));
    await waitFor(() => expect(seen.some((r) => r.url === `/api/v1/tracks?sellerId=${SELLER}&yearMonth=11404`)).toBe(true));
    // Both ranges now, both 07 and 08.
    await waitFor(() => expect(within(screen.getByRole('table', { name: '字軌列表' })).getAllByRole('row')).toHaveLength(3));
  });

  it('shows the load error with a retry', async () => {
    let fail = true;
    const { seen } = await open('/tracks', ['invoice.read'], (r) =>
      r.url.startsWith('/api/v1/tracks') && fail
        ? apiError(403, 'FORBIDDEN', "This action needs the permission 'invoice.read'.")
        : api(r),
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('無法載入：沒有權限');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: '重試' }));
    expect(await screen.findByRole('table', { name: '字軌列表' })).toBeTruthy();
    expect(seen.filter((r) => r.url === '/api/v1/tracks')).toHaveLength(2);
  });
});

describe('a range and its blocks', () => {
  const detail = `/tracks/${TRACK}?sellerId=${SELLER}&yearMonth=${OPEN}`;

  it('shows the blocks with their site, and allocates a block after the schema accepts it and the user confirms', async () => {
    const { seen } = await open(detail, ['invoice.read', 'track.manage', 'device.manage'], (r) => {
      if (r.method === 'POST')
        return {
          status: 201,
          body: {
            ...block,
            id: 'b2',
            siteId: SITE_KHH,
            deviceId: DEVICE,
            beginNo: '12345100',
            endNo: '12345199',
            nextNo: '12345100',
            size: 100,
            issued: 0,
            remaining: 100,
          },
        };
      return api(r);
    });
    expect(await screen.findByRole('heading', { level: 1, name: /字軌 AB/ })).toBeTruthy();
    const blocks = await screen.findByRole('table', { name: '字軌 AB 的號碼段' });
    await waitFor(() =>
      expect(within(blocks).getAllByRole('row')[1]?.textContent).toMatch(
        /12345000–12345099台北店 \(TPE01\)門市內任一裝置12345030/,
      ),
    );
    await waitFor(() => expect(seen.some((r) => r.url === `/api/v1/devices?sellerId=${SELLER}`)).toBe(true));

    // Bad input: the shared schema's messages beside the fields, nothing sent.
    const form = (await screen.findByRole('heading', { name: '配號給門市或裝置' })).closest('section')!;
    const f = within(form);
    fireEvent.change(f.getByLabelText('本數'), { target: { value: '2' } });
    fireEvent.change(f.getByLabelText('起始號碼（選填）'), { target: { value: '12345101' } });
    fireEvent.click(f.getByRole('button', { name: '配號' }));
    expect(await f.findByText('must end in 00 or 50')).toBeTruthy();
    expect(f.getByText('must be a UUID')).toBeTruthy();
    expect(f.getByRole('alert').textContent).toBe('請修正標示的欄位');
    expect(screen.queryByRole('dialog')).toBeNull();

    // The device list follows the site.
    fireEvent.change(f.getByLabelText('門市'), { target: { value: SITE_KHH } });
    const deviceSelect = f.getByLabelText('裝置') as HTMLSelectElement;
    expect([...deviceSelect.options].map((o) => o.textContent)).toEqual(['門市內任一裝置', '一號收銀機 (POS-01)']);
    fireEvent.change(deviceSelect, { target: { value: DEVICE } });
    fireEvent.change(f.getByLabelText('起始號碼（選填）'), { target: { value: '12345100' } });
    fireEvent.click(f.getByRole('button', { name: '配號' }));

    const dialog = await screen.findByRole('dialog', { name: '確認配號' });
    expect(dialog.textContent).toContain('將字軌 AB 的 2 本（100 個號碼）配給 高雄店 (KHH01)。');
    expect(dialog.textContent).toContain('一號收銀機 (POS-01)');
    expect(seen.some((r) => r.method === 'POST')).toBe(false);
    const blockReads = () => seen.filter((r) => r.url === `/api/v1/tracks/${TRACK}/blocks`).length;
    const readsBefore = blockReads();
    fireEvent.click(within(dialog).getByRole('button', { name: '確認配號' }));

    expect((await screen.findByRole('status')).textContent).toBe('已配號 12345100–12345199（100 個號碼）給 高雄店 (KHH01)。');
    const post = seen.find((r) => r.method === 'POST')!;
    expect(post.url).toBe(`/api/v1/tracks/${TRACK}/blocks`);
    expect(post.body).toEqual({ siteId: SITE_KHH, deviceId: DEVICE, booklets: 2, beginNo: '12345100' });
    expect(post.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(screen.queryByRole('dialog')).toBeNull();
    // The blocks are read again.
    await waitFor(() => expect(blockReads()).toBeGreaterThan(readsBefore));
  });

  it("shows the API's refusal (overlap) in our words, its message, and beside the field", async () => {
    await open(detail, ['invoice.read', 'track.manage'], (r) =>
      r.method === 'POST'
        ? {
            status: 409,
            body: {
              requestId: 'req-9',
              statusCode: 409,
              code: 'BLOCK_OVERLAP',
              message: 'The block overlaps a block already allocated in this range.',
              details: { field: 'body.beginNo' },
            },
          }
        : api(r),
    );
    const form = (await screen.findByRole('heading', { name: '配號給門市或裝置' })).closest('section')!;
    const f = within(form);
    await waitFor(() => expect((f.getByLabelText('門市') as HTMLSelectElement).options).toHaveLength(3));
    // Without device.manage the device is typed, not chosen.
    expect(f.getByLabelText('裝置 ID（選填）')).toBeTruthy();
    fireEvent.change(f.getByLabelText('門市'), { target: { value: SITE_TPE } });
    fireEvent.change(f.getByLabelText('本數'), { target: { value: '1' } });
    fireEvent.change(f.getByLabelText('起始號碼（選填）'), { target: { value: '12345050' } });
    fireEvent.click(f.getByRole('button', { name: '配號' }));
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: '確認配號' }));

    const alert = await f.findByRole('alert');
    expect(alert.textContent).toContain('配號失敗');
    expect(alert.textContent).toContain('此號碼段與已配出的號碼段重疊。');
    expect(alert.textContent).toContain('錯誤代碼 BLOCK_OVERLAP（HTTP 409），請求編號 req-9');
    const beginNo = f.getByLabelText('起始號碼（選填）');
    expect(beginNo.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(beginNo.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe(
      'The block overlaps a block already allocated in this range.',
    );
  });

  it('says so when the API has no such range (404)', async () => {
    const { seen } = await open(`/tracks/${TRACK}`, ['invoice.read'], (r) =>
      r.url === `/api/v1/tracks/${TRACK}` ? notFound(r.url) : api(r),
    );
    expect((await screen.findByRole('alert')).textContent).toContain('找不到此字軌');
    expect(seen.map((r) => r.url)).toEqual([`/api/v1/tracks/${TRACK}`]);
  });
});

describe('unused numbers', () => {
  it("asks for the URL's period and shows each range's unused numbers", async () => {
    const { seen } = await open('/tracks/blanks?yearMonth=11402', ['invoice.read'], () => ({
      body: {
        yearMonth: '11402',
        periodStart: '2024-12-31T16:00:00Z',
        periodEnd: '2025-02-28T16:00:00Z',
        periodClosed: true,
        e0402Deadline: '2025-03-12T16:00:00Z',
        items: [
          {
            trackId: TRACK,
            sellerBan: '04595257',
            invoiceType: '07',
            yearMonth: '11402',
            track: 'AB',
            blanks: [
              { ban: '04595257', beginNo: '12345030', endNo: '12345099', count: 70 },
              { ban: '04595257', beginNo: '12345100', endNo: '12345999', count: 900 },
            ],
          },
        ],
      },
    }));
    const table = await screen.findByRole('table', { name: '11402 期空白號碼' });
    expect(seen[0]?.url).toBe('/api/v1/tracks/blanks?yearMonth=11402');
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByText('已結束，須申報 E0402')).toBeTruthy();
    expect(screen.getByText('970')).toBeTruthy();
    // The deadline in Taipei time: 16:00 UTC is midnight the next day.
    expect(screen.getByText(/2025\/03\/13 00:00:00/)).toBeTruthy();
  });
});
