/**
 * Allowances (折讓, G0401) against an issued invoice, and their cancel (G0501) and void (G0701). An allowance
 * refunds part of some items: per item, the active allowances never exceed the item's amount, and over the
 * invoice never its total (E0221/E0222). Cross-period allowances are normal (當期作廢、跨期折讓). Each write runs
 * in the caller's transaction (reply.transact) under the lock of the invoice's number, with its outbox event.
 */

import type { DbOrTx } from '@app/db';
import {
  ALLOWANCE_NUMBER_RE,
  allowanceNumber,
  allowanceOverrun,
  allowanceUnitPrice,
  collapseWhitespace,
  DomainError,
  formatScaledDecimal,
  parseDecimal,
  splitAllowanceLine,
  type TaxRate,
  type TaxType,
  taipeiIsoDate,
} from '@app/domain';
import { appendOutbox } from '@app/jobs';
import type { AllowanceDetail, EndAllowanceInput, IssueAllowanceInput } from '@app/schemas/allowance';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import { findNumberInScope, loadVersion, lockInvoiceNumber } from '../invoice/lifecycle.repository.ts';
import { queueTurnkeyMessages } from '../turnkey/turnkey-message.repository.ts';
import {
  type AllowanceItemRow,
  activeAllowedPerItem,
  endAllowance,
  type FoundAllowance,
  findAllowance,
  insertAllowance,
  nextAllowanceCounter,
} from './allowance.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'now'>;

const invoiceScope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { seller: 'i.seller_id', site: 'i.site_id' });
const allowanceScope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { seller: 'a.seller_id', site: 'a.site_id' });
const actorOf = (ctx: RequestContext) => (ctx.principal ? `${ctx.principal.kind}:${ctx.principal.id}` : null);
const status = (s: string) => (s === 'cancelled' || s === 'voided' ? s : 'issued');

/** The API's view of a stored allowance (GET /api/v1/allowances/{n} and the invoice detail's `allowances`). */
export function allowanceView(a: FoundAllowance): AllowanceDetail {
  const tax = Number(a.tax_amount);
  const total = Number(a.total_amount);
  const plain = (t: string) => {
    const p = parseDecimal(t);
    return p.ok ? formatScaledDecimal(p.scaled) : t;
  };
  return {
    id: a.id,
    allowanceNumber: a.allowance_number,
    allowanceType: a.allowance_type,
    allowanceDate: a.allowance_date,
    status: status(a.status),
    invoiceNumber: a.invoice_number,
    yearMonth: a.year_month,
    invoiceId: a.invoice_id,
    invoiceDate: a.invoice_date,
    sellerId: a.seller_id,
    siteId: a.site_id,
    buyerBan: a.buyer_ban,
    totalAmount: total,
    taxAmount: tax,
    grossAmount: total + tax,
    remark: a.remark,
    reason: a.status_reason,
    endedAt: a.status_changed_at?.toISOString() ?? null,
    createdAt: a.created_at.toISOString(),
    items: a.items.map((i) => ({
      seq: i.seq,
      originalSeq: i.original_seq,
      description: i.description,
      quantity: plain(i.quantity),
      unit: i.unit,
      unitPrice: plain(i.unit_price),
      taxType: i.tax_type,
      amount: Number(i.amount),
      untaxedAmount: Number(i.untaxed_amount),
      tax: Number(i.tax),
    })),
  };
}

const bad = (message: string, field: string, detail: string) =>
  new DomainError('VALIDATION_ERROR', message, [{ field, message: detail }]);

export type AllowanceService = ReturnType<typeof createAllowanceService>;

export function createAllowanceService(deps: Deps) {
  const { db } = deps;

  async function mustFind(trx: DbOrTx, ctx: RequestContext, number: string) {
    const a = await findAllowance(trx, number, allowanceScope(ctx));
    if (!a) throw new DomainError('NOT_FOUND', `No allowance ${number} in your scope.`);
    return a;
  }

  /** Cancel (G0501) or void (G0701) an issued allowance: its amounts stop counting against the invoice. */
  async function end(trx: Tx, ctx: RequestContext, number: string, kind: 'cancel' | 'void', input: EndAllowanceInput) {
    ctx.audit = { ...ctx.audit, target: { type: 'allowance', id: number } };
    const a = await mustFind(trx, ctx, number);
    await lockInvoiceNumber(trx, a.year_month, a.invoice_number);
    const reason = collapseWhitespace(input.reason);
    const at = deps.now();
    const newStatus = kind === 'cancel' ? 'cancelled' : 'voided';
    const ended = await endAllowance(trx, a.id, {
      status: newStatus,
      reason,
      at,
      by: actorOf(ctx),
      requestId: ctx.requestId,
    });
    if (!ended) {
      const current = status((await mustFind(trx, ctx, number)).status);
      throw new DomainError('ALLOWANCE_NOT_ACTIVE', `Allowance ${number} is already ${current}.`, { status: current });
    }
    const payload = {
      allowanceId: a.id,
      allowanceNumber: a.allowance_number,
      allowanceDate: a.allowance_date,
      invoiceNumber: a.invoice_number,
      yearMonth: a.year_month,
      sellerId: a.seller_id,
      siteId: a.site_id,
      buyerBan: a.buyer_ban,
      reason,
      at: at.toISOString(),
    };
    const meta = { aggregateType: 'allowance', aggregateId: a.allowance_number, requestId: ctx.requestId };
    await queueTurnkeyMessages(trx, [
      {
        type: kind === 'cancel' ? 'G0501' : 'G0701',
        yearMonth: a.year_month,
        invoiceNumber: a.invoice_number,
        sellerId: a.seller_id,
        allowanceId: a.id,
        allowanceNumber: a.allowance_number,
        at,
      },
    ]);
    if (kind === 'cancel') await appendOutbox(trx, 'AllowanceCancelled', payload, meta);
    else await appendOutbox(trx, 'AllowanceVoided', payload, meta);
    ctx.audit = {
      ...ctx.audit,
      target: { type: 'allowance', id: a.allowance_number },
      before: { status: 'issued' },
      after: { status: newStatus, reason, invoiceNumber: a.invoice_number },
    };
    return allowanceView(await mustFind(trx, ctx, number));
  }

  return {
    async get(ctx: RequestContext, number: string): Promise<AllowanceDetail> {
      if (!ALLOWANCE_NUMBER_RE.test(number)) throw new DomainError('NOT_FOUND', `No allowance ${number} in your scope.`);
      return allowanceView(await mustFind(db, ctx, number));
    },

    /** Issue an allowance (G0401) against the current version of invoice `number`. */
    async issue(trx: Tx, ctx: RequestContext, number: string, input: IssueAllowanceInput): Promise<AllowanceDetail> {
      // Until the allowance has a number, a refusal's audit entry names the invoice.
      ctx.audit = { ...ctx.audit, target: { type: 'invoice', id: number } };
      const yearMonth = await findNumberInScope(trx, number, invoiceScope(ctx));
      if (!yearMonth) throw new DomainError('NOT_FOUND', `No invoice ${number} in your scope.`);
      const current = await lockInvoiceNumber(trx, yearMonth, number);
      const { inv, items } = await loadVersion(trx, current.invoiceId, current.invoiceDate);
      if (inv.status !== 'issued') {
        throw new DomainError('INVOICE_NOT_ISSUED', `Invoice ${number} is ${inv.status}; allowances need an issued invoice.`, {
          status: inv.status,
        });
      }

      // The lines: known items, once each, a quantity no larger than the item's, a positive amount.
      const bySeq = new Map(items.map((i) => [i.seq, i]));
      const seen = new Set<number>();
      const lines = input.items.map((line, idx) => {
        const f = `body.items.${idx}`;
        const item = bySeq.get(line.seq);
        if (!item)
          throw bad(
            'The allowance names an item the invoice does not have.',
            `${f}.seq`,
            `invoice ${number} has no item ${line.seq}`,
          );
        if (seen.has(line.seq))
          throw bad('Each item may appear once per allowance.', `${f}.seq`, `item ${line.seq} appears twice`);
        seen.add(line.seq);
        const q = parseDecimal(String(line.quantity));
        const orig = parseDecimal(item.quantity);
        if (!q.ok || q.scaled <= 0n)
          throw bad('Invalid quantity.', `${f}.quantity`, 'a decimal > 0 with at most 7 fraction digits');
        if (orig.ok && q.scaled > orig.scaled) {
          throw bad('The quantity exceeds the item’s.', `${f}.quantity`, `at most ${formatScaledDecimal(orig.scaled)}`);
        }
        const taxType = (item.tax_type ?? inv.tax_type) as TaxType;
        return {
          idx,
          item,
          quantity: q.scaled,
          amount: BigInt(line.amount),
          taxType,
          description: line.description ?? item.description,
        };
      });

      // The date: default today (Asia/Taipei), never before the invoice, never in the future.
      const today = taipeiIsoDate(deps.now());
      const allowanceDate = input.allowanceDate ?? today;
      if (
        Number.isNaN(Date.parse(`${allowanceDate}T00:00:00Z`)) ||
        new Date(`${allowanceDate}T00:00:00Z`).toISOString().slice(0, 10) !== allowanceDate
      ) {
        throw bad('Invalid allowance date.', 'body.allowanceDate', 'not a calendar date');
      }
      if (allowanceDate < inv.invoice_date_text) {
        throw bad(
          'The allowance predates the invoice.',
          'body.allowanceDate',
          `not before the invoice date ${inv.invoice_date_text}`,
        );
      }
      if (allowanceDate > today)
        throw bad('The allowance date is in the future.', 'body.allowanceDate', `not after today (${today})`);

      // What is left, read under the number's lock.
      const allowed = await activeAllowedPerItem(trx, yearMonth, number);
      const over = allowanceOverrun({
        items: items.map((i) => ({ seq: i.seq, amount: BigInt(i.amount) })),
        totalAmount: BigInt(inv.total_amount),
        allowed,
        lines: lines.map((l) => ({ seq: l.item.seq, amount: l.amount })),
      });
      if (over) {
        throw new DomainError(
          'ALLOWANCE_EXCEEDS_REMAINING',
          over.seq === null
            ? `The allowance (${over.requested}) exceeds what is left of invoice ${number} (${over.remaining}).`
            : `The allowance for item ${over.seq} (${over.requested}) exceeds what is left of it (${over.remaining}).`,
          {
            field: over.line === null ? 'body.items' : `body.items.${over.line}.amount`,
            seq: over.seq,
            remaining: Number(over.remaining),
            requested: Number(over.requested),
          },
        );
      }

      const seller = await trx.selectFrom('sellers').select('ban').where('id', '=', inv.seller_id).executeTakeFirstOrThrow();
      const allowanceNo = allowanceNumber(seller.ban, await nextAllowanceCounter(trx, inv.seller_id));
      let taxAmount = 0n;
      let totalAmount = 0n;
      const rows: AllowanceItemRow[] = lines.map((l, i) => {
        const split = splitAllowanceLine(l.amount, l.taxType, inv.tax_rate as TaxRate);
        taxAmount += split.tax;
        totalAmount += split.untaxed;
        return {
          seq: i + 1,
          original_seq: l.item.seq,
          description: l.description,
          quantity: formatScaledDecimal(l.quantity),
          unit: l.item.unit,
          unit_price: formatScaledDecimal(allowanceUnitPrice(split.untaxed, l.quantity)),
          tax_type: l.taxType,
          amount: String(l.amount),
          untaxed_amount: String(split.untaxed),
          tax: String(split.tax),
        };
      });
      const id = crypto.randomUUID();
      await insertAllowance(
        trx,
        {
          id,
          allowance_number: allowanceNo,
          allowance_date: allowanceDate,
          seller_id: inv.seller_id,
          site_id: inv.site_id,
          year_month: yearMonth,
          invoice_number: number,
          invoice_id: inv.id,
          invoice_date: inv.invoice_date_text,
          buyer_ban: inv.buyer_ban,
          tax_amount: String(taxAmount),
          total_amount: String(totalAmount),
          remark: input.remark ?? null,
          issued_by: actorOf(ctx),
          request_id: ctx.requestId,
        },
        rows,
      );
      await queueTurnkeyMessages(trx, [
        {
          type: 'G0401',
          yearMonth,
          invoiceNumber: number,
          sellerId: inv.seller_id,
          allowanceId: id,
          allowanceNumber: allowanceNo,
          allowanceDate,
        },
      ]);
      await appendOutbox(
        trx,
        'AllowanceIssued',
        {
          allowanceId: id,
          allowanceNumber: allowanceNo,
          allowanceDate,
          invoiceId: inv.id,
          invoiceNumber: number,
          invoiceDate: inv.invoice_date_text,
          yearMonth,
          sellerId: inv.seller_id,
          siteId: inv.site_id,
          buyerBan: inv.buyer_ban,
          totalAmount: Number(totalAmount),
          taxAmount: Number(taxAmount),
        },
        { aggregateType: 'allowance', aggregateId: allowanceNo, requestId: ctx.requestId },
      );
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'allowance', id: allowanceNo },
        after: {
          allowanceNumber: allowanceNo,
          invoiceNumber: number,
          allowanceDate,
          totalAmount: Number(totalAmount),
          taxAmount: Number(taxAmount),
          items: rows.map((r) => ({ originalSeq: r.original_seq, amount: Number(r.amount) })),
        },
      };
      return allowanceView(await mustFind(trx, ctx, allowanceNo));
    },

    cancel: (trx: Tx, ctx: RequestContext, number: string, input: EndAllowanceInput) => end(trx, ctx, number, 'cancel', input),
    void: (trx: Tx, ctx: RequestContext, number: string, input: EndAllowanceInput) => end(trx, ctx, number, 'void', input),
  };
}
