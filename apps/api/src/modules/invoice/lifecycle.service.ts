/**
 * The invoice lifecycle after issuing (einvoice-domain.md §2.5, §4.5):
 * - cancel (作廢, F0501): an issued invoice, until its period's end + CANCEL_GRACE_DAYS, without active allowances;
 * - void (註銷, F0701) + re-issue (F0401, same number): "註銷後必然跟著開立", so both happen in one transaction.
 *   The voided version keeps its row (status voided); a new row with a new id carries the same number, period,
 *   date, time, random number, block and items, and only a new buyer / carrier / donation / print mark / remark;
 *   the number's registry row points at it. Every MIG rule is checked again for the new version.
 * Each transition locks the number's registry row first, records its status history (invoice_transitions), an
 * outbox event and (through reply.transact) its audit entry and idempotent answer in the same transaction.
 */

import type { DbOrTx } from '@app/db';
import {
  type CustomsClearanceMark,
  cancelDeadline,
  collapseWhitespace,
  DomainError,
  type InvoiceInput,
  parseYearMonth,
  remainingPerItem,
  type TaxRate,
  type TaxType,
  validateInvoice,
  type ZeroTaxRateReason,
} from '@app/domain';
import { appendOutbox } from '@app/jobs';
import type { IssuedInvoice } from '@app/schemas/invoice';
import type {
  CancelInvoiceInput,
  cancelledInvoice,
  HistoryEntry,
  invoiceLifecycleFields,
  VoidInvoiceInput,
} from '@app/schemas/lifecycle';
import type { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import { countActiveAllowances, listAllowancesOfNumber } from '../allowance/allowance.repository.ts';
import { allowanceView } from '../allowance/allowance.service.ts';
import { queueTurnkeyMessages } from '../turnkey/turnkey-message.repository.ts';
import type { InvoiceRow, ItemRow } from './invoice.repository.ts';
import {
  endVersion,
  findIssue,
  findNumberInScope,
  insertReissuedVersion,
  insertTransitions,
  listTransitions,
  loadVersion,
  lockInvoiceNumber,
} from './lifecycle.repository.ts';
import { invoiceProof, issuingSeller } from './proof.ts';

type Deps = Pick<ModuleDeps, 'db' | 'config' | 'now'>;

/** How far a sale's time may lie ahead of the server's clock (as when issuing). */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** Fields of a re-issue that the caller sent; other rule failures concern the stored invoice. */
const REISSUE_FIELDS = /^(buyer|carrier|donation|printMark|mainRemark)(\.|$)/;

const invoiceScope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { seller: 'i.seller_id', site: 'i.site_id' });
const actorOf = (ctx: RequestContext) => (ctx.principal ? `${ctx.principal.kind}:${ctx.principal.id}` : null);

type LifecycleFields = { [K in keyof typeof invoiceLifecycleFields]: z.infer<(typeof invoiceLifecycleFields)[K]> };

/**
 * What GET /api/v1/invoices/{number} adds: the number's allowances, what is left to allow, and its status history
 * ("issued" from the first version's own row, then the recorded transitions).
 */
export async function loadInvoiceLifecycle(
  db: DbOrTx,
  inv: {
    id: string;
    year_month: string;
    invoice_number: string;
    invoice_date_text: string;
    invoice_time: Date;
    issued_by: string | null;
    request_id: string | null;
    total_amount: string;
  },
  items: readonly { seq: number; amount: string }[],
): Promise<LifecycleFields> {
  const [allowances, transitions] = await Promise.all([
    listAllowancesOfNumber(db, inv.year_month, inv.invoice_number),
    listTransitions(db, inv.year_month, inv.invoice_number),
  ]);
  const allowed = new Map<number, bigint>();
  for (const a of allowances) {
    if (a.status !== 'issued') continue;
    for (const i of a.items) allowed.set(i.original_seq, (allowed.get(i.original_seq) ?? 0n) + BigInt(i.amount));
  }
  // The first version issued the number: the current one, unless a transition replaced it.
  const first = transitions[0]?.from_invoice_id ?? inv.id;
  const issued = first === inv.id ? inv : await findIssue(db, first, inv.invoice_date_text);
  const history: HistoryEntry[] = [
    {
      kind: 'issued',
      at: issued.invoice_time.toISOString(),
      invoiceId: first,
      previousInvoiceId: null,
      reason: null,
      returnTaxDocumentNumber: null,
      remark: null,
      by: issued.issued_by,
      requestId: issued.request_id,
    },
    ...transitions.map((t) => ({
      kind: t.kind as HistoryEntry['kind'],
      at: t.occurred_at.toISOString(),
      invoiceId: t.to_invoice_id ?? t.from_invoice_id,
      previousInvoiceId: t.to_invoice_id ? t.from_invoice_id : null,
      reason: t.reason,
      returnTaxDocumentNumber: t.return_tax_document_number,
      remark: t.remark,
      by: t.actor,
      requestId: t.request_id,
    })),
  ];
  const perItem = remainingPerItem(
    items.map((i) => ({ seq: i.seq, amount: BigInt(i.amount) })),
    allowed,
  );
  let allowedTotal = 0n;
  for (const a of allowed.values()) allowedTotal += a;
  return {
    allowances: allowances.map(allowanceView),
    remaining: {
      totalAmount: Number(BigInt(inv.total_amount) - allowedTotal),
      items: perItem.map((r) => ({
        seq: r.seq,
        amount: Number(r.amount),
        allowed: Number(r.allowed),
        remaining: Number(r.remaining),
      })),
    },
    history,
  };
}

export type InvoiceLifecycleService = ReturnType<typeof createInvoiceLifecycleService>;

export function createInvoiceLifecycleService(deps: Deps) {
  const encKey = Buffer.from(deps.config.APP_ENCRYPTION_KEY, 'base64');

  /** Find the number in the caller's scope, lock it, and load the version it points at, which must be issued. */
  async function lockIssued(trx: Tx, ctx: RequestContext, number: string, what: string) {
    // Named before any check, so a refused transition's audit entry names its invoice too.
    ctx.audit = { ...ctx.audit, target: { type: 'invoice', id: number } };
    const yearMonth = await findNumberInScope(trx, number, invoiceScope(ctx));
    if (!yearMonth) throw new DomainError('NOT_FOUND', `No invoice ${number} in your scope.`);
    const current = await lockInvoiceNumber(trx, yearMonth, number);
    const version = await loadVersion(trx, current.invoiceId, current.invoiceDate);
    if (version.inv.status !== 'issued') {
      throw new DomainError(
        'INVOICE_NOT_ISSUED',
        `Invoice ${number} is ${version.inv.status}; only an issued invoice can be ${what}.`,
        {
          status: version.inv.status,
        },
      );
    }
    return { yearMonth, ...version };
  }

  async function refuseActiveAllowances(trx: Tx, yearMonth: string, number: string, what: string) {
    const n = await countActiveAllowances(trx, yearMonth, number);
    if (n > 0) {
      throw new DomainError(
        'INVOICE_HAS_ALLOWANCES',
        `Invoice ${number} has ${n} active allowance(s); cancel or void them before it can be ${what}.`,
        { activeAllowances: n },
      );
    }
  }

  return {
    /** Cancel (作廢, F0501). */
    async cancel(
      trx: Tx,
      ctx: RequestContext,
      number: string,
      input: CancelInvoiceInput,
    ): Promise<z.infer<typeof cancelledInvoice>> {
      const { yearMonth, inv } = await lockIssued(trx, ctx, number, 'cancelled');
      const now = deps.now();
      const period = parseYearMonth(yearMonth);
      if (!period) throw new Error(`stored period ${yearMonth} is not a YearMonth`);
      const deadline = cancelDeadline(period, deps.config.CANCEL_GRACE_DAYS);
      if (now.getTime() >= deadline.getTime()) {
        throw new DomainError(
          'INVOICE_CANCEL_WINDOW_CLOSED',
          `Invoices of period ${yearMonth} could be cancelled until ${deadline.toISOString()}; issue an allowance instead.`,
          { deadline: deadline.toISOString() },
        );
      }
      await refuseActiveAllowances(trx, yearMonth, number, 'cancelled');
      if (!(await endVersion(trx, inv.id, inv.invoice_date_text, 'cancelled'))) {
        throw new Error(`invoice ${inv.id} changed state under the number lock`);
      }
      const reason = collapseWhitespace(input.reason);
      const returnTaxDocumentNumber = input.returnTaxDocumentNumber ?? null;
      const remark = input.remark ?? null;
      const [transitionId] = await insertTransitions(trx, [
        {
          year_month: yearMonth,
          invoice_number: number,
          kind: 'cancelled',
          invoice_date: inv.invoice_date_text,
          from_invoice_id: inv.id,
          to_invoice_id: null,
          reason,
          return_tax_document_number: returnTaxDocumentNumber,
          remark,
          occurred_at: now,
          actor: actorOf(ctx),
          request_id: ctx.requestId,
        },
      ]);
      await queueTurnkeyMessages(trx, [
        {
          type: 'F0501',
          yearMonth,
          sellerId: inv.seller_id,
          invoiceId: inv.id,
          invoiceDate: inv.invoice_date_text,
          invoiceNumber: number,
          transitionId: transitionId as string,
          at: now,
        },
      ]);
      await appendOutbox(
        trx,
        'InvoiceCancelled',
        {
          invoiceId: inv.id,
          invoiceDate: inv.invoice_date_text,
          invoiceNumber: number,
          yearMonth,
          sellerId: inv.seller_id,
          siteId: inv.site_id,
          buyerBan: inv.buyer_ban,
          reason,
          returnTaxDocumentNumber,
          cancelledAt: now.toISOString(),
        },
        { aggregateType: 'invoice', aggregateId: number, requestId: ctx.requestId },
      );
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'invoice', id: number },
        before: { status: 'issued' },
        after: { status: 'cancelled', reason, yearMonth, invoiceId: inv.id },
      };
      return {
        id: inv.id,
        invoiceNumber: number,
        yearMonth,
        status: 'cancelled',
        reason,
        returnTaxDocumentNumber,
        remark,
        cancelledAt: now.toISOString(),
      };
    },

    /** Void (註銷, F0701) and re-issue (F0401) the same number with a new buyer, carrier, donation or print mark. */
    async voidAndReissue(
      trx: Tx,
      ctx: RequestContext,
      number: string,
      input: VoidInvoiceInput,
    ): Promise<IssuedInvoice & { voidedInvoiceId: string }> {
      const { yearMonth, inv, items } = await lockIssued(trx, ctx, number, 'voided');
      await refuseActiveAllowances(trx, yearMonth, number, 'voided');
      const period = parseYearMonth(yearMonth);
      if (!period) throw new Error(`stored period ${yearMonth} is not a YearMonth`);
      const seller = await issuingSeller(trx, inv.seller_id, encKey);
      const r = input.reissue;
      const now = deps.now();
      const domainInput: InvoiceInput = {
        seller: { ban: seller.ban, name: seller.name, address: seller.address },
        buyer: r.buyer ?? null,
        invoiceType: inv.invoice_type as InvoiceInput['invoiceType'],
        taxType: inv.tax_type as TaxType,
        taxRate: inv.tax_rate as TaxRate,
        zeroTax:
          inv.customs_clearance_mark || inv.zero_tax_rate_reason
            ? {
                customsClearanceMark: inv.customs_clearance_mark as CustomsClearanceMark | null,
                zeroTaxRateReason: inv.zero_tax_rate_reason as ZeroTaxRateReason | null,
              }
            : null,
        items: items.map((i) => ({
          description: i.description,
          quantity: i.quantity,
          unit: i.unit,
          unitPrice: i.unit_price,
          taxType: i.tax_type as TaxType | null,
          amount: i.amount,
          remark: i.remark,
        })),
        printMark: r.printMark,
        carrier: r.carrier ?? null,
        donation: r.donation ?? null,
        invoiceTime: inv.invoice_time,
        mainRemark: r.mainRemark,
      };
      const v = validateInvoice(domainInput, { now, maxFutureSkewMs: MAX_FUTURE_SKEW_MS, period });
      if (!v.ok) {
        throw new DomainError(
          'VALIDATION_ERROR',
          'The re-issued invoice breaks MIG 4.1 rules.',
          v.errors.map((e) => ({
            field: REISSUE_FIELDS.test(e.field) ? `body.reissue.${e.field}` : `invoice.${e.field}`,
            code: e.code,
            message: e.message,
          })),
        );
      }
      const { totals } = v;
      const buyerBan = r.buyer?.ban ?? null;
      const row: InvoiceRow = {
        id: crypto.randomUUID(),
        invoice_date: inv.invoice_date_text,
        invoice_time: inv.invoice_time,
        seller_id: inv.seller_id,
        site_id: inv.site_id,
        device_id: inv.device_id,
        block_id: inv.block_id,
        year_month: yearMonth,
        invoice_number: number,
        random_number: inv.random_number,
        invoice_type: inv.invoice_type,
        buyer_ban: buyerBan,
        buyer_name: r.buyer?.name ?? null,
        buyer_address: r.buyer?.address ?? null,
        print_mark: r.printMark,
        carrier_type: r.carrier?.type ?? null,
        carrier_id1: r.carrier?.id1 ?? null,
        carrier_id2: r.carrier?.id2 ?? null,
        npoban: r.donation?.npoban ?? null,
        tax_type: totals.taxType,
        tax_rate: totals.taxRate,
        customs_clearance_mark: inv.customs_clearance_mark,
        zero_tax_rate_reason: inv.zero_tax_rate_reason,
        sales_amount: String(totals.salesAmount),
        free_tax_sales_amount: String(totals.freeTaxSalesAmount),
        zero_tax_sales_amount: String(totals.zeroTaxSalesAmount),
        tax_amount: String(totals.taxAmount),
        total_amount: String(totals.totalAmount),
        main_remark: r.mainRemark ?? null,
        issued_by: actorOf(ctx),
        request_id: ctx.requestId,
      };
      const itemRows: ItemRow[] = items.map((i, idx) => ({
        seq: i.seq,
        description: i.description,
        quantity: i.quantity,
        unit: i.unit,
        unit_price: i.unit_price,
        amount: String(v.itemAmounts[idx]),
        tax_type: i.tax_type,
        remark: i.remark,
      }));
      if (!(await endVersion(trx, inv.id, inv.invoice_date_text, 'voided'))) {
        throw new Error(`invoice ${inv.id} changed state under the number lock`);
      }
      await insertReissuedVersion(trx, row, itemRows, inv.id);
      const reason = collapseWhitespace(input.reason);
      const common = {
        year_month: yearMonth,
        invoice_number: number,
        invoice_date: inv.invoice_date_text,
        from_invoice_id: inv.id,
        return_tax_document_number: null,
        remark: null,
        occurred_at: now,
        actor: actorOf(ctx),
        request_id: ctx.requestId,
      };
      const [voidedId] = await insertTransitions(trx, [
        { ...common, kind: 'voided', to_invoice_id: null, reason },
        { ...common, kind: 'reissued', to_invoice_id: row.id, reason: null },
      ]);
      // F0701 for the version voided, then F0401 for the one issued in its place (the order Turnkey needs).
      await queueTurnkeyMessages(trx, [
        {
          type: 'F0701',
          yearMonth,
          sellerId: inv.seller_id,
          invoiceId: inv.id,
          invoiceDate: inv.invoice_date_text,
          invoiceNumber: number,
          transitionId: voidedId as string,
          at: now,
        },
        {
          type: 'F0401',
          yearMonth,
          sellerId: inv.seller_id,
          invoiceId: row.id,
          invoiceDate: inv.invoice_date_text,
          invoiceNumber: number,
        },
      ]);
      await appendOutbox(
        trx,
        'InvoiceVoided',
        {
          voidedInvoiceId: inv.id,
          reissuedInvoiceId: row.id,
          invoiceDate: inv.invoice_date_text,
          invoiceNumber: number,
          yearMonth,
          sellerId: inv.seller_id,
          siteId: inv.site_id,
          voidedBuyerBan: inv.buyer_ban,
          buyerBan,
          totalAmount: Number(totals.totalAmount),
          reason,
          voidedAt: now.toISOString(),
        },
        { aggregateType: 'invoice', aggregateId: number, requestId: ctx.requestId },
      );
      const proof = invoiceProof({
        invoiceNumber: number,
        invoiceTime: inv.invoice_time,
        randomNumber: inv.random_number,
        buyerBan,
        sellerBan: seller.ban,
        aesKey: seller.aesKey,
        totals,
        items: items.map((i) => ({ description: i.description, quantity: i.quantity, unitPrice: i.unit_price })),
      });
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'invoice', id: number },
        before: { invoiceId: inv.id, buyerBan: inv.buyer_ban, printMark: inv.print_mark, totalAmount: Number(inv.total_amount) },
        after: { invoiceId: row.id, buyerBan, printMark: r.printMark, totalAmount: Number(totals.totalAmount), reason },
      };
      return {
        id: row.id,
        voidedInvoiceId: inv.id,
        invoiceNumber: number,
        randomNumber: inv.random_number,
        yearMonth,
        invoiceDate: inv.invoice_date_text,
        invoiceTime: inv.invoice_time.toISOString(),
        sellerBan: seller.ban,
        buyerBan,
        salesAmount: Number(totals.salesAmount),
        freeTaxSalesAmount: Number(totals.freeTaxSalesAmount),
        zeroTaxSalesAmount: Number(totals.zeroTaxSalesAmount),
        taxAmount: Number(totals.taxAmount),
        totalAmount: Number(totals.totalAmount),
        ...proof,
      };
    },
  };
}
