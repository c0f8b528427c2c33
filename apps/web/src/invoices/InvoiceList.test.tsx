// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError } from '../../test/http-server.ts';
import { queryOf, renderInvoices, SELLER_ID, SITE_ID, settle, startInvoiceApi, summary } from './testing.tsx';

let server: Awaited<ReturnType<typeof startInvoiceApi>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  await settle();
  cleanup();
  await server?.close();
  server = undefined;
});

const listCalls = () => server!.calls().filter((r) => r.url.startsWith('/api/v1/invoices'));

describe('invoice search', () => {
  it('sends the filters of the URL, shows the results, and puts a new search in the URL', async () => {
    server = await startInvoiceApi(['invoice.read'], (r) => {
      const q = queryOf(r.url);
      if (q.number === 'AB12345678') {
        return { body: { items: [summary('AB12345678', { buyerBan: '12345676', totalAmount: 123456 })], nextCursor: null } };
      }
      return {
        body: {
          items: [summary('CD00000001', { status: 'cancelled' }), summary('CD00000002', { status: 'voided' })],
          nextCursor: null,
        },
      };
    });
    const { router } = renderInvoices(server.baseUrl, '/invoices?status=cancelled&from=2026-11-01&limit=20');

    const table = await screen.findByRole('table', { name: '查詢結果' });
    expect(queryOf(listCalls()[0]!.url)).toEqual({ status: 'cancelled', from: '2026-11-01', limit: '20' });
    // The form shows the URL's filters.
    expect((screen.getByLabelText('狀態') as HTMLSelectElement).value).toBe('cancelled');
    expect((screen.getByLabelText('開立日期（起）') as HTMLInputElement).value).toBe('2026-11-01');
    const row = within(table).getByRole('row', { name: /CD00000001/ });
    expect(within(row).getByRole('link', { name: 'CD00000001' }).getAttribute('href')).toBe('/invoices/CD00000001');
    expect(within(row).getByText('已作廢').className).toBe('badge bad');
    // Names of seller and site, once loaded; the time in Taipei (16:30 UTC → 00:30 the next day).
    await waitFor(() => expect(row.textContent).toContain('好味餐飲股份有限公司（28997723）'));
    await waitFor(() => expect(row.textContent).toContain('信義店（TPE01）'));
    expect(row.textContent).toMatch(/2026\/11\/21\s00:30:00/);
    expect(row.textContent).toContain('一般消費者');

    // Every filter of listInvoicesQuery, set in the form.
    fireEvent.change(screen.getByLabelText('賣方'), { target: { value: SELLER_ID } });
    await waitFor(() => expect(screen.getByRole('option', { name: '信義店（TPE01）' })).toBeTruthy());
    fireEvent.change(screen.getByLabelText('據點'), { target: { value: SITE_ID } });
    fireEvent.change(screen.getByLabelText('發票號碼'), { target: { value: 'ab12345678' } });
    fireEvent.change(screen.getByLabelText('開立日期（迄）'), { target: { value: '2026-11-30' } });
    fireEvent.change(screen.getByLabelText('狀態'), { target: { value: 'issued' } });
    fireEvent.change(screen.getByLabelText('買方統一編號'), { target: { value: '12345676' } });
    fireEvent.change(screen.getByLabelText('總計（最低）'), { target: { value: '100' } });
    fireEvent.change(screen.getByLabelText('總計（最高）'), { target: { value: '200000' } });
    fireEvent.change(screen.getByLabelText('每頁筆數'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: '查詢' }));

    await screen.findByRole('link', { name: 'AB12345678' });
    const want = {
      sellerId: SELLER_ID,
      siteId: SITE_ID,
      number: 'AB12345678',
      from: '2026-11-01',
      to: '2026-11-30',
      status: 'issued',
      buyerBan: '12345676',
      minTotal: '100',
      maxTotal: '200000',
    };
    expect(queryOf(listCalls().at(-1)!.url)).toEqual(want);
    expect(Object.fromEntries(new URLSearchParams(router.state.location.search))).toEqual(want);
    expect(screen.getByRole('row', { name: /AB12345678/ }).textContent).toContain('123,456');
  });

  it("refuses a bad filter with the schema's message and sends nothing", async () => {
    server = await startInvoiceApi(['invoice.read'], () => ({ body: { items: [], nextCursor: null } }));
    const { router } = renderInvoices(server.baseUrl, '/invoices');
    expect(await screen.findByText('沒有符合條件的資料')).toBeTruthy();
    const before = listCalls().length;

    fireEvent.change(screen.getByLabelText('買方統一編號'), { target: { value: '1234' } });
    fireEvent.change(screen.getByLabelText('發票號碼'), { target: { value: 'A1234' } });
    fireEvent.click(screen.getByRole('button', { name: '查詢' }));

    expect(await screen.findByText('8 digits')).toBeTruthy();
    expect(screen.getByText('an invoice number like AB12345678')).toBeTruthy();
    expect(screen.getByLabelText('買方統一編號').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe('請修正標示的欄位');
    expect(router.state.location.search).toBe('');
    expect(listCalls()).toHaveLength(before);
  });

  it('pages with the cursor the API gives, and back to the first page', async () => {
    server = await startInvoiceApi(['invoice.read'], (r) =>
      queryOf(r.url).cursor
        ? { body: { items: [summary('AB00000002')], nextCursor: null } }
        : { body: { items: [summary('AB00000001')], nextCursor: '2026-11-21|AB00000001' } },
    );
    const { router } = renderInvoices(server.baseUrl, '/invoices?status=issued');
    await screen.findByRole('link', { name: 'AB00000001' });
    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    await screen.findByRole('link', { name: 'AB00000002' });
    expect(queryOf(listCalls().at(-1)!.url)).toEqual({ status: 'issued', cursor: '2026-11-21|AB00000001' });
    expect(screen.getByText('第 2 頁')).toBeTruthy();
    expect(screen.queryByRole('button', { name: '下一頁' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: '回到第一頁' }));
    await screen.findByRole('link', { name: 'AB00000001' });
    expect(router.state.location.search).toBe('?status=issued');
  });

  it('shows the API refusing the search, and retries', async () => {
    let fail = true;
    server = await startInvoiceApi(['invoice.read'], () =>
      fail
        ? apiError(400, 'VALIDATION_ERROR', 'query.from: YYYY-MM-DD', [{ field: 'query.from', message: 'YYYY-MM-DD' }])
        : { body: { items: [summary('AB00000001')], nextCursor: null } },
    );
    renderInvoices(server.baseUrl, '/invoices?from=yesterday');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('無法載入：輸入內容有誤');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: '重試' }));
    expect(await screen.findByRole('link', { name: 'AB00000001' })).toBeTruthy();
  });
});
