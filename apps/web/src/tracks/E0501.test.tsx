// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Handler, notFound, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import type { E0501Import } from './E0501Result.tsx';
import TracksArea from './index.tsx';

const IMPORT_ID = '66666666-6666-4666-8666-666666666666';

const result = (over: Partial<E0501Import> = {}): E0501Import => ({
  id: IMPORT_ID,
  sha256: 'ab'.repeat(32),
  filename: 'e0501.csv',
  format: 'csv',
  sizeBytes: 321,
  createdAt: '2026-01-05T02:00:00Z',
  total: 3,
  accepted: 1,
  duplicate: 1,
  rejected: 1,
  entries: [
    {
      index: 0,
      line: 2,
      status: 'accepted',
      range: {
        ban: '04595257',
        invoiceType: '07',
        yearMonth: '11502',
        track: 'AB',
        beginNo: '12345000',
        endNo: '12345999',
        booklets: 20,
      },
      reasons: [],
    },
    {
      index: 1,
      line: 3,
      status: 'duplicate',
      range: null,
      reasons: [{ field: 'range', code: 'ALREADY_IMPORTED', message: 'Already imported', messageZh: '此字軌已匯入' }],
    },
    {
      index: 2,
      line: 4,
      status: 'rejected',
      range: null,
      reasons: [
        {
          field: 'ban',
          code: 'SELLER_UNKNOWN',
          message: 'No seller with BAN 12345675',
          messageZh: '查無統一編號 12345675 的營業人',
        },
        { field: 'end', code: 'NOT_BOOKLETS', message: 'Not whole booklets', messageZh: '號碼不是整本' },
      ],
    },
  ],
  ...over,
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

async function open(path: string, handler: Handler, permissions = ['invoice.read', 'track.manage']) {
  server = await startApiServer(handler, { signedIn: { permissions } });
  const r = renderApp([{ path: '/tracks/*', element: <TracksArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
  });
  return { ...r, seen: server.seen };
}

const chooseFile = (content: string, name: string) => {
  const input = screen.getByLabelText('配號檔') as HTMLInputElement;
  fireEvent.change(input, { target: { files: [new File([content], name, { type: 'text/csv' })] } });
};

describe('E0501 import', () => {
  it('sends the file as multipart and shows every entry with its own reasons', async () => {
    let imported = false;
    const { seen } = await open('/tracks/e0501', (r) => {
      if (r.method === 'POST') {
        imported = true;
        return { status: 201, body: result() };
      }
      if (r.url === '/api/v1/tracks/e0501') return { body: { items: imported ? [{ ...result(), entries: [] }] : [] } };
      return notFound(r.url);
    });
    expect(await screen.findByText('尚無匯入紀錄')).toBeTruthy();

    // Nothing chosen: said beside the field, nothing sent.
    fireEvent.click(screen.getByRole('button', { name: '上傳並匯入' }));
    expect(await screen.findByText('請選擇要上傳的檔案')).toBeTruthy();
    expect(seen.some((r) => r.method === 'POST')).toBe(false);

    const csv = '營業人統編,發票類別,期別,字軌,起號,迄號\n04595257,07,115/01 ~ 115/02,AB,12345000,12345999\n';
    chooseFile(csv, 'e0501.csv');
    fireEvent.click(screen.getByRole('button', { name: '上傳並匯入' }));

    const table = await screen.findByRole('table', { name: 'e0501.csv 的逐筆結果' });
    const post = seen.find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/v1/tracks/e0501');
    expect(post.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(post.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(post.raw).toContain('Content-Disposition: form-data; name="file"; filename="e0501.csv"');
    expect(post.raw).toContain(csv);

    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual(['已建立', '已存在（略過）', '未匯入']);
    expect(rows[0]?.textContent).toContain('04595257 · 07 一般稅額 · 115 年 01–02 月 · AB 12345000–12345999 · 20 本');
    const reasons = within(rows[2]!)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(reasons).toEqual([
      '查無統一編號 12345675 的營業人 SELLER_UNKNOWN (欄位: ban)',
      '號碼不是整本 NOT_BOOKLETS (欄位: end)',
    ]);
    expect(screen.getByText('有 1 筆資料未匯入，原因列在下方。')).toBeTruthy();
    expect(screen.getByRole('link', { name: '檢視 11502 期字軌' }).getAttribute('href')).toBe('/tracks?yearMonth=11502');

    // Only the refused ones.
    fireEvent.change(screen.getByLabelText('顯示'), { target: { value: 'rejected' } });
    expect(within(table).getAllByRole('row')).toHaveLength(2);

    // The list of imports is read again and holds this one, linked to its page.
    const history = await screen.findByRole('table', { name: '匯入紀錄' });
    expect(within(history).getByRole('link', { name: 'e0501.csv' }).getAttribute('href')).toBe(`/tracks/e0501/${IMPORT_ID}`);
  });

  it('says when the same file was imported before', async () => {
    await open('/tracks/e0501', (r) =>
      r.method === 'POST' ? { status: 200, body: result({ sameFileImportedBefore: true }) } : { body: { items: [] } },
    );
    await screen.findByText('尚無匯入紀錄');
    chooseFile('x', 'e0501.csv');
    fireEvent.click(screen.getByRole('button', { name: '上傳並匯入' }));
    expect((await screen.findByText(/此檔案先前已匯入過/)).getAttribute('role')).toBe('status');
  });

  it('shows why a whole file was refused: the message, the reason and where', async () => {
    await open('/tracks/e0501', (r) =>
      r.method === 'POST'
        ? {
            status: 400,
            body: {
              requestId: 'req-7',
              statusCode: 400,
              code: 'BAD_REQUEST',
              message: 'Malformed XML: unclosed tag',
              details: { reason: 'XML_MALFORMED', line: 3, column: 5 },
            },
          }
        : { body: { items: [] } },
    );
    await screen.findByText('尚無匯入紀錄');
    chooseFile('<InvoiceAssignNo>', 'e0501.xml');
    fireEvent.click(screen.getByRole('button', { name: '上傳並匯入' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('匯入失敗，未建立任何字軌');
    expect(alert.textContent).toContain('Malformed XML: unclosed tag');
    expect(alert.textContent).toContain('XML_MALFORMED 第 3 行，第 5 欄');
    expect(alert.textContent).toContain('錯誤代碼 BAD_REQUEST（HTTP 400），請求編號 req-7');
  });

  it("opens one import's page with its entries", async () => {
    const { seen } = await open(`/tracks/e0501/${IMPORT_ID}`, (r) =>
      r.url === `/api/v1/tracks/e0501/${IMPORT_ID}` ? { body: result() } : notFound(r.url),
    );
    const table = await screen.findByRole('table', { name: 'e0501.csv 的逐筆結果' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(seen.map((r) => r.url)).toEqual([`/api/v1/tracks/e0501/${IMPORT_ID}`]);
  });

  it('is closed to a user without track.manage', async () => {
    const { seen } = await open('/tracks/e0501', () => ({ body: { items: [] } }), ['invoice.read']);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('track.manage'));
    expect(screen.queryByLabelText('配號檔')).toBeNull();
    expect(seen).toEqual([]);
  });
});
