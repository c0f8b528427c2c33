/** Test support of the invoice screens: a scripted API with a signed-in user, fixtures, rendering the area. */
import type { InvoiceProofView } from '@app/schemas/invoice';
import { type Handler, nodeFetch, type SeenRequest, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import { createApiClient } from '../api/client.ts';
import type { InvoiceDetail } from './actions.tsx';
import InvoicesArea from './index.tsx';

export const SELLER_ID = '11111111-1111-4111-8111-111111111111';
export const SITE_ID = '22222222-2222-4222-8222-222222222222';

export const seller = {
  id: SELLER_ID,
  ban: '28997723',
  name: '好味餐飲股份有限公司',
  address: '台北市信義區',
  personInCharge: null,
  telephone: null,
  email: null,
  turnkeyRoutingId: null,
  qrKeySet: true,
  qrKeyFingerprint: 'abcd1234',
  certificateExpiresAt: null,
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
export const site = {
  id: SITE_ID,
  sellerId: SELLER_ID,
  code: 'TPE01',
  name: '信義店',
  address: null,
  branchBan: null,
  status: 'active',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

export const summary = (n: string, over: Record<string, unknown> = {}) => ({
  id: `id-${n}`,
  invoiceNumber: n,
  yearMonth: '11512',
  invoiceDate: '2026-11-21',
  invoiceTime: '2026-11-20T16:30:00.000Z',
  sellerId: SELLER_ID,
  siteId: SITE_ID,
  deviceId: null,
  buyerBan: null,
  status: 'issued',
  totalAmount: 1050,
  ...over,
});

export function detail(over: Partial<InvoiceDetail> = {}): InvoiceDetail {
  return {
    id: 'inv-v1',
    invoiceNumber: 'AB12345678',
    yearMonth: '11512',
    invoiceDate: '2026-11-21',
    // 16:30 UTC on the 20th is 00:30 on the 21st in Taipei.
    invoiceTime: '2026-11-20T16:30:00.000Z',
    sellerId: SELLER_ID,
    siteId: SITE_ID,
    deviceId: null,
    buyerBan: '12345676',
    status: 'issued',
    totalAmount: 1050,
    randomNumber: '1234',
    invoiceType: '07',
    buyerName: '測試買方有限公司',
    buyerAddress: '臺北市中正區忠孝西路一段 1 號',
    printMark: 'Y',
    carrier: null,
    npoban: null,
    taxType: '1',
    taxRate: '0.05',
    salesAmount: 1000,
    freeTaxSalesAmount: 0,
    zeroTaxSalesAmount: 0,
    taxAmount: 50,
    mainRemark: null,
    items: [
      {
        seq: 1,
        description: '牛肉麵',
        quantity: '2.0000000',
        unit: '碗',
        unitPrice: '200.0000000',
        amount: 400,
        taxType: null,
        remark: null,
      },
      {
        seq: 2,
        description: '珍珠奶茶',
        quantity: '10',
        unit: '杯',
        unitPrice: '60',
        amount: 600,
        taxType: null,
        remark: '少冰',
      },
    ],
    allowances: [
      {
        id: 'al-1',
        allowanceNumber: '2899772300000001',
        allowanceType: '2',
        allowanceDate: '2026-11-22',
        status: 'issued',
        invoiceNumber: 'AB12345678',
        yearMonth: '11512',
        invoiceId: 'inv-v1',
        invoiceDate: '2026-11-21',
        sellerId: SELLER_ID,
        siteId: SITE_ID,
        buyerBan: '12345676',
        totalAmount: 100,
        taxAmount: 5,
        grossAmount: 105,
        remark: null,
        reason: null,
        endedAt: null,
        createdAt: '2026-11-22T02:00:00Z',
        items: [
          {
            seq: 1,
            originalSeq: 2,
            description: '珍珠奶茶',
            quantity: '1',
            unit: '杯',
            unitPrice: '100',
            taxType: '1',
            amount: 105,
            untaxedAmount: 100,
            tax: 5,
          },
        ],
      },
    ],
    remaining: {
      totalAmount: 945,
      items: [
        { seq: 1, amount: 420, allowed: 0, remaining: 420 },
        { seq: 2, amount: 630, allowed: 105, remaining: 525 },
      ],
    },
    history: [
      {
        kind: 'issued',
        at: '2026-11-20T16:30:00.000Z',
        invoiceId: 'inv-v1',
        previousInvoiceId: null,
        reason: null,
        returnTaxDocumentNumber: null,
        remark: null,
        by: 'user:u9',
        requestId: 'req-1',
      },
    ],
    turnkey: [
      {
        id: '501',
        messageType: 'F0401',
        identifier: 'AB12345678',
        status: 'rejected',
        attempts: 1,
        fileName: 'F0401-501.xml',
        lastError: null,
        resultCode: 'E0208',
        resultMessage: '資料非當期 | Not the current period',
        createdAt: '2026-11-20T16:30:01.000Z',
        deliveredAt: '2026-11-20T16:31:00.000Z',
        resultAt: '2026-11-20T17:00:00.000Z',
      },
    ],
    ...over,
  };
}

/** The MOF spec's worked example (v1.8 ch.2), as the proof endpoint answers it. */
export function proof(over: Partial<InvoiceProofView> = {}): InvoiceProofView {
  return {
    invoiceNumber: 'AB12345678',
    yearMonth: '11512',
    periodLabel: '115年11-12月',
    invoiceTime: '2026-11-20T16:30:00.000Z',
    randomNumber: '1234',
    totalAmount: 1050,
    sellerBan: '28997723',
    sellerName: '好味餐飲股份有限公司',
    buyerBan: '12345676',
    status: 'issued',
    printMark: 'Y',
    carrier: false,
    donated: false,
    barcode: '11512AB123456781234',
    qrLeft: 'AB112233441020523999900000144000001540000000001234567ydXZt4LAN1UHN/j1juVcRA==:**********:3:3:1:乾電池:1:105:',
    qrRight: '**口罩:1:210:牛奶:1:25',
    ...over,
  };
}

/** An API for a user holding `permissions`: auth, sellers and sites answered here, the rest by `handler`. */
export async function startInvoiceApi(permissions: string[], handler: Handler) {
  const server = await startApiServer((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions } };
    if (r.url === '/api/v1/sellers') return { body: { items: [seller] } };
    if (/^\/api\/v1\/sellers\/[^/]+\/sites$/.test(r.url)) return { body: { items: [site] } };
    return handler(r);
  });
  /** The requests the screens made (not the session's nor the name look-ups). */
  const calls = (): SeenRequest[] =>
    server.seen.filter((r) => !r.url.startsWith('/api/v1/auth/') && !r.url.startsWith('/api/v1/sellers'));
  return { ...server, calls };
}

let inFlight = 0;
/** node:http fetch, counted, so a test can let its requests finish before its server closes. */
const trackedFetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  inFlight++;
  return nodeFetch(input, init).finally(() => inFlight--);
}) as typeof fetch;

/** Wait (up to 2 s) for the screens' requests in flight to finish. */
export async function settle() {
  const until = Date.now() + 2000;
  while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

export function renderInvoices(baseUrl: string, path: string) {
  // The screens' API client over the counted fetch (renderApp's own would use happy-dom's, uncounted).
  const api = createApiClient({ baseUrl, storage: null, fetch: trackedFetch });
  api.setSession(sessionTokens(1));
  return renderApp(
    [
      { path: '/invoices/*', element: <InvoicesArea /> },
      { path: '/approvals/:id', element: <p>approval page</p> },
    ],
    { baseUrl, path, services: { api, fetch: trackedFetch } },
  );
}

/** A request's query as an object. */
export const queryOf = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);
