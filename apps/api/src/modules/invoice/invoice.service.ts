/**
 * Issuing an invoice (F0401). Everything that can refuse it is checked before a number is taken, so a
 * refused invoice consumes nothing; then, in one transaction, the next number of the caller's block is
 * taken (one atomic UPDATE), the number registry, invoice, items, outbox event, audit entry and
 * idempotent response are written. The answer carries the printed proof's barcode and QR payloads.
 */
import { randomInt } from 'node:crypto';
import {
  DomainError,
  formatNo,
  type InvoiceInput,
  type Period,
  periodOf,
  proofCodes,
  splitTaxIncluded,
  type Totals,
  taipeiDateParts,
  validateInvoice,
} from '@app/domain';
import { appendOutbox } from '@app/jobs';
import { decryptSecret } from '@app/security';
import type { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import { findDevice } from '../device/device.repository.ts';
import { findSite } from '../seller/seller.repository.ts';
import {
  candidateBlocks,
  findInvoiceByNumber,
  type InvoiceRow,
  insertInvoice,
  markTrackLow,
  searchInvoices,
  siteRemaining,
  takeNumber,
  takeNumberSkipLocked,
} from './invoice.repository.ts';
import type { IssuedInvoice, IssueInput, invoiceDetail, invoiceSummary, ListInvoicesQuery } from './invoice.schemas.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'config' | 'now'>;

/** What `prepare` found out, for `commit`. */
type Prepared = {
  target: { siteId: string; deviceId: string | null; seller: { id: string; ban: string }; aesKey: string };
  input: IssueInput;
  givenTime: Date | null;
  period: Period;
  totals: Totals;
  itemAmounts: bigint[];
  blocks: { id: string; track: string }[];
};

/** How far a POS clock may run ahead of the server's. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

const ymd = (at: Date) => {
  const p = taipeiDateParts(at);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
};

export type InvoiceService = {
  prepare(ctx: RequestContext, input: IssueInput): Promise<Prepared>;
  commit(trx: Tx, ctx: RequestContext, prep: Prepared): Promise<IssuedInvoice>;
  list(ctx: RequestContext, q: ListInvoicesQuery): Promise<{ items: InvoiceSummary[]; nextCursor: string | null }>;
  get(ctx: RequestContext, number: string): Promise<InvoiceDetail>;
};

type InvoiceSummary = z.infer<typeof invoiceSummary>;
type InvoiceDetail = z.infer<typeof invoiceDetail>;

const invoiceScope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { seller: 'i.seller_id', site: 'i.site_id' });
const status = (s: string) => (s === 'cancelled' || s === 'voided' ? s : 'issued');

export function createInvoiceService(deps: Deps): InvoiceService {
  const { db, tenant } = deps;
  const encKey = Buffer.from(deps.config.APP_ENCRYPTION_KEY, 'base64');

  /** Where the caller issues from: a device-bound client from its device; others name a site or device. */
  async function resolveTarget(ctx: RequestContext, input: IssueInput) {
    const p = ctx.principal;
    if (!p) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
    let deviceId = input.deviceId ?? null;
    if (p.kind === 'client' && p.deviceId) {
      if (deviceId && deviceId !== p.deviceId) {
        throw new DomainError('SCOPE_FORBIDDEN', 'This client belongs to another device.', { field: 'body.deviceId' });
      }
      deviceId = p.deviceId;
    }
    let siteId = input.siteId ?? null;
    if (deviceId) {
      const d = await findDevice(db, tenant.id, p.scope, deviceId);
      if (!d || d.revoked_at || !d.site_id) {
        throw new DomainError('VALIDATION_ERROR', 'Unknown or revoked device.', [
          { field: 'body.deviceId', message: 'unknown or revoked device' },
        ]);
      }
      if (siteId && siteId !== d.site_id) {
        throw new DomainError('VALIDATION_ERROR', 'The device is not at that site.', [
          { field: 'body.siteId', message: 'not the device’s site' },
        ]);
      }
      siteId = d.site_id;
    }
    if (!siteId)
      throw new DomainError('VALIDATION_ERROR', 'Name the site (or device) to issue from.', [
        { field: 'body.siteId', message: 'required' },
      ]);
    const site = await findSite(db, tenant.id, p.scope, siteId);
    if (site?.status !== 'active') {
      throw new DomainError('VALIDATION_ERROR', 'Unknown or disabled site.', [
        { field: 'body.siteId', message: 'unknown or disabled site' },
      ]);
    }
    const seller = await db
      .selectFrom('sellers')
      .select(['id', 'ban', 'name', 'address', 'qr_aes_key_enc', 'status'])
      .where('id', '=', site.seller_id)
      .executeTakeFirstOrThrow();
    if (seller.status !== 'active') throw new DomainError('CONFLICT', `Seller ${seller.ban} is disabled.`);
    if (!seller.qr_aes_key_enc) throw new DomainError('SELLER_QR_KEY_MISSING', `Seller ${seller.ban} has no QR AES key yet.`);
    return { siteId, deviceId, seller, aesKey: decryptSecret(seller.qr_aes_key_enc, encKey) };
  }

  return {
    async list(ctx, q) {
      const after = q.cursor ? { date: q.cursor.slice(0, 10), number: q.cursor.slice(11) } : undefined;
      const rows = await searchInvoices(db, invoiceScope(ctx), { ...q, after, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          invoiceNumber: r.invoice_number,
          yearMonth: r.year_month,
          invoiceDate: r.invoice_date,
          invoiceTime: r.invoice_time.toISOString(),
          sellerId: r.seller_id,
          siteId: r.site_id,
          deviceId: r.device_id,
          buyerBan: r.buyer_ban,
          status: status(r.status),
          totalAmount: Number(r.total_amount),
        })),
        nextCursor: rows.length > q.limit && last ? `${last.invoice_date}|${last.invoice_number}` : null,
      };
    },

    async get(ctx, number) {
      const found = await findInvoiceByNumber(db, number, invoiceScope(ctx));
      if (!found) throw new DomainError('NOT_FOUND', `No invoice ${number} in your scope.`);
      const { inv, items } = found;
      return {
        id: inv.id,
        invoiceNumber: inv.invoice_number,
        yearMonth: inv.year_month,
        invoiceDate: inv.invoice_date_text,
        invoiceTime: inv.invoice_time.toISOString(),
        sellerId: inv.seller_id,
        siteId: inv.site_id,
        deviceId: inv.device_id,
        buyerBan: inv.buyer_ban,
        status: status(inv.status),
        totalAmount: Number(inv.total_amount),
        randomNumber: inv.random_number,
        invoiceType: inv.invoice_type,
        buyerName: inv.buyer_name,
        printMark: inv.print_mark,
        carrier: inv.carrier_type ? { type: inv.carrier_type, id1: inv.carrier_id1 ?? '', id2: inv.carrier_id2 ?? '' } : null,
        npoban: inv.npoban,
        taxType: inv.tax_type,
        taxRate: inv.tax_rate,
        salesAmount: Number(inv.sales_amount),
        freeTaxSalesAmount: Number(inv.free_tax_sales_amount),
        zeroTaxSalesAmount: Number(inv.zero_tax_sales_amount),
        taxAmount: Number(inv.tax_amount),
        mainRemark: inv.main_remark,
        items: items.map((i) => ({
          seq: i.seq,
          description: i.description,
          quantity: i.quantity,
          unit: i.unit,
          unitPrice: i.unit_price,
          amount: Number(i.amount),
          taxType: i.tax_type,
          remark: i.remark,
        })),
      };
    },

    /** Everything before the transaction: where from, the rules, the totals, the candidate blocks. */
    async prepare(ctx: RequestContext, input: IssueInput): Promise<Prepared> {
      const target = await resolveTarget(ctx, input);
      const now = deps.now();
      const givenTime = input.invoiceTime ? new Date(input.invoiceTime) : null;
      const time = givenTime ?? now;
      const period = periodOf(time);
      const domainInput: InvoiceInput = {
        seller: { ban: target.seller.ban, name: target.seller.name, address: target.seller.address },
        buyer: input.buyer ?? null,
        invoiceType: input.invoiceType,
        taxType: input.taxType,
        taxRate: input.taxRate,
        zeroTax: input.zeroTax ?? null,
        items: input.items,
        printMark: input.printMark,
        carrier: input.carrier ?? null,
        donation: input.donation ?? null,
        invoiceTime: time,
        mainRemark: input.mainRemark,
      };
      const v = validateInvoice(domainInput, { now, maxFutureSkewMs: MAX_FUTURE_SKEW_MS, period });
      if (!v.ok) {
        throw new DomainError(
          'VALIDATION_ERROR',
          'The invoice breaks MIG 4.1 rules.',
          v.errors.map((e) => ({ field: `body.${e.field}`, code: e.code, message: e.message })),
        );
      }
      const blocks = await candidateBlocks(db, {
        siteId: target.siteId,
        deviceId: target.deviceId,
        yearMonth: period.yearMonth,
        invoiceType: input.invoiceType,
      });
      if (blocks.length === 0) {
        throw new DomainError(
          'NO_NUMBER_BLOCK',
          `No active block of ${input.invoiceType} numbers for period ${period.yearMonth} at this ${target.deviceId ? 'device' : 'site'}.`,
        );
      }
      return { target, input, givenTime, period, totals: v.totals, itemAmounts: v.itemAmounts, blocks };
    },

    async commit(
      trx: Tx,
      ctx: RequestContext,
      prep: Awaited<ReturnType<ReturnType<typeof createInvoiceService>['prepare']>>,
    ): Promise<IssuedInvoice> {
      const { target, input, totals, period } = prep;
      let taken: { blockId: string; track: string; number: number; endNo: number; issuedAt: Date } | null = null;
      const fast = await takeNumberSkipLocked(
        trx,
        prep.blocks.map((b) => b.id),
        prep.givenTime,
      );
      if (fast) {
        const track = prep.blocks.find((b) => b.id === fast.blockId)?.track as string;
        taken = { ...fast, track };
      }
      // Every block busy (or used up, or too late): wait on them in order.
      for (const b of taken ? [] : prep.blocks) {
        const r = await takeNumber(trx, b.id, prep.givenTime);
        if (r.number !== null) {
          taken = { blockId: b.id, track: b.track, number: r.number, endNo: r.endNo, issuedAt: r.issuedAt };
          break;
        }
        if (r.reason === 'time_order') {
          throw new DomainError(
            'INVOICE_TIME_ORDER',
            'A later invoice was already issued from this block; the invoice time must not be earlier.',
            {
              field: 'body.invoiceTime',
            },
          );
        }
      }
      if (!taken)
        throw new DomainError(
          'TRACK_EXHAUSTED',
          `Every number for period ${period.yearMonth} at this site/device is used; allocate more.`,
        );
      const invoiceTime = taken.issuedAt;
      if (invoiceTime.getTime() >= period.end.getTime()) {
        throw new DomainError(
          'CONFLICT',
          'The period ended while the invoice was being issued; retry to issue it in the new period.',
        );
      }
      const invoiceNumber = `${taken.track}${formatNo(taken.number)}`;
      const randomNumber = String(randomInt(0, 10_000)).padStart(4, '0');
      const buyerBan = input.buyer?.ban ?? null;
      const p = ctx.principal;
      const row: InvoiceRow = {
        id: crypto.randomUUID(),
        invoice_date: ymd(invoiceTime),
        invoice_time: invoiceTime,
        seller_id: target.seller.id,
        site_id: target.siteId,
        device_id: target.deviceId,
        block_id: taken.blockId,
        year_month: period.yearMonth,
        invoice_number: invoiceNumber,
        random_number: randomNumber,
        invoice_type: input.invoiceType,
        buyer_ban: buyerBan,
        buyer_name: input.buyer?.name ?? null,
        print_mark: input.printMark,
        carrier_type: input.carrier?.type ?? null,
        carrier_id1: input.carrier?.id1 ?? null,
        carrier_id2: input.carrier?.id2 ?? null,
        npoban: input.donation?.npoban ?? null,
        tax_type: totals.taxType,
        tax_rate: totals.taxRate,
        customs_clearance_mark: input.zeroTax?.customsClearanceMark ?? null,
        zero_tax_rate_reason: input.zeroTax?.zeroTaxRateReason ?? null,
        sales_amount: String(totals.salesAmount),
        free_tax_sales_amount: String(totals.freeTaxSalesAmount),
        zero_tax_sales_amount: String(totals.zeroTaxSalesAmount),
        tax_amount: String(totals.taxAmount),
        total_amount: String(totals.totalAmount),
        main_remark: input.mainRemark ?? null,
        issued_by: p ? `${p.kind}:${p.id}` : null,
        request_id: ctx.requestId,
      };
      await insertInvoice(
        trx,
        row,
        input.items.map((it, i) => ({
          seq: i + 1,
          description: it.description,
          quantity: it.quantity,
          unit: it.unit ?? null,
          unit_price: it.unitPrice,
          amount: String(prep.itemAmounts[i]),
          tax_type: it.taxType ?? null,
          remark: it.remark ?? null,
        })),
      );
      await appendOutbox(
        trx,
        'InvoiceIssued',
        {
          invoiceId: row.id,
          invoiceDate: row.invoice_date,
          invoiceNumber,
          yearMonth: period.yearMonth,
          sellerId: target.seller.id,
          siteId: target.siteId,
          buyerBan,
          totalAmount: Number(totals.totalAmount),
        },
        { aggregateType: 'invoice', aggregateId: invoiceNumber, requestId: ctx.requestId },
      );
      // TrackLow: only when this block itself is nearly used up can the site be low (cheap filter first).
      const threshold = deps.config.TRACK_LOW_THRESHOLD;
      if (taken.endNo - taken.number < threshold) {
        const remaining = await siteRemaining(trx, {
          siteId: target.siteId,
          yearMonth: period.yearMonth,
          invoiceType: input.invoiceType,
        });
        if (
          remaining < threshold &&
          (await markTrackLow(trx, {
            siteId: target.siteId,
            yearMonth: period.yearMonth,
            invoiceType: input.invoiceType,
            remaining,
          }))
        ) {
          await appendOutbox(
            trx,
            'TrackLow',
            {
              siteId: target.siteId,
              sellerId: target.seller.id,
              yearMonth: period.yearMonth,
              invoiceType: input.invoiceType,
              remaining,
              threshold,
            },
            { aggregateType: 'site', aggregateId: target.siteId, requestId: ctx.requestId },
          );
        }
      }
      // The proof's 銷售額 is the untaxed total: B2B amounts already separate the tax; B2C totals include it.
      const total = Number(totals.totalAmount);
      const untaxed = buyerBan
        ? total - Number(totals.taxAmount)
        : total -
          (totals.taxType === '1' || totals.taxType === '4' || totals.taxType === '9'
            ? Number(splitTaxIncluded(totals.salesAmount, totals.taxRate).tax)
            : 0);
      const proof = proofCodes({
        invoiceNumber,
        invoiceDate: invoiceTime,
        randomNumber,
        salesAmount: untaxed,
        totalAmount: total,
        buyerBan,
        sellerBan: target.seller.ban,
        items: input.items.map((it) => ({ name: it.description, quantity: it.quantity, unitPrice: it.unitPrice })),
        aesKey: prep.target.aesKey,
      });
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'invoice', id: invoiceNumber },
        after: { invoiceNumber, yearMonth: period.yearMonth, totalAmount: total, buyerBan, siteId: target.siteId },
      };
      return {
        id: row.id,
        invoiceNumber,
        randomNumber,
        yearMonth: period.yearMonth,
        invoiceDate: row.invoice_date,
        invoiceTime: invoiceTime.toISOString(),
        sellerBan: target.seller.ban,
        buyerBan,
        salesAmount: Number(totals.salesAmount),
        freeTaxSalesAmount: Number(totals.freeTaxSalesAmount),
        zeroTaxSalesAmount: Number(totals.zeroTaxSalesAmount),
        taxAmount: Number(totals.taxAmount),
        totalAmount: total,
        barcode: proof.barcode,
        qrLeft: proof.qr.left,
        qrRight: proof.qr.right,
      };
    },
  };
}
