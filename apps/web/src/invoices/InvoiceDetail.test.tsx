// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type SeenRequest } from '../../test/http-server.ts';
import { detail, renderInvoices, settle, startInvoiceApi } from './testing.tsx';

let server: Awaited<ReturnType<typeof startInvoiceApi>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  await settle();
  cleanup();
  await server?.close();
  server = undefined;
});

const ALL = ['invoice.read', 'invoice.cancel', 'invoice.void', 'allowance.issue', 'turnkey.manage'];
const DETAIL = '/api/v1/invoices/AB12345678';
const posts = () => server!.calls().filter((r) => r.method === 'POST');
const gets = (url: string) => server!.calls().filter((r) => r.method === 'GET' && r.url === url);

/** The page of AB12345678 for a user holding `permissions`; `post` answers the writes. */
async function openInvoice(permissions: string[], post: (r: SeenRequest) => ReturnType<Parameters<typeof startInvoiceApi>[1]>) {
  server = await startInvoiceApi(permissions, (r) => {
    if (r.method === 'GET' && r.url === DETAIL) return { body: detail() };
    if (r.method === 'POST') return post(r);
    return apiError(404, 'ROUTE_NOT_FOUND', `no ${r.url}`);
  });
  const view = renderInvoices(server.baseUrl, '/invoices/AB12345678');
  await screen.findByRole('heading', { level: 1, name: /發票 AB12345678/ });
  return view;
}

describe('invoice detail', () => {
  it('shows the facts, items, amounts, buyer, allowances with what is left, history and Turnkey messages', async () => {
    await openInvoice(['invoice.read'], () => ({ status: 500 }));
    const facts = screen.getByRole('region', { name: '基本資料' });
    expect(within(facts).getByText('隨機碼').nextSibling?.textContent).toBe('1234');
    expect(within(facts).getByText('開立時間').nextSibling?.textContent).toMatch(/2026\/11\/21\s00:30:00/);
    expect(within(facts).getByText('課稅別').nextSibling?.textContent).toBe('應稅（1）');
    await waitFor(() => expect(within(facts).getByText('據點').nextSibling?.textContent).toBe('信義店（TPE01）'));

    const items = screen.getByRole('table', { name: '品項' });
    expect(within(items).getByRole('row', { name: /牛肉麵/ }).textContent).toBe('1牛肉麵2碗200400——');
    expect(within(items).getByRole('row', { name: /珍珠奶茶/ }).textContent).toContain('少冰');

    const amounts = screen.getByRole('region', { name: '金額' });
    expect(within(amounts).getByText('應稅銷售額').nextSibling?.textContent).toBe('1,000');
    expect(within(amounts).getByText('稅額').nextSibling?.textContent).toBe('50');
    expect(within(amounts).getByText('總計').nextSibling?.textContent).toBe('1,050');

    const buyer = screen.getByRole('region', { name: '買方、載具與捐贈' });
    expect(within(buyer).getByText('買方統一編號').nextSibling?.textContent).toBe('12345676');
    expect(within(buyer).getByText('買方名稱').nextSibling?.textContent).toBe('測試買方有限公司');

    const allowances = screen.getByRole('region', { name: '折讓' });
    expect(within(allowances).getByText('可折讓餘額（含稅）：945')).toBeTruthy();
    const left = within(allowances).getByRole('table', { name: '各品項可折讓餘額' });
    expect(within(left).getByRole('row', { name: /珍珠奶茶/ }).textContent).toBe('2珍珠奶茶630105525');
    const list = within(allowances).getByRole('table', { name: '折讓證明單' });
    expect(within(list).getByRole('row', { name: /2899772300000001/ }).textContent).toContain('#2 珍珠奶茶 × 1：105');

    const history = screen.getByRole('region', { name: '狀態歷程' });
    expect(history.textContent).toMatch(/2026\/11\/21\s00:30:00 開立/);
    expect(history.textContent).toContain('user:u9');

    const turnkey = screen.getByRole('table', { name: 'Turnkey 訊息' });
    const msg = within(turnkey).getByRole('row', { name: /F0401/ });
    expect(within(msg).getByText('平台退回').className).toBe('badge bad');
    expect(msg.textContent).toContain('E0208 資料非當期 | Not the current period');

    // Read-only: no actions but the proof.
    expect(screen.getByRole('link', { name: '列印證明聯' }).getAttribute('href')).toBe('/invoices/AB12345678/proof');
    for (const name of ['作廢', '註銷並重開', '折讓', '重新傳送 Turnkey', '作廢折讓']) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
  });

  it("cancels after confirmation: the schema's message for a bad reason, then the body sent and the result shown", async () => {
    await openInvoice(ALL, (r) =>
      r.url === `${DETAIL}/cancel`
        ? {
            body: {
              id: 'inv-v1',
              invoiceNumber: 'AB12345678',
              yearMonth: '11512',
              status: 'cancelled',
              reason: '客戶退貨',
              returnTaxDocumentNumber: null,
              remark: '已收回',
              cancelledAt: '2026-11-21T03:00:00Z',
            },
          }
        : { status: 500 },
    );
    fireEvent.click(await screen.findByRole('button', { name: '作廢' }));
    const dialog = screen.getByRole('dialog', { name: '作廢發票 AB12345678' });
    const reason = within(dialog).getByLabelText('原因');
    expect(document.activeElement).toBe(reason);

    fireEvent.change(reason, { target: { value: '   ' } });
    fireEvent.submit(dialog.querySelector('form')!);
    expect(await within(dialog).findByText('1-20 characters after white space is collapsed')).toBeTruthy();
    expect(reason.getAttribute('aria-invalid')).toBe('true');
    expect(posts()).toHaveLength(0);

    fireEvent.change(reason, { target: { value: '客戶退貨' } });
    fireEvent.change(within(dialog).getByLabelText('備註'), { target: { value: '已收回' } });
    const detailGets = gets(DETAIL).length;
    fireEvent.click(within(dialog).getByRole('button', { name: '確認作廢' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByText('已作廢發票 AB12345678。')).toBeTruthy();
    const [sent] = posts();
    expect(sent?.url).toBe(`${DETAIL}/cancel`);
    expect(sent?.body).toEqual({ reason: '客戶退貨', remark: '已收回' });
    expect(sent?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    // The page asks for the invoice again.
    await waitFor(() => expect(gets(DETAIL).length).toBeGreaterThan(detailGets));
  });

  it("shows the API's refusal in the dialog, with its code, and keeps the dialog open", async () => {
    await openInvoice(ALL, () =>
      apiError(409, 'INVOICE_HAS_ALLOWANCES', 'Invoice AB12345678 has active allowances; cancel or void them first.'),
    );
    fireEvent.click(await screen.findByRole('button', { name: '作廢' }));
    const dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('原因'), { target: { value: '開錯' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '確認作廢' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toBe(
      '此發票尚有有效的折讓，請先作廢或註銷折讓（INVOICE_HAS_ALLOWANCES：Invoice AB12345678 has active allowances; cancel or void them first.）',
    );
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('void and re-issue may need approval (202): says so and links to the request, prefilled from the invoice', async () => {
    const { router } = await openInvoice(ALL, (r) =>
      r.url === `${DETAIL}/void`
        ? {
            status: 202,
            body: {
              approvalRequired: true,
              approval: {
                id: '42',
                action: 'invoice.void',
                status: 'pending',
                invoiceNumber: 'AB12345678',
                sellerId: 's',
                amount: null,
                payload: r.body,
                requestedBy: { id: 'u1', username: 'alice', displayName: 'Alice' },
                requestedAt: '2026-11-21T03:00:00Z',
                decidedBy: null,
                decidedAt: null,
                decisionNote: null,
                result: null,
                error: null,
              },
            },
          }
        : { status: 500 },
    );
    fireEvent.click(await screen.findByRole('button', { name: '註銷並重開' }));
    const dialog = screen.getByRole('dialog', { name: '註銷並重開發票 AB12345678' });
    expect((within(dialog).getByLabelText('買方統一編號') as HTMLInputElement).value).toBe('12345676');
    expect((within(dialog).getByLabelText('買方名稱') as HTMLInputElement).value).toBe('測試買方有限公司');
    expect((within(dialog).getByLabelText('列印註記') as HTMLSelectElement).value).toBe('Y');
    fireEvent.change(within(dialog).getByLabelText('原因'), { target: { value: '買方名稱錯誤' } });
    fireEvent.change(within(dialog).getByLabelText('買方名稱'), { target: { value: '正確買方股份有限公司' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '確認註銷並重開' }));

    const status = await screen.findByText(/已送出審核申請，需由另一位具 approve 權限的使用者核准/);
    const link = within(status).getByRole('link', { name: '檢視審核申請 #42' });
    expect(link.getAttribute('href')).toBe('/approvals/42');
    expect(screen.queryByText(/已註銷並重新開立/)).toBeNull();
    expect(posts()[0]?.body).toEqual({
      reason: '買方名稱錯誤',
      reissue: {
        buyer: { ban: '12345676', name: '正確買方股份有限公司', address: '臺北市中正區忠孝西路一段 1 號' },
        printMark: 'Y',
      },
    });
    fireEvent.click(link);
    await waitFor(() => expect(router.state.location.pathname).toBe('/approvals/42'));
  });

  it('issues an allowance from what is left per item, refusing more than is left', async () => {
    await openInvoice(ALL, (r) =>
      r.url === `${DETAIL}/allowances`
        ? { status: 201, body: { ...detail().allowances[0], allowanceNumber: '2899772300000002' } }
        : { status: 500 },
    );
    fireEvent.click(await screen.findByRole('button', { name: '折讓' }));
    const dialog = screen.getByRole('dialog', { name: '開立折讓：發票 AB12345678' });
    const amount2 = within(dialog).getByLabelText('品項 2「珍珠奶茶」的折讓金額');
    fireEvent.change(amount2, { target: { value: '600' } });
    fireEvent.submit(dialog.querySelector('form')!);
    expect(await within(dialog).findByText('超過可折讓餘額 525')).toBeTruthy();
    expect(posts()).toHaveLength(0);

    fireEvent.change(amount2, { target: { value: '60' } });
    fireEvent.change(within(dialog).getByLabelText('品項 2「珍珠奶茶」的折讓數量'), { target: { value: '1' } });
    // Item 1 in full.
    fireEvent.click(within(dialog).getAllByRole('button', { name: '全額' })[0]!);
    expect(within(dialog).getByText('本次折讓合計：480')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: '確認開立折讓' }));
    expect(await screen.findByText('已開立折讓證明單 2899772300000002（發票 AB12345678）。')).toBeTruthy();
    expect(posts()[0]?.body).toEqual({
      items: [
        { seq: 1, quantity: '2', amount: '420' },
        { seq: 2, quantity: '1', amount: '60' },
      ],
    });
  });

  it('resends the rejected Turnkey messages (turnkey.manage) and cancels an allowance, each confirmed', async () => {
    await openInvoice(ALL, (r) => {
      if (r.url === `${DETAIL}/resend`) return { body: { items: [{ ...detail().turnkey[0], status: 'pending' }] } };
      if (r.url === '/api/v1/allowances/2899772300000001/cancel') {
        return { body: { ...detail().allowances[0], status: 'cancelled', reason: '金額有誤' } };
      }
      return { status: 500 };
    });
    fireEvent.click(await screen.findByRole('button', { name: '重新傳送 Turnkey' }));
    let dialog = screen.getByRole('dialog', { name: '重新傳送發票 AB12345678 的 Turnkey 訊息' });
    expect((within(dialog).getByLabelText('F0401（平台退回，代碼 E0208）') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(within(dialog).getByRole('button', { name: '確認重新傳送' }));
    expect(await screen.findByText('已重新傳送發票 AB12345678 的 1 則訊息。')).toBeTruthy();
    expect(posts()[0]).toMatchObject({ url: `${DETAIL}/resend`, body: { messageIds: ['501'] } });

    fireEvent.click(screen.getByRole('button', { name: '作廢折讓' }));
    dialog = screen.getByRole('dialog', { name: '作廢折讓證明單 2899772300000001' });
    fireEvent.change(within(dialog).getByLabelText('原因'), { target: { value: '金額有誤' } });
    fireEvent.click(within(dialog).getByRole('button', { name: '確認作廢折讓' }));
    expect(await screen.findByText('已作廢折讓證明單 2899772300000001。')).toBeTruthy();
    expect(posts()[1]).toMatchObject({ url: '/api/v1/allowances/2899772300000001/cancel', body: { reason: '金額有誤' } });
  });

  it('loads the MIG XML on demand and shows each document with a download', async () => {
    server = await startInvoiceApi(['invoice.read'], (r) => {
      if (r.url === DETAIL) return { body: detail() };
      if (r.url === `${DETAIL}/xml`) {
        return {
          body: {
            documents: [
              { messageId: '501', messageType: 'F0401', status: 'rejected', xml: '<Invoice><Main/></Invoice>', error: null },
              { messageId: '502', messageType: 'F0501', status: 'invalid', xml: null, error: 'CancelReason too long' },
            ],
          },
        };
      }
      return { status: 404 };
    });
    renderInvoices(server.baseUrl, '/invoices/AB12345678');
    const load = await screen.findByRole('button', { name: '載入 MIG XML' });
    expect(gets(`${DETAIL}/xml`)).toHaveLength(0);
    fireEvent.click(load);
    const doc = await screen.findByRole('article', { name: 'F0401（訊息 501，rejected）' });
    expect(doc.querySelector('pre')?.textContent).toBe('<Invoice><Main/></Invoice>');
    expect(within(doc).getByRole('button', { name: '下載 F0401 XML' })).toBeTruthy();
    const bad = screen.getByRole('article', { name: 'F0501（訊息 502，invalid）' });
    expect(within(bad).getByRole('alert').textContent).toBe('無法產生 XML：CancelReason too long');
  });

  it('shows a load error with a retry', async () => {
    server = await startInvoiceApi(['invoice.read'], () => apiError(404, 'NOT_FOUND', 'No invoice AB12345678 in your scope.'));
    renderInvoices(server.baseUrl, '/invoices/AB12345678');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('無法載入：No invoice AB12345678 in your scope.');
    expect(within(alert).getByRole('button', { name: '重試' })).toBeTruthy();
  });
});
