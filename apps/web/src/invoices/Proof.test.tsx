// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError } from '../../test/http-server.ts';
import { qrMatrix } from './qr.ts';
import { proof, renderInvoices, settle, startInvoiceApi } from './testing.tsx';

let server: Awaited<ReturnType<typeof startInvoiceApi>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  await settle();
  cleanup();
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

const PROOF = '/api/v1/invoices/AB12345678/proof';

async function openProof(p: ReturnType<typeof proof> | null) {
  server = await startInvoiceApi(['invoice.read'], (r) => {
    if (r.url === PROOF)
      return p ? { body: p } : apiError(409, 'SELLER_QR_KEY_MISSING', 'Seller 28997723 has no QR AES key yet.');
    return { status: 404 };
  });
  return renderInvoices(server.baseUrl, '/invoices/AB12345678/proof');
}

describe('the printed proof', () => {
  it('shows the 57 mm proof: period, number, time, random number and total, BANs, the barcode and two QR codes', async () => {
    await openProof(proof());
    const card = await screen.findByRole('article', { name: '電子發票證明聯 AB-12345678' });
    expect(card.textContent).toContain('好味餐飲股份有限公司');
    expect(within(card).getByRole('heading', { name: '電子發票證明聯 補印' })).toBeTruthy();
    expect(within(card).getByText('115年11-12月')).toBeTruthy();
    expect(within(card).getByText('AB-12345678').className).toBe('inv-proof-number');
    // Taipei time, and 格式 25 since the buyer has a BAN.
    expect(within(card).getByText('2026-11-21 00:30:00')).toBeTruthy();
    expect(within(card).getByText('格式 25')).toBeTruthy();
    expect(within(card).getByText('隨機碼 1234')).toBeTruthy();
    expect(within(card).getByText('總計 1050')).toBeTruthy();
    expect(within(card).getByText('賣方 28997723')).toBeTruthy();
    expect(within(card).getByText('買方 12345676')).toBeTruthy();

    const barcode = within(card).getByRole('img', { name: '一維條碼 11512AB123456781234' });
    expect(barcode).toBe(screen.getByTestId('proof-barcode'));
    expect(barcode.tagName.toLowerCase()).toBe('svg');
    expect(barcode.getAttribute('width')).toBe('48mm');
    // 21 characters (with the start/stop *) of 5 bars each.
    expect(barcode.querySelector('path')?.getAttribute('d')?.match(/M/g)).toHaveLength(105);

    const left = within(card).getByRole('img', { name: '左側 QR Code' });
    const right = within(card).getByRole('img', { name: '右側 QR Code' });
    expect(left).toBe(screen.getByTestId('proof-qr-left'));
    expect(right).toBe(screen.getByTestId('proof-qr-right'));
    // Same size: the right code is drawn at the left one's version, with a 4-module quiet zone.
    const side = qrMatrix(proof().qrLeft).size + 8;
    expect(left.getAttribute('viewBox')).toBe(`0 0 ${side} ${side}`);
    expect(right.getAttribute('viewBox')).toBe(left.getAttribute('viewBox'));
    expect(right.getAttribute('width')).toBe(left.getAttribute('width'));
    expect(left.parentElement).toBe(right.parentElement);

    // happy-dom has no window.print.
    const print = vi.fn();
    Object.defineProperty(window, 'print', { value: print, configurable: true, writable: true });
    const button = screen.getByRole('button', { name: '列印' });
    expect(button.closest('.no-print')).not.toBeNull();
    fireEvent.click(button);
    expect(print).toHaveBeenCalledTimes(1);
    // The page's own paper size while printing.
    expect([...document.querySelectorAll('style')].some((s) => s.textContent?.includes('size: 57mm 90mm'))).toBe(true);
  });

  it('warns before printing a proof for an invoice issued without one (carrier or donation), and says no 補印', async () => {
    await openProof(proof({ buyerBan: null, printMark: 'N', carrier: true }));
    const card = await screen.findByRole('article');
    expect(screen.getByRole('note').textContent).toContain('未列印證明聯');
    expect(within(card).getByRole('heading').textContent).toBe('電子發票證明聯');
    expect(card.textContent).not.toContain('格式 25');
    expect(card.textContent).not.toContain('買方');
  });

  it('shows a cancelled invoice as 作廢, with no codes and nothing to print', async () => {
    await openProof(proof({ status: 'cancelled' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('作廢');
    expect(alert.textContent).toContain('AB-12345678');
    expect(alert.textContent).toContain('不得作為證明聯使用');
    expect(screen.queryByTestId('proof-barcode')).toBeNull();
    expect(screen.queryByTestId('proof-qr-left')).toBeNull();
    expect(screen.queryByRole('button', { name: '列印' })).toBeNull();
  });

  it("shows the API's refusal when there is no proof", async () => {
    await openProof(null);
    const alert = await screen.findByRole('alert');
    // Our own words for the code (areas/errors.ts), not the API's English message.
    expect(alert.textContent).toContain('此營業人尚未設定 QR Code AES 金鑰');
    expect(within(alert).getByRole('button', { name: '重試' })).toBeTruthy();
    expect(screen.queryByTestId('proof-barcode')).toBeNull();
  });
});
