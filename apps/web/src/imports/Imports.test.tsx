// @vitest-environment happy-dom
import type { ImportLogView, ImportStatusView, ImportView } from '@app/schemas/import';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, notFound, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import ImportsArea from './index.tsx';

const ID = '77777777-7777-4777-8777-777777777777';
const CURSOR = '88888888-8888-4888-8888-888888888888';

const counts = (over: Partial<ImportView['counts']> = {}): ImportView['counts'] => ({
  total: 3,
  valid: 3,
  issued: 0,
  duplicate: 0,
  failed: 0,
  ...over,
});

const view = (over: Partial<ImportView> = {}): ImportView => ({
  id: ID,
  filename: 'march.csv',
  format: 'csv',
  encoding: 'big5',
  sizeBytes: 2048,
  sha256: 'cd'.repeat(32),
  status: 'issuing',
  counts: counts(),
  error: null,
  createdBy: { type: 'user', id: 'u1', name: 'alice' },
  createdAt: '2026-03-01T01:00:00Z',
  startedAt: '2026-03-01T01:00:01Z',
  validatedAt: null,
  finishedAt: null,
  ...over,
});

const log = (row: number, over: Partial<ImportLogView> = {}): ImportLogView => ({
  row,
  lines: { from: row + 1, to: row + 1 },
  ref: `R${row}`,
  status: 'issued',
  invoice: { id: `i${row}`, invoiceNumber: `AB1234567${row}`, invoiceDate: '2026-03-01' },
  error: null,
  at: '2026-03-01T01:00:05Z',
  ...over,
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

async function open(path: string, handler: Handler, permissions = ['import.upload', 'invoice.issue']) {
  server = await startApiServer(handler, { signedIn: { permissions } });
  const r = renderApp([{ path: '/imports/*', element: <ImportsArea pollIntervalMs={40} /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
  });
  return { ...r, seen: server.seen };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('imports list', () => {
  it('sends the status filter and the cursor held in the URL', async () => {
    const { seen, router } = await open('/imports?status=done', (r) =>
      r.url.startsWith('/api/v1/imports?')
        ? {
            body: {
              items: [view({ status: 'done', counts: counts({ issued: 2, failed: 1 }) })],
              nextCursor: r.url.includes('cursor') ? null : CURSOR,
            },
          }
        : notFound(r.url),
    );
    const table = await screen.findByRole('table', { name: '匯入紀錄' });
    expect(seen[0]?.url).toBe('/api/v1/imports?status=done');
    const row = within(table).getAllByRole('row')[1]!;
    expect(within(row).getByRole('link', { name: 'march.csv' }).getAttribute('href')).toBe(`/imports/${ID}`);
    expect(row.textContent).toContain('已完成');
    expect(row.textContent).toContain('CSV · Big5');

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    await waitFor(() => expect(router.state.location.search).toBe(`?status=done&cursor=${CURSOR}&page=2`));
    await waitFor(() => expect(seen.at(-1)?.url).toBe(`/api/v1/imports?status=done&cursor=${CURSOR}`));
    expect(await screen.findByText('第 2 頁', { selector: 'span' })).toBeTruthy();

    // A new filter starts from the first page.
    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'failed' } });
    await waitFor(() => expect(seen.at(-1)?.url).toBe('/api/v1/imports?status=failed'));
    expect(router.state.location.search).toBe('?status=failed');
  });

  it('shows the load error', async () => {
    await open('/imports', () => apiError(403, 'FORBIDDEN', "This action needs the permission 'import.upload'."));
    expect((await screen.findByRole('alert')).textContent).toContain('無法載入：沒有權限');
  });
});

describe('upload', () => {
  it('sends the file and the chosen options as multipart, then opens the import', async () => {
    const { seen, router } = await open('/imports/new', (r) => {
      if (r.method === 'POST') return { status: 202, body: view({ status: 'queued', counts: counts({ total: 0, valid: 0 }) }) };
      if (r.url === `/api/v1/imports/${ID}`) return { body: view({ status: 'done', counts: counts({ issued: 3 }) }) };
      if (r.url.startsWith(`/api/v1/imports/${ID}/logs`)) return { body: { items: [], nextCursor: null } };
      return notFound(r.url);
    });
    fireEvent.click(await screen.findByRole('button', { name: '上傳' }));
    expect(await screen.findByText('請選擇要上傳的檔案')).toBeTruthy();
    expect(seen).toEqual([]);

    const csv = 'ref,buyerBan,item,qty,price\nR1,,咖啡,1,60\n';
    fireEvent.change(screen.getByLabelText('匯入檔'), {
      target: { files: [new File([csv], 'march.csv', { type: 'text/csv' })] },
    });
    fireEvent.change(screen.getByLabelText('編碼'), { target: { value: 'utf8' } });
    fireEvent.click(screen.getByRole('button', { name: '上傳' }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/imports/${ID}`));
    const post = seen.find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/imports');
    expect(post.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(post.raw).toContain('name="file"; filename="march.csv"');
    expect(post.raw).toContain(csv);
    expect(post.raw).toMatch(/name="encoding"\r\n\r\nutf8\r\n/);
    // "Automatic" sends no format at all.
    expect(post.raw).not.toContain('name="format"');
    expect(await screen.findByRole('heading', { level: 1, name: '匯入進度' })).toBeTruthy();
  });

  it("shows the API's refusal with its own message", async () => {
    await open(
      '/imports/new',
      () => apiError(403, 'FORBIDDEN', "Importing invoices issues them: it needs the permission 'invoice.issue' as well."),
      ['import.upload'],
    );
    expect(await screen.findByText('您沒有開立發票（invoice.issue）的權限，匯入將會被拒絕。')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('匯入檔'), { target: { files: [new File(['{}'], 'a.jsonl')] } });
    fireEvent.change(screen.getByLabelText('格式'), { target: { value: 'jsonl' } });
    fireEvent.click(screen.getByRole('button', { name: '上傳' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('上傳失敗，未開立任何發票');
    expect(alert.textContent).toContain('沒有權限');
    expect(alert.textContent).toContain("it needs the permission 'invoice.issue' as well.");
  });
});

describe('an import', () => {
  it('polls the status while it runs, shows the counts change, and stops when it is done', async () => {
    const steps: ImportStatusView[] = [
      { id: ID, status: 'issuing', counts: counts({ issued: 1 }), errorCode: null },
      { id: ID, status: 'issuing', counts: counts({ issued: 2 }), errorCode: null },
      { id: ID, status: 'done', counts: counts({ issued: 2, failed: 1 }), errorCode: null },
    ];
    let polls = 0;
    const { seen } = await open(`/imports/${ID}`, (r) => {
      if (r.url === `/api/v1/imports/${ID}/status`) {
        const s = steps[Math.min(polls, steps.length - 1)]!;
        polls += 1;
        return { body: s };
      }
      if (r.url === `/api/v1/imports/${ID}`)
        return {
          body:
            polls >= 3
              ? view({ status: 'done', counts: counts({ issued: 2, failed: 1 }), finishedAt: '2026-03-01T01:01:00Z' })
              : view(),
        };
      if (r.url.startsWith(`/api/v1/imports/${ID}/logs`)) return { body: { items: [], nextCursor: null } };
      return notFound(r.url);
    });
    const progress = await screen.findByRole('region', { name: '進度' });
    await waitFor(() => expect(within(progress).getByText(/已處理 1 \/ 3 張/)).toBeTruthy());
    await waitFor(() => expect(within(progress).getByText(/已處理 2 \/ 3 張/)).toBeTruthy());
    await waitFor(() => expect(within(progress).getByText('已完成')).toBeTruthy());
    expect(within(progress).getByText(/已處理 3 \/ 3 張/)).toBeTruthy();
    expect(within(progress).getByText('失敗').nextSibling?.textContent).toBe('1');
    // The full record is read again at the end, and no more polling happens.
    await waitFor(() => expect(seen.filter((r) => r.url === `/api/v1/imports/${ID}`).length).toBe(2));
    const after = polls;
    await wait(300);
    expect(polls).toBe(after);
    expect(polls).toBe(3);
    expect(within(progress).queryByText(/自動更新/)).toBeNull();
    // The log was read again as it grew.
    expect(seen.filter((r) => r.url.startsWith(`/api/v1/imports/${ID}/logs`)).length).toBeGreaterThan(1);
  });

  it('does not poll an import that has finished', async () => {
    const { seen } = await open(`/imports/${ID}`, (r) => {
      if (r.url === `/api/v1/imports/${ID}`)
        return {
          body: view({
            status: 'failed',
            counts: counts({ total: 0, valid: 0 }),
            error: { code: 'IMPORT_FILE_INVALID', message: 'Line 1: the header has no column "ref"', details: { line: 1 } },
          }),
        };
      if (r.url.startsWith(`/api/v1/imports/${ID}/logs`)) return { body: { items: [], nextCursor: null } };
      return notFound(r.url);
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('整個檔案無法匯入，未開立任何發票');
    expect(alert.textContent).toContain('Line 1: the header has no column "ref"');
    expect(alert.textContent).toContain('IMPORT_FILE_INVALID');
    await wait(150);
    expect(seen.some((r) => r.url.endsWith('/status'))).toBe(false);
  });

  it('pages and filters the per-invoice log through the URL, linking each invoice', async () => {
    const { seen, router } = await open(`/imports/${ID}`, (r) => {
      if (r.url === `/api/v1/imports/${ID}`) return { body: view({ status: 'done', counts: counts({ issued: 2, failed: 1 }) }) };
      const u = new URL(r.url, 'http://x');
      if (u.pathname === `/api/v1/imports/${ID}/logs`) {
        if (u.searchParams.get('status') === 'failed')
          return {
            body: {
              items: [
                log(3, {
                  status: 'failed',
                  invoice: null,
                  lines: { from: 4, to: 5 },
                  error: {
                    code: 'VALIDATION_ERROR',
                    message: 'The invoice is not valid',
                    details: [{ field: 'items.1.quantity', column: 'qty', line: 5, message: 'must be positive', code: 'E_QTY' }],
                  },
                }),
              ],
              nextCursor: null,
            },
          };
        if (u.searchParams.get('cursor') === '2') return { body: { items: [log(3, { status: 'duplicate' })], nextCursor: null } };
        return { body: { items: [log(1), log(2)], nextCursor: '2' } };
      }
      return notFound(r.url);
    });
    const table = await screen.findByRole('table', { name: /逐筆結果/ });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByRole('link', { name: 'AB12345671' }).getAttribute('href')).toBe('/invoices/AB12345671');

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    await waitFor(() => expect(seen.at(-1)?.url).toBe(`/api/v1/imports/${ID}/logs?cursor=2`));
    await waitFor(() =>
      expect(within(screen.getByRole('table', { name: /逐筆結果/ })).getAllByRole('row')[1]?.textContent).toContain('先前已開立'),
    );
    expect(router.state.location.search).toBe('?cursor=2&page=2');

    fireEvent.change(screen.getByLabelText('結果'), { target: { value: 'failed' } });
    await waitFor(() => expect(seen.at(-1)?.url).toBe(`/api/v1/imports/${ID}/logs?status=failed`));
    const failed = await screen.findByText('The invoice is not valid', { exact: false });
    const row = failed.closest('tr')!;
    expect(row.textContent).toContain('4–5');
    expect(within(row).getByRole('listitem').textContent).toBe('第 5 行（qty）：must be positive E_QTY');
    expect(router.state.location.search).toBe('?status=failed');
  });

  it('shows the error when the import cannot be read', async () => {
    await open(`/imports/${ID}`, () => apiError(404, 'NOT_FOUND', `No import ${ID} of yours.`));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^無法載入：/);
    expect(within(alert).getByRole('button', { name: '重試' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: '進度' })).toBeNull();
  });
});
