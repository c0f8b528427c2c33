/**
 * GET /api/v1/invoices/{number}/proof and /xml: the printed proof computed again from what is stored equals
 * what issuing answered, and the MIG XML shown is the document the hand-off builds, per message.
 */
import { parseYearMonth } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;
let sellerId: string;

const items = [
  { description: '95無鉛汽油', quantity: '20.5', unit: 'L', unitPrice: '31.2' },
  { description: '洗車', quantity: '1', unitPrice: '150' },
];
const post = (url: string, payload: object, token = admin) => t.call({ method: 'POST', url, token, payload });
const get = (url: string, token = admin) => t.call({ url, token });

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId, sellerId } = await setupIssuer(t));
});
afterAll(async () => t?.close());

describe('invoice proof', () => {
  it('answers the codes issuing answered, for B2C and B2B', async () => {
    for (const buyer of [undefined, { ban: '22099131', name: '買方公司' }]) {
      const issued = (await post('/api/v1/invoices', { siteId, items, printMark: 'Y', ...(buyer ? { buyer } : {}) })).json();
      const r = await get(`/api/v1/invoices/${issued.invoiceNumber}/proof`);
      expect(r.statusCode, r.body).toBe(200);
      const p = r.json();
      expect(p).toMatchObject({
        invoiceNumber: issued.invoiceNumber,
        yearMonth: issued.yearMonth,
        randomNumber: issued.randomNumber,
        totalAmount: issued.totalAmount,
        sellerBan: issued.sellerBan,
        sellerName: 'S',
        buyerBan: issued.buyerBan,
        status: 'issued',
        printMark: 'Y',
        carrier: false,
        donated: false,
        barcode: issued.barcode,
        qrLeft: issued.qrLeft,
        qrRight: issued.qrRight,
      });
      const period = parseYearMonth(issued.yearMonth)!;
      const m = String(period.firstMonth).padStart(2, '0');
      const m2 = String(period.firstMonth + 1).padStart(2, '0');
      expect(p.periodLabel).toBe(`${period.rocYear}年${m}-${m2}月`);
      expect(p.barcode).toHaveLength(19);
    }
  });

  it('says whether the proof was printed at issue, and whether the invoice went to a carrier or was donated', async () => {
    const donated = (await post('/api/v1/invoices', { siteId, items, printMark: 'N', donation: { npoban: '8585' } })).json();
    expect((await get(`/api/v1/invoices/${donated.invoiceNumber}/proof`)).json()).toMatchObject({
      printMark: 'N',
      carrier: false,
      donated: true,
    });
    const carried = (
      await post('/api/v1/invoices', {
        siteId,
        items,
        printMark: 'N',
        carrier: { type: '3J0002', id1: '/ABC+123', id2: '/ABC+123' },
      })
    ).json();
    expect(carried.invoiceNumber, JSON.stringify(carried)).toMatch(/^[A-Z]{2}\d{8}$/);
    expect((await get(`/api/v1/invoices/${carried.invoiceNumber}/proof`)).json()).toMatchObject({
      printMark: 'N',
      carrier: true,
      donated: false,
    });
  });

  it('says a cancelled invoice is cancelled, and 404s a number out of scope or unknown', async () => {
    const issued = (await post('/api/v1/invoices', { siteId, items, printMark: 'Y' })).json();
    expect((await post(`/api/v1/invoices/${issued.invoiceNumber}/cancel`, { reason: '客戶取消' })).statusCode).toBe(200);
    expect((await get(`/api/v1/invoices/${issued.invoiceNumber}/proof`)).json().status).toBe('cancelled');
    expect((await get('/api/v1/invoices/ZZ00000000/proof')).statusCode).toBe(404);
    const other = (await post(`/api/v1/sellers/${sellerId}/sites`, { code: 'P2', name: 'Other' })).json().id;
    const c = (
      await post('/api/v1/clients', {
        name: 'ERP other',
        kind: 'erp',
        roles: ['erp'],
        scope: { all: false, sellers: [], sites: [other] },
      })
    ).json();
    const erp = await t.clientToken(c.clientId, c.clientSecret);
    expect((await get(`/api/v1/invoices/${issued.invoiceNumber}/proof`, erp)).statusCode).toBe(404);
    expect((await get(`/api/v1/invoices/${issued.invoiceNumber}/xml`, erp)).statusCode).toBe(404);
  });
});

describe('invoice MIG XML', () => {
  it("keeps the buyer's address: stored, shown, written into F0401, and replaced by a re-issue", async () => {
    const buyer = { ban: '22099131', name: '買方公司', address: '臺北市中正區忠孝西路一段 1 號' };
    const issued = (await post('/api/v1/invoices', { siteId, items, printMark: 'Y', buyer })).json();
    expect((await get(`/api/v1/invoices/${issued.invoiceNumber}`)).json().buyerAddress).toBe(buyer.address);
    let xml = (await get(`/api/v1/invoices/${issued.invoiceNumber}/xml`)).json().documents[0].xml as string;
    expect(xml).toContain(`<Address>${buyer.address}</Address>`);

    const moved = { ...buyer, address: '新北市板橋區中山路一段 161 號' };
    const v = await post(`/api/v1/invoices/${issued.invoiceNumber}/void`, {
      reason: '地址變更',
      reissue: { buyer: moved, printMark: 'Y' },
    });
    expect(v.statusCode, v.body).toBe(200);
    expect((await get(`/api/v1/invoices/${issued.invoiceNumber}`)).json().buyerAddress).toBe(moved.address);
    const docs = (await get(`/api/v1/invoices/${issued.invoiceNumber}/xml`)).json().documents as {
      messageType: string;
      xml: string;
    }[];
    xml = docs.filter((d) => d.messageType === 'F0401').at(-1)!.xml;
    expect(xml).toContain(`<Address>${moved.address}</Address>`);
  });

  it('shows each message of the number as built for Turnkey: F0401, then F0501 after a cancel', async () => {
    const issued = (await post('/api/v1/invoices', { siteId, items, printMark: 'Y' })).json();
    let r = await get(`/api/v1/invoices/${issued.invoiceNumber}/xml`);
    expect(r.statusCode, r.body).toBe(200);
    let docs = r.json().documents;
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ messageType: 'F0401', status: 'pending', error: null });
    expect(docs[0].xml).toContain(`<InvoiceNumber>${issued.invoiceNumber}</InvoiceNumber>`);
    expect(docs[0].xml).toContain('95無鉛汽油');
    expect(docs[0].xml).toContain('urn:GEINV:eInvoiceMessage:F0401:4.1');

    await post(`/api/v1/invoices/${issued.invoiceNumber}/cancel`, { reason: '客戶取消' });
    r = await get(`/api/v1/invoices/${issued.invoiceNumber}/xml`);
    docs = r.json().documents;
    expect(docs.map((d: { messageType: string }) => d.messageType)).toEqual(['F0401', 'F0501']);
    expect(docs[1].xml).toContain('<CancelReason>客戶取消</CancelReason>');
  });
});
