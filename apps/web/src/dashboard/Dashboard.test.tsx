// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, nodeFetch, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import { I18nProvider } from '../i18n/index.ts';
import { DashboardPage } from './DashboardPage.tsx';
import { DashboardView } from './DashboardView.tsx';
import type { DashboardSummary } from './summary.ts';

const summary = (issued = 42): DashboardSummary => ({
  today: '2026-11-21',
  period: '11512',
  invoices: { issued, cancelled: 3, voided: 1 },
  turnkey: { acceptedToday: 40, pending: 2, delivered: 5, rejected: 1, invalid: 0, dead: 0, atRisk: 1 },
  pipeline: {
    status: 'degraded',
    problems: ['circuit breaker turnkey-sftp is open'],
    circuitBreakers: [{ name: 'turnkey-sftp', state: 'open', since: '2026-11-21T01:02:03Z' }],
    outbox: { backlog: 7, oldestAt: '2026-11-20T16:30:00Z' },
    oldestUndeliveredAt: null,
    deadLetters: 2,
  },
  numbers: {
    lowThreshold: 500,
    sellers: [
      {
        sellerId: 's1',
        ban: '04595257',
        name: '好市多股份有限公司',
        invoiceType: '07',
        total: 10000,
        taken: 2500,
        remaining: 7500,
      },
    ],
    sites: [
      {
        siteId: 'x1',
        code: 'TPE01',
        name: '台北店',
        sellerId: 's1',
        sellerBan: '04595257',
        invoiceType: '07',
        remaining: 120,
        low: true,
      },
      {
        siteId: 'x2',
        code: 'KHH01',
        name: '高雄店',
        sellerId: 's1',
        sellerBan: '04595257',
        invoiceType: '07',
        remaining: 3000,
        low: false,
      },
    ],
  },
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

describe('DashboardView', () => {
  it("renders today's counts, the pipeline and the numbers left, times in Asia/Taipei", () => {
    render(
      <I18nProvider locale="en">
        <DashboardView summary={summary()} receivedAt={Date.parse('2026-11-21T04:00:00Z')} />
      </I18nProvider>,
    );
    const today = screen.getByRole('region', { name: 'Invoices today (2026-11-21)' });
    expect(within(today).getByText('Issued').nextSibling?.textContent).toBe('42');
    expect(within(today).getByText('Voided').nextSibling?.textContent).toBe('1');
    expect(screen.getByText(/Updated .*12:00:00 \(Taipei time\)/)).toBeTruthy();

    const pipeline = screen.getByRole('region', { name: 'Pipeline' });
    expect(within(pipeline).getByText('Degraded')).toBeTruthy();
    expect(within(pipeline).getByText('circuit breaker turnkey-sftp is open')).toBeTruthy();
    expect(within(pipeline).getByText('7 events waiting')).toBeTruthy();
    // 16:30 UTC is 00:30 on the 21st in Taipei.
    expect(within(pipeline).getByText(/Oldest event at 11\/21\/2026, 00:30:00/)).toBeTruthy();
    expect(within(pipeline).getByText(/turnkey-sftp: open \(since 11\/21\/2026, 09:02:03\)/)).toBeTruthy();

    const sellers = screen.getByRole('table', { name: 'By seller' });
    expect(within(sellers).getByRole('row', { name: /好市多股份有限公司 \(04595257\) 07 10,000 2,500 7,500/ })).toBeTruthy();
    const sites = screen.getByRole('table', { name: 'By site' });
    expect(within(sites).getByRole('row', { name: /台北店 \(TPE01\).*120 Low \(under 500\)/ })).toBeTruthy();
    expect(within(sites).getByRole('row', { name: /高雄店/ }).textContent).not.toContain('Low');
  });

  it('leaves out what the scope does not show (turnkey, outbox, dead letters)', () => {
    const s = summary();
    render(
      <I18nProvider locale="zh-TW">
        <DashboardView
          summary={{
            ...s,
            turnkey: null,
            pipeline: { ...s.pipeline, status: 'ok', problems: [], outbox: null, deadLetters: null, circuitBreakers: null },
            numbers: { ...s.numbers, sellers: [], sites: [] },
          }}
          receivedAt={null}
        />
      </I18nProvider>,
    );
    expect(screen.queryByRole('region', { name: 'Turnkey 上傳' })).toBeNull();
    expect(screen.getByText('正常')).toBeTruthy();
    expect(screen.getByText('本期沒有號碼')).toBeTruthy();
    expect(screen.queryByText(/待送事件/)).toBeNull();
  });
});

describe('DashboardPage', () => {
  /** The page opens signed in: the app resumes the session (refresh, me) before the summary is asked for. */
  async function renderPage(handler: Handler) {
    server = await startApiServer((r) => {
      if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
      if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions: [] } };
      return handler(r);
    });
    const r = renderApp([{ path: '/', element: <DashboardPage pollIntervalMs={50} /> }], {
      baseUrl: server.baseUrl,
      session: sessionTokens(1),
      services: { fetch: nodeFetch },
    });
    return { ...r, seen: server.seen };
  }

  it('shows loading, then polls with the ETag and shows changes', async () => {
    let version = 1;
    const { seen: all } = await renderPage((r) => {
      // As the API answers: a strong ETag, revalidate every time.
      const headers = { etag: `"v${version}"`, 'cache-control': 'private, no-cache' };
      if (r.headers['if-none-match'] === headers.etag) return { status: 304, headers };
      return { body: summary(40 + version), headers };
    });
    const seen = () => all.filter((x) => !x.url.startsWith('/api/v1/auth/'));
    expect(screen.getByRole('status').textContent).toBe('正在載入總覽…');
    await waitFor(() => expect(screen.getByText('已開立').nextSibling?.textContent).toBe('41'));
    await waitFor(() => expect(seen().some((r) => r.headers['if-none-match'] === '"v1"')).toBe(true));
    version = 2;
    await waitFor(() => expect(screen.getByText('已開立').nextSibling?.textContent).toBe('42'));
    expect(seen().every((r) => r.url === '/api/v1/dashboard/summary' && r.headers.authorization === 'Bearer access-1')).toBe(
      true,
    );
  });

  it('shows an error when the summary cannot be had, and the last data when it goes stale', async () => {
    let fail = true;
    await renderPage(() =>
      fail
        ? apiError(403, 'FORBIDDEN', "This action needs the permission 'invoice.read'.")
        : { body: summary(), headers: { etag: '"a"' } },
    );
    expect((await screen.findByRole('alert')).textContent).toBe('無法載入總覽：沒有權限');
    fail = false;
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(screen.getByText('已開立').nextSibling?.textContent).toBe('42');
    fail = true;
    expect((await screen.findByRole('alert')).textContent).toMatch(/^暫時無法更新（沒有權限），顯示的是 .* 的資料。$/);
  });
});
