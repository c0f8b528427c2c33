/**
 * The MIG XML of each queued message, built from what the database holds with the domain's builders
 * (packages/domain/src/einvoice/mig): by the worker's hand-off (apps/worker/src/turnkey/handoff.ts) and by
 * GET /api/v1/invoices/{number}/xml, so what staff see is what Turnkey gets. One query per message type and batch. A message whose data
 * cannot make a valid document (a builder refuses a value) is answered with the builder's reason; the
 * hand-off marks it `invalid` so staff see why.
 */
import type { Database } from '@app/db';
import {
  buildE0402,
  buildF0401,
  buildF0501,
  buildF0701,
  buildG0401,
  buildG0501,
  buildG0701,
  type CustomsClearanceMark,
  groupBlankRuns,
  type InvoiceType,
  type PrintMark,
  type TaxRate,
  type TaxType,
  turnkeyIdentifier,
  type ZeroTaxRateReason,
} from '@app/domain';
import { sql } from 'kysely';

/** What the renderer reads of a queued message (turnkey_messages; the hand-off's due rows carry more). */
export type RenderableMessage = {
  id: string;
  message_type: string;
  seller_id: string;
  invoice_id: string | null;
  invoice_date: string | null;
  transition_id: string | null;
  allowance_id: string | null;
  year_month: string | null;
  identifier: string;
};

/** The XML of a message, or why it cannot be built (a data problem: the hand-off marks the row `invalid`). */
export type Rendered = { xml: string } | { error: string };
type DueMessage = RenderableMessage;

type Out = Map<string, Rendered>;

const attempt = (out: Out, id: string, build: () => string) => {
  try {
    out.set(id, { xml: build() });
  } catch (e) {
    out.set(id, { error: (e as Error).message });
  }
};

export function createRenderer(db: Database) {
  async function f0401(ms: DueMessage[], out: Out) {
    if (ms.length === 0) return;
    // By (id, date): the monthly partitions are pruned, each invoice found by its partition's primary key.
    const ids = ms.map((m) => m.invoice_id as string);
    const keys = sql`(SELECT * FROM unnest(${ids}::uuid[], ${ms.map((m) => m.invoice_date as string)}::date[]))`;
    const invoices = await db
      .selectFrom('invoices as i')
      .innerJoin('sellers as s', 's.id', 'i.seller_id')
      .selectAll('i')
      .select(['s.ban as seller_ban', 's.name as seller_name', 's.address as seller_address'])
      .where(sql<boolean>`(i.id, i.invoice_date) IN ${keys}`)
      .execute();
    const items = await db
      .selectFrom('invoice_items')
      .select([
        'invoice_id',
        'seq',
        'description',
        sql<string>`quantity::text`.as('quantity'),
        'unit',
        sql<string>`unit_price::text`.as('unit_price'),
        'amount',
        'tax_type',
        'remark',
      ])
      .where(sql<boolean>`(invoice_id, invoice_date) IN ${keys}`)
      .orderBy('invoice_id')
      .orderBy('seq')
      .execute();
    const itemsOf = new Map<string, typeof items>();
    for (const it of items) itemsOf.set(it.invoice_id, [...(itemsOf.get(it.invoice_id) ?? []), it]);
    const byId = new Map(invoices.map((i) => [i.id, i]));
    for (const m of ms) {
      const inv = byId.get(m.invoice_id as string);
      if (!inv) {
        out.set(m.id, { error: `invoice ${m.invoice_id} not found` });
        continue;
      }
      attempt(out, m.id, () =>
        buildF0401({
          invoiceNumber: inv.invoice_number,
          invoiceTime: inv.invoice_time,
          seller: { ban: inv.seller_ban, name: inv.seller_name, address: inv.seller_address },
          buyer:
            inv.buyer_ban || inv.buyer_name || inv.buyer_address
              ? {
                  ...(inv.buyer_ban ? { ban: inv.buyer_ban } : {}),
                  name: inv.buyer_name,
                  address: inv.buyer_address,
                }
              : null,
          mainRemark: inv.main_remark,
          invoiceType: inv.invoice_type as InvoiceType,
          printMark: inv.print_mark as PrintMark,
          carrier: inv.carrier_type ? { type: inv.carrier_type, id1: inv.carrier_id1 ?? '', id2: inv.carrier_id2 ?? '' } : null,
          donation: inv.npoban ? { npoban: inv.npoban } : null,
          randomNumber: inv.random_number,
          zeroTax:
            inv.customs_clearance_mark || inv.zero_tax_rate_reason
              ? {
                  customsClearanceMark: inv.customs_clearance_mark as CustomsClearanceMark | null,
                  zeroTaxRateReason: inv.zero_tax_rate_reason as ZeroTaxRateReason | null,
                }
              : null,
          items: (itemsOf.get(inv.id) ?? []).map((it) => ({
            description: it.description,
            quantity: it.quantity,
            unit: it.unit,
            unitPrice: it.unit_price,
            amount: it.amount,
            taxType: (it.tax_type as TaxType | null) ?? null,
            sequenceNumber: it.seq,
            remark: it.remark,
          })),
          amount: {
            salesAmount: inv.sales_amount,
            freeTaxSalesAmount: inv.free_tax_sales_amount,
            zeroTaxSalesAmount: inv.zero_tax_sales_amount,
            taxType: inv.tax_type as TaxType,
            taxRate: inv.tax_rate as TaxRate,
            taxAmount: inv.tax_amount,
            totalAmount: inv.total_amount,
          },
        }),
      );
    }
  }

  async function withdrawals(ms: DueMessage[], out: Out) {
    if (ms.length === 0) return;
    const rows = await db
      .selectFrom('invoice_transitions as t')
      .innerJoin('invoices as i', (j) => j.onRef('i.id', '=', 't.from_invoice_id').onRef('i.invoice_date', '=', 't.invoice_date'))
      .innerJoin('sellers as s', 's.id', 'i.seller_id')
      .select([
        't.id',
        't.reason',
        't.remark',
        't.return_tax_document_number',
        't.occurred_at',
        'i.invoice_number',
        sql<string>`i.invoice_date::text`.as('invoice_date'),
        'i.buyer_ban',
        's.ban as seller_ban',
      ])
      .where(
        't.id',
        'in',
        ms.map((m) => m.transition_id as string),
      )
      .execute();
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    for (const m of ms) {
      const t = byId.get(String(m.transition_id));
      if (!t) {
        out.set(m.id, { error: `transition ${m.transition_id} not found` });
        continue;
      }
      const common = {
        sellerBan: t.seller_ban,
        buyerBan: t.buyer_ban,
        reason: t.reason ?? '',
        remark: t.remark,
        invoiceNumber: t.invoice_number,
        invoiceDate: t.invoice_date,
      };
      attempt(out, m.id, () =>
        m.message_type === 'F0501'
          ? buildF0501({ ...common, cancelTime: t.occurred_at, returnTaxDocumentNumber: t.return_tax_document_number })
          : buildF0701({ ...common, voidTime: t.occurred_at }),
      );
    }
  }

  async function allowances(ms: DueMessage[], out: Out) {
    if (ms.length === 0) return;
    const ids = [...new Set(ms.map((m) => m.allowance_id as string))];
    const rows = await db
      .selectFrom('allowances as a')
      .innerJoin('sellers as s', 's.id', 'a.seller_id')
      .selectAll('a')
      .select([
        sql<string>`a.allowance_date::text`.as('allowance_date_text'),
        sql<string>`a.invoice_date::text`.as('invoice_date_text'),
        's.ban as seller_ban',
        's.name as seller_name',
        's.address as seller_address',
      ])
      .where('a.id', 'in', ids)
      .execute();
    const lines = await db
      .selectFrom('allowance_items as x')
      .innerJoin('allowances as a', 'a.id', 'x.allowance_id')
      .select([
        'x.allowance_id',
        'x.seq',
        'x.original_seq',
        'x.description',
        sql<string>`x.quantity::text`.as('quantity'),
        'x.unit',
        sql<string>`x.unit_price::text`.as('unit_price'),
        'x.tax_type',
        'x.untaxed_amount',
        'x.tax',
      ])
      .where('x.allowance_id', 'in', ids)
      .orderBy('x.allowance_id')
      .orderBy('x.seq')
      .execute();
    const linesOf = new Map<string, typeof lines>();
    for (const l of lines) linesOf.set(l.allowance_id, [...(linesOf.get(l.allowance_id) ?? []), l]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const m of ms) {
      const a = byId.get(m.allowance_id as string);
      if (!a) {
        out.set(m.id, { error: `allowance ${m.allowance_id} not found` });
        continue;
      }
      if (m.message_type === 'G0401') {
        attempt(out, m.id, () =>
          buildG0401({
            allowanceNumber: a.allowance_number,
            allowanceDate: a.allowance_date_text,
            seller: { ban: a.seller_ban, name: a.seller_name, address: a.seller_address },
            buyer: a.buyer_ban ? { ban: a.buyer_ban } : null,
            items: (linesOf.get(a.id) ?? []).map((l) => ({
              originalInvoiceDate: a.invoice_date_text,
              originalInvoiceNumber: a.invoice_number,
              originalSequenceNumber: l.original_seq,
              originalDescription: l.description,
              quantity: l.quantity,
              unit: l.unit,
              unitPrice: l.unit_price,
              amount: l.untaxed_amount,
              tax: l.tax,
              sequenceNumber: l.seq,
              taxType: l.tax_type as TaxType,
            })),
            taxAmount: a.tax_amount,
            totalAmount: a.total_amount,
          }),
        );
        continue;
      }
      const common = {
        sellerBan: a.seller_ban,
        buyerBan: a.buyer_ban,
        reason: a.status_reason ?? '',
        allowanceNumber: a.allowance_number,
        allowanceDate: a.allowance_date_text,
      };
      const at = a.status_changed_at ?? new Date();
      attempt(out, m.id, () =>
        m.message_type === 'G0501' ? buildG0501({ ...common, cancelTime: at }) : buildG0701({ ...common, voidTime: at }),
      );
    }
  }

  /** E0402: the blank runs of the group its identifier names (turnkeyIdentifier, as period.close queued it). */
  async function blanks(ms: DueMessage[], out: Out) {
    for (const m of ms) {
      const runs = await db
        .selectFrom('period_blanks')
        .select(['head_ban', 'branch_ban', 'invoice_type', 'year_month', 'track', 'begin_no', 'end_no'])
        .where('seller_id', '=', m.seller_id)
        .where('year_month', '=', m.year_month as string)
        .execute();
      const groups = groupBlankRuns(
        runs.map((r) => ({
          headBan: r.head_ban,
          branchBan: r.branch_ban,
          invoiceType: r.invoice_type as InvoiceType,
          yearMonth: r.year_month,
          track: r.track,
          beginNo: r.begin_no,
          endNo: r.end_no,
        })),
      ).filter((g) => turnkeyIdentifier({ type: 'E0402', ...g }) === m.identifier);
      const group = groups[0];
      if (!group) out.set(m.id, { error: `no blank numbers stored for ${m.identifier}` });
      else attempt(out, m.id, () => buildE0402(group));
    }
  }

  return async (ms: DueMessage[]): Promise<Out> => {
    const out: Out = new Map();
    const of = (...types: string[]) => ms.filter((m) => types.includes(m.message_type));
    await f0401(of('F0401'), out);
    await withdrawals(of('F0501', 'F0701'), out);
    await allowances(of('G0401', 'G0501', 'G0701'), out);
    await blanks(of('E0402'), out);
    for (const m of of('E0401')) out.set(m.id, { error: 'E0401 messages are not queued by this system yet' });
    return out;
  };
}
