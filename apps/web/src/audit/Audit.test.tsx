// @vitest-environment happy-dom

import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Answer, apiError, type Handler, type SeenRequest, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import type { AuditEntry } from './AuditLogPage.tsx';
import { fromTaipeiLocal, toTaipeiLocal } from './AuditLogPage.tsx';
import AuditArea from './index.tsx';

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: '101',
  occurredAt: '2026-11-20T16:30:00Z',
  actorType: 'user',
  actorId: 'u-9',
  actorName: 'carol',
  action: 'seller.update',
  outcome: 'success',
  statusCode: 200,
  targetType: 'seller',
  targetId: 's1',
  requestId: 'req-abc',
  sourceIp: '10.0.0.7',
  userAgent: 'Mozilla/5.0 Test',
  summary: { before: { name: '舊名稱' }, after: { name: '新名稱' } },
  ...over,
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/** The scripted API; `csv` answers the export (GET /api/v1/audit-logs/export), as the API sends it. */
async function open(path: string, handler: Handler, csv?: () => Answer) {
  server = await startApiServer((r) => (csv && r.url.startsWith('/api/v1/audit-logs/export') ? csv() : handler(r)));
  const view = renderApp([{ path: '/audit/*', element: <AuditArea /> }], { baseUrl: server.baseUrl, path });
  const seen = server.seen;
  return { ...view, seen: (): SeenRequest[] => seen };
}

describe('audit log', () => {
  it('reads Taipei times in and out of the date inputs', () => {
    expect(toTaipeiLocal('2026-11-01T00:00:00+08:00')).toBe('2026-11-01T00:00');
    expect(toTaipeiLocal('2026-10-31T16:00:00Z')).toBe('2026-11-01T00:00');
    expect(toTaipeiLocal('nonsense')).toBe('');
    expect(fromTaipeiLocal('2026-11-01T00:00')).toBe('2026-11-01T00:00:00+08:00');
    expect(fromTaipeiLocal('2026-11-01T00:00:30')).toBe('2026-11-01T00:00:30+08:00');
    expect(fromTaipeiLocal('')).toBe('');
  });

  it('sends every filter in the URL as the query, puts new ones in the URL, pages, and shows an entry’s details', async () => {
    const { seen, router } = await open(
      '/audit?action=seller.update&actorType=user&outcome=success&from=2026-11-01T00%3A00%3A00%2B08%3A00',
      () => ({ body: { items: [entry()], nextCursor: '100' } }),
    );
    const row = await screen.findByRole('row', { name: /seller\.update/ });
    expect(seen()[0]!.url).toBe(
      '/api/v1/audit-logs?action=seller.update&actorType=user&outcome=success&from=2026-11-01T00%3A00%3A00%2B08%3A00',
    );
    expect((screen.getByLabelText('起（台北時間）') as HTMLInputElement).value).toBe('2026-11-01T00:00');
    expect(row.textContent).toMatch(/2026\/11\/21\s00:30:00/);
    expect(row.textContent).toContain('carol');
    expect(row.textContent).toContain('10.0.0.7');
    expect(row.textContent).toContain('req-abc');

    // Details: who, where from, before and after.
    const toggle = within(row).getByRole('button', { name: '展開' });
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const details = screen.getByRole('region', { name: '紀錄 101 的詳細資料' });
    expect(details.textContent).toContain('Mozilla/5.0 Test');
    expect(details.textContent).toContain('HTTP 200');
    const pres = [...details.querySelectorAll('pre')].map((p) => p.textContent);
    expect(pres).toEqual([JSON.stringify({ name: '舊名稱' }, null, 2), JSON.stringify({ name: '新名稱' }, null, 2)]);
    expect(within(details).getByRole('heading', { name: '變更前' })).toBeTruthy();

    // New filters: the range is read as Taipei time; an empty field leaves its parameter out.
    fireEvent.change(screen.getByLabelText('動作'), { target: { value: ' ' } });
    fireEvent.change(screen.getByLabelText('操作者 ID'), { target: { value: 'u-9' } });
    fireEvent.change(screen.getByLabelText('對象類型'), { target: { value: 'seller' } });
    fireEvent.change(screen.getByLabelText('對象 ID'), { target: { value: 's1' } });
    fireEvent.change(screen.getByLabelText('請求編號'), { target: { value: 'req-abc' } });
    fireEvent.change(screen.getByLabelText('結果'), { target: { value: 'denied' } });
    fireEvent.change(screen.getByLabelText('操作者類型'), { target: { value: 'client' } });
    fireEvent.change(screen.getByLabelText('迄（台北時間）'), { target: { value: '2026-12-01T08:30' } });
    fireEvent.submit(screen.getByRole('button', { name: '篩選' }).closest('form')!);
    const expected =
      'actorType=client&actorId=u-9&targetType=seller&targetId=s1&outcome=denied&requestId=req-abc' +
      '&from=2026-11-01T00%3A00%3A00%2B08%3A00&to=2026-12-01T08%3A30%3A00%2B08%3A00';
    await waitFor(() => expect(seen().at(-1)!.url).toBe(`/api/v1/audit-logs?${expected}`));
    const params = (q: string) => Object.fromEntries(new URLSearchParams(q));
    expect(params(router.state.location.search)).toEqual(params(expected));

    fireEvent.click(await screen.findByRole('button', { name: '下一頁' }));
    await waitFor(() => expect(seen().at(-1)!.url).toBe(`/api/v1/audit-logs?${expected}&cursor=100`));
  });

  it('refuses a range that ends before it starts', async () => {
    const { seen } = await open('/audit', () => ({ body: { items: [], nextCursor: null } }));
    await screen.findByText('沒有符合條件的資料');
    fireEvent.change(screen.getByLabelText('起（台北時間）'), { target: { value: '2026-12-01T00:00' } });
    fireEvent.change(screen.getByLabelText('迄（台北時間）'), { target: { value: '2026-11-01T00:00' } });
    fireEvent.submit(screen.getByRole('button', { name: '篩選' }).closest('form')!);
    expect(screen.getByRole('alert').textContent).toBe('「起」必須早於「迄」');
    expect(seen()).toHaveLength(1);
  });

  it("checks the filters with the API's own schema: a too-long id is named beside its field and nothing is sent", async () => {
    const { seen } = await open('/audit', () => ({ body: { items: [], nextCursor: null } }));
    await screen.findByText('沒有符合條件的資料');
    const actorId = screen.getByLabelText('操作者 ID');
    fireEvent.change(actorId, { target: { value: 'x'.repeat(65) } });
    fireEvent.submit(screen.getByRole('button', { name: '篩選' }).closest('form')!);
    // zod's own message in zh-TW (the schema's max 64), tied to the field.
    const described = document.getElementById(actorId.getAttribute('aria-describedby') ?? '');
    expect(actorId.getAttribute('aria-invalid')).toBe('true');
    expect(described?.textContent).toMatch(/64/);
    expect(seen()).toHaveLength(1);
  });

  it('exports the filtered log as a CSV file, and says why when it cannot', async () => {
    const csv = 'id,occurredAt,action\r\n"101","2026-11-20T16:30:00.000Z","seller.update"\r\n';
    let limited = false;
    const { seen } = await open(
      '/audit?outcome=failure&targetType=seller&cursor=55&page=2',
      () => ({ body: { items: [entry()], nextCursor: null } }),
      () =>
        limited
          ? apiError(429, 'RATE_LIMITED', 'Too many requests.')
          : { text: `\uFEFF${csv}`, headers: { 'content-type': 'text/csv; charset=utf-8' } },
    );
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blobs.push(b as Blob);
      return 'blob:audit';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });

    await screen.findByRole('row', { name: /seller\.update/ });
    fireEvent.click(screen.getByRole('button', { name: '匯出 CSV' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/^已下載 audit-logs-.*\.csv$/);
    const req = seen().find((r) => r.url.startsWith('/api/v1/audit-logs/export'))!;
    // The filters, not the page's cursor.
    expect(req.url).toBe('/api/v1/audit-logs/export?targetType=seller&outcome=failure');
    expect(clicked).toHaveLength(1);
    expect(clicked[0]!.download).toMatch(/^audit-logs-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.csv$/);
    expect(blobs[0]!.type).toBe('text/csv;charset=utf-8');
    const saved = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await blobs[0]!.arrayBuffer());
    expect(saved).toBe(`\uFEFF${csv}`);

    limited = true;
    fireEvent.click(screen.getByRole('button', { name: '匯出 CSV' }));
    expect((await screen.findByRole('alert')).textContent).toBe('匯出失敗：嘗試次數過多，請稍後再試');
    expect(clicked).toHaveLength(1);
  });
});
