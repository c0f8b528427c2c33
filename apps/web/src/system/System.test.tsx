// @vitest-environment happy-dom
import type { MetricsView, SystemView } from '@app/schemas/admin';
import type { ClientErrorView } from '@app/schemas/client-error';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import SystemArea from './index.tsx';
import { certState, formatBytes, SystemPage } from './SystemPage.tsx';

const system = (over: Partial<SystemView> = {}): SystemView => ({
  generatedAt: '2026-11-21T04:00:00Z',
  version: '1.4.2',
  schemaVersion: '0042_approvals',
  tenant: { id: 't1', code: 'acme' },
  health: {
    status: 'degraded',
    failing: ['redis'],
    checks: {
      database: { ok: true, latencyMs: 3 },
      redis: { ok: false, latencyMs: 2001, error: 'connect ECONNREFUSED' },
      storage: { ok: true, latencyMs: 5 },
      queue: { ok: true, latencyMs: 4 },
    },
  },
  certificates: [
    { sellerId: 's1', ban: '04595257', name: '好市多', expiresAt: '2026-11-01T00:00:00Z', daysLeft: -20 },
    { sellerId: 's2', ban: '12345675', name: '全聯', expiresAt: '2026-12-11T00:00:00Z', daysLeft: 20 },
    { sellerId: 's3', ban: '22099131', name: '家樂福', expiresAt: '2027-06-01T00:00:00Z', daysLeft: 192 },
    { sellerId: 's4', ban: '11111111', name: '小店', expiresAt: null, daysLeft: null },
  ],
  workers: [{ id: 'worker-1', startedAt: '2026-11-20T01:00:00Z', seenAt: '2026-11-21T03:59:55Z', pausedAt: null }],
  license: { plan: 'enterprise', expiresAt: '2026-11-15T00:00:00Z', gracePeriodDays: 14, status: 'grace', daysLeft: -6 },
  ...over,
});

const metrics = (rpm = 120): MetricsView => ({
  generatedAt: '2026-11-21T04:00:00Z',
  uptimeSeconds: 90_061,
  requestsPerMinute: rpm,
  routes: [
    { route: 'GET /api/v1/invoices', count: 10, errors5xx: 0, latencyMs: { p50: 12, p95: 40, p99: 90, samples: 10 } },
    { route: 'POST /api/v1/invoices', count: 300, errors5xx: 2, latencyMs: { p50: 30, p95: 120, p99: 400, samples: 300 } },
  ],
  dbPool: { max: 20, total: 6, idle: 4, waiting: 1 },
  queues: {
    'turnkey-p1': { waiting: 3, active: 1, delayed: 0, prioritized: 0, failed: 2, completed: 99 },
    broken: { error: 'NOAUTH' },
  },
  circuitBreakers: [
    {
      name: 'turnkey-sftp',
      state: 'open',
      consecutiveFailures: 5,
      openedAt: Date.parse('2026-11-21T03:59:00Z'),
      lastError: 'timeout',
      updatedAt: '2026-11-21T03:59:30Z',
      worker: 'worker-1',
    },
  ],
  disk: { path: '/data', totalBytes: 100 * 1024 ** 3, freeBytes: 15 * 1024 ** 3, usedPercent: 85 },
  rateLimiter: { degraded: false },
  process: { rssBytes: 150 * 1024 ** 2, heapUsedBytes: 80 * 1024 ** 2 },
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

async function open(path: string, handler: Handler, element = <SystemArea />) {
  server = await startApiServer(handler);
  const view = renderApp([{ path: '/system/*', element }], { baseUrl: server.baseUrl, path });
  return { ...view, seen: server.seen };
}

describe('certificates and sizes', () => {
  it('flags certificates past expiry, within 30 days, and without a date', () => {
    expect(certState({ daysLeft: -1, expiresAt: 'x' })).toBe('expired');
    expect(certState({ daysLeft: 0, expiresAt: 'x' })).toBe('soon');
    expect(certState({ daysLeft: 30, expiresAt: 'x' })).toBe('soon');
    expect(certState({ daysLeft: 31, expiresAt: 'x' })).toBe('ok');
    expect(certState({ daysLeft: null, expiresAt: null })).toBe('unknown');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10)).toBe('10 B');
  });
});

describe('system page', () => {
  it('shows a failing check, certificate warnings, the license grace, and the metrics', async () => {
    await open('/system', (r) => (r.url === '/api/v1/admin/system' ? { body: system() } : { body: metrics() }));
    const problems = await screen.findByRole('heading', { name: '需要注意' });
    const list = problems.parentElement!;
    expect(list.getAttribute('role')).toBe('alert');
    expect([...list.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      '健康檢查失敗：Redis',
      '1 個賣方的憑證已過期',
      '1 個賣方的憑證將在 30 天內到期',
      '授權狀態：寬限期',
    ]);

    const health = screen.getByRole('region', { name: '健康檢查' });
    expect(within(health).getByText('部分異常').className).toBe('badge bad');
    const redis = within(health).getByRole('row', { name: /Redis/ });
    expect(redis.textContent).toContain('失敗');
    expect(redis.textContent).toContain('2001 毫秒');
    expect(redis.textContent).toContain('connect ECONNREFUSED');
    expect(within(health).getByRole('row', { name: /資料庫/ }).textContent).toContain('正常');

    const versions = screen.getByRole('region', { name: '版本' });
    expect(versions.textContent).toContain('1.4.2');
    expect(versions.textContent).toContain('0042_approvals');

    const certs = screen.getByRole('region', { name: '憑證到期' });
    const cell = (name: string) =>
      within(within(certs).getByRole('row', { name: new RegExp(name) }))
        .getAllByRole('cell')
        .at(-1)!;
    expect(cell('好市多').textContent).toBe('已過期 20 天');
    expect(cell('好市多').querySelector('.badge')!.className).toBe('badge bad');
    expect(cell('全聯').textContent).toBe('剩 20 天');
    expect(cell('全聯').querySelector('.badge')!.className).toBe('badge warn');
    expect(cell('家樂福').querySelector('.badge')!.className).toBe('badge good');
    expect(cell('小店').textContent).toBe('未登錄到期日');

    const license = screen.getByRole('region', { name: '授權' });
    expect(within(license).getByRole('alert').textContent).toBe('授權已到期，目前在寬限期內（還有 8 天），請盡快續約。');
    expect(within(license).getByText('寬限期', { selector: '.badge' }).className).toBe('badge warn');

    const traffic = await screen.findByRole('region', { name: '流量與效能' });
    expect(traffic.textContent).toContain('120');
    expect(traffic.textContent).toContain('1 天 1 小時 1 分');
    const routes = within(traffic).getByRole('table', { name: '各路由延遲（毫秒）' });
    // Busiest route first.
    expect(within(routes).getAllByRole('row')[1]!.textContent).toContain('POST /api/v1/invoices');
    expect(within(routes).getAllByRole('row')[1]!.textContent).toContain('400 毫秒');
    expect(screen.getByRole('region', { name: '資料庫連線池' }).textContent).toContain('等待中1');
    const queues = screen.getByRole('region', { name: '工作佇列' });
    expect(within(queues).getByRole('row', { name: /turnkey-p1/ }).textContent).toContain('99');
    expect(within(queues).getByRole('row', { name: /broken/ }).textContent).toContain('NOAUTH');
    expect(
      within(screen.getByRole('region', { name: '斷路器' })).getByRole('row', { name: /turnkey-sftp/ }).textContent,
    ).toContain('斷開');
    const disk = screen.getByRole('region', { name: '磁碟空間' });
    expect(disk.textContent).toContain('100 GB');
    expect(within(disk).getByText('85%').className).toBe('badge warn');
  });

  it('lists the live workers, one working and one paused for maintenance', async () => {
    await open('/system', (r) =>
      r.url === '/api/v1/admin/system'
        ? {
            body: system({
              workers: [
                { id: 'worker-a', startedAt: '2026-11-20T01:00:00Z', seenAt: '2026-11-21T03:59:55Z', pausedAt: null },
                {
                  id: 'worker-b',
                  startedAt: '2026-11-21T02:00:00Z',
                  seenAt: '2026-11-21T03:59:58Z',
                  pausedAt: '2026-11-21T03:30:00Z',
                },
              ],
            }),
          }
        : { body: metrics() },
    );
    const workers = await screen.findByRole('region', { name: '背景工作程序' });
    expect(workers.textContent).toContain('執行中：2 個');
    expect(workers.textContent).toContain('其中 1 個因維護模式已暫停');
    const table = within(workers).getByRole('table', { name: /目前執行中的背景工作程序/ });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['worker-a', 'worker-b']);
    const a = within(rows[0]!).getAllByRole('cell');
    expect(a[0]!.textContent).toMatch(/^2026\/11\/20\s09:00:00$/);
    expect(a[1]!.textContent).toMatch(/^2026\/11\/21\s11:59:55$/);
    expect(a[2]!.textContent).toBe('運作中');
    expect(a[2]!.querySelector('.badge')!.className).toBe('badge good');
    const b = within(rows[1]!).getAllByRole('cell').at(-1)!;
    expect(b.textContent).toMatch(/^維護模式暫停中（自 2026\/11\/21\s11:30:00 起）$/);
    expect(b.querySelector('.badge')!.className).toBe('badge warn');
    expect(screen.queryByText(/沒有任何背景工作程序在執行/)).toBeNull();
  });

  it('says so, in the section and among the problems, when no worker is running', async () => {
    await open('/system', (r) =>
      r.url === '/api/v1/admin/system'
        ? { body: system({ workers: [], certificates: [], health: { ...system().health, status: 'ok', failing: [] } }) }
        : { body: metrics() },
    );
    const message = '沒有任何背景工作程序在執行：發票不會送交 Turnkey，Webhook 與電子郵件也不會發送';
    const workers = await screen.findByRole('region', { name: '背景工作程序' });
    const alert = within(workers).getByRole('alert');
    expect(alert.textContent).toBe(`未執行 ${message}`);
    expect(within(alert).getByText('未執行').className).toBe('badge bad');
    expect(within(workers).queryByRole('table')).toBeNull();
    const list = screen.getByRole('heading', { name: '需要注意' }).parentElement!;
    expect([...list.querySelectorAll('li')].map((li) => li.textContent)).toEqual([message, '授權狀態：寬限期']);
  });

  it('refreshes on its own, and says so when a refresh fails', async () => {
    let rpm = 1;
    let fail = false;
    await open(
      '/system',
      (r) => {
        // A refusal (4xx) is not retried by the query client, so it shows at once.
        if (fail) return apiError(429, 'RATE_LIMITED', 'Too many requests.');
        return r.url === '/api/v1/admin/system' ? { body: system({ license: null }) } : { body: metrics(rpm) };
      },
      <SystemPage refreshMs={60} />,
    );
    const traffic = await screen.findByRole('region', { name: '流量與效能' });
    expect(within(traffic).getByText('每分鐘請求數').nextSibling!.textContent).toBe('1');
    rpm = 77;
    await waitFor(() => expect(within(traffic).getByText('每分鐘請求數').nextSibling!.textContent).toBe('77'));
    expect(within(screen.getByRole('region', { name: '授權' })).getByRole('alert').textContent).toBe('尚未安裝授權');
    fail = true;
    await waitFor(() => expect(screen.getAllByText('暫時無法更新，顯示的是上一次取得的資料。')).toHaveLength(2));
  });

  it('shows an error with a retry when the status cannot be had', async () => {
    let n = 0;
    await open('/system', (r) =>
      r.url === '/api/v1/admin/system' && n++ === 0
        ? apiError(403, 'FORBIDDEN', 'no')
        : { body: r.url.includes('metrics') ? metrics() : system() },
    );
    const alert = await screen.findByText('無法載入：沒有權限');
    fireEvent.click(within(alert.parentElement!).getByRole('button', { name: '重試' }));
    expect(await screen.findByRole('region', { name: '健康檢查' })).toBeTruthy();
  });
});

describe('client error reports', () => {
  const report = (id: string, over: Partial<ClientErrorView> = {}): ClientErrorView => ({
    id,
    tenantId: 't1',
    userId: 'u1',
    username: 'alice',
    deviceId: 'dev-1',
    message: `Cannot read properties of undefined (${id})`,
    stack: 'TypeError: at InvoiceList (InvoiceList.tsx:10)',
    componentStack: '\n    at InvoiceList\n    at Shell',
    url: 'https://einvoice.example/invoices',
    userAgent: 'Mozilla/5.0 Test',
    appVersion: '1.4.2',
    ip: '10.0.0.8',
    occurredAt: '2026-11-21T03:00:00Z',
    receivedAt: '2026-11-21T03:00:01Z',
    ...over,
  });

  it('lists the reports page by page, each expanding to its stacks', async () => {
    const { seen, router } = await open('/system/client-errors', (r) =>
      r.url.includes('cursor=9')
        ? { body: { items: [report('8', { username: null })], nextCursor: null } }
        : { body: { items: [report('10'), report('9')], nextCursor: '9' } },
    );
    const row = await screen.findByRole('row', { name: /\(10\)/ });
    expect(seen[0]!.url).toBe('/api/v1/client-errors');
    expect(row.textContent).toContain('alice');
    expect(row.textContent).toContain('https://einvoice.example/invoices');
    expect(screen.queryByText(/InvoiceList\.tsx/)).toBeNull();
    fireEvent.click(within(row).getByRole('button', { name: '展開' }));
    const details = screen.getByRole('region', { name: '錯誤回報 10 的詳細資料' });
    expect(details.textContent).toContain('TypeError: at InvoiceList (InvoiceList.tsx:10)');
    expect(details.textContent).toContain('at Shell');
    expect(details.textContent).toContain('dev-1');
    expect(details.textContent).toContain('Mozilla/5.0 Test');

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    const next = await screen.findByRole('row', { name: /\(8\)/ });
    expect(seen.at(-1)!.url).toBe('/api/v1/client-errors?cursor=9');
    expect(router.state.location.search).toBe('?cursor=9&page=2');
    expect(next.textContent).toContain('（未登入）');
    expect(screen.getByRole('link', { name: '系統狀態' }).getAttribute('href')).toBe('/system');
  });
});
