/**
 * Issuing an invoice (F0401). Everything that can refuse it is checked before a number is taken, so a
 * refused invoice consumes nothing; then ONE statement takes the next number of the caller's block
 * (an atomic UPDATE of the block row) and writes the number registry, invoice, items, outbox event,
 * audit entry and idempotency key — one round trip, one commit. Where the caller issues from (site,
 * seller, QR key, candidate blocks) is cached for a few seconds and dropped on every write to it.
 * The answer carries the printed proof's barcode and QR payloads.
 */
import { createHash, randomInt } from 'node:crypto';
import {
  DomainError,
  formatNo,
  type InvoiceInput,
  nextPeriod,
  type Period,
  periodOf,
  precomputeVerification,
  type Totals,
  validateInvoice,
} from '@app/domain';
import { appendOutbox, outboxRow } from '@app/jobs';
import {
  type BatchResult,
  type InvoiceProofView,
  type InvoiceXmlView,
  type IssuedInvoice,
  type IssueInput,
  type invoiceDetail,
  type invoiceSummary,
  issueBody,
  type ListInvoicesQuery,
  type listReservationsQuery,
  type reservationDetail,
  type reservationView,
  type reserveBody,
} from '@app/schemas/invoice';
import { decryptSecret } from '@app/security';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { type InlineKey, KEY_TAKEN, type RequestContext, type Tx } from '../../context.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import { TtlCache } from '../../lib/ttl-cache.ts';
import { canonicalJson } from '../../plugins/idempotency.ts';
import { auditRow } from '../audit/audit.repository.ts';
import { findDevice } from '../device/device.repository.ts';
import { findSite } from '../seller/seller.repository.ts';
import { createRenderer } from '../turnkey/render.ts';
import { turnkeyMessageViewOf } from '../turnkey/turnkey.service.ts';
import { messagesOfNumber, renderableMessagesOfNumber } from '../turnkey/turnkey-message.repository.ts';
import {
  candidateBlocks,
  findInvoiceByNumber,
  findReservations,
  type InvoiceTemplate,
  type Issued,
  type IssueStatement,
  insertReservation,
  issuedInReservation,
  issueInOneStatement,
  lockReservation,
  markTrackLow,
  reservationTimes,
  searchInvoices,
  siteRemaining,
  storedRef,
  takeRun,
  whyNoNumber,
} from './invoice.repository.ts';
import { loadInvoiceLifecycle } from './lifecycle.service.ts';
import { invoiceProof, issuingSeller, type ProofInput, storedInvoiceProof } from './proof.ts';

type Deps = Pick<ModuleDeps, 'db' | 'pool' | 'tenant' | 'config' | 'now' | 'log'> & Partial<Pick<ModuleDeps, 'onClearCaches'>>;

type Target = { siteId: string; deviceId: string | null; seller: SellerRow; aesKey: string };
type SellerRow = { id: string; ban: string; name: string; address: string };

/** What `prepare` found out, for `commit`. */
type Prepared = {
  target: Target;
  input: IssueInput;
  givenTime: Date | null;
  period: Period;
  totals: Totals;
  itemAmounts: bigint[];
  blocks: { id: string; track: string }[];
};

/** How far a POS clock may run ahead of the server's. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** How long where-a-caller-issues-from is cached (writes to sellers, sites, devices, blocks drop it at once). */
const ISSUER_CACHE_MS = 5_000;

export type InvoiceService = {
  prepare(ctx: RequestContext, input: IssueInput): Promise<Prepared>;
  /** Issue a prepared invoice; KEY_TAKEN when the Idempotency-Key exists already (nothing written). */
  issue(ctx: RequestContext, prep: Prepared, key: InlineKey): Promise<IssuedInvoice | typeof KEY_TAKEN>;
  /** The 201 answer of an issued invoice again, rebuilt from what is stored (idempotent replay). */
  issuedAgain(ref: { id: string; date: string }): Promise<IssuedInvoice>;
  /**
   * Issue up to BATCH_MAX invoices, each on its own: entry i stores its own idempotency key (derived
   * from the batch's key and i) in its issuing statement, so a batch retried after a crash half-way
   * answers the entries already issued from what is stored and issues only the rest.
   */
  issueBatch(ctx: RequestContext, entries: unknown[], batch: { caller: string; key: string; path: string }): Promise<BatchResult>;
  /**
   * Issue one invoice under a key of its own (a batch entry, an import file's invoice: see entryKey). When
   * something is stored under the key already — an earlier attempt issued it — answers that invoice again
   * (`earlier: true`), even if the invoice would be refused now. Throws the refusal (DomainError) otherwise.
   */
  issueKeyed(ctx: RequestContext, input: IssueInput, key: EntryKey): Promise<{ invoice: IssuedInvoice; earlier: boolean }>;
  /** Reserve `count` numbers of one block for a device to issue offline, with random numbers and verification strings. */
  reserve(trx: Tx, ctx: RequestContext, body: ReserveBody): Promise<ReservationDetail>;
  listReservations(ctx: RequestContext, q: ListReservationsQuery): Promise<{ items: ReservationView[] }>;
  getReservation(ctx: RequestContext, id: string): Promise<ReservationDetail>;
  list(ctx: RequestContext, q: ListInvoicesQuery): Promise<{ items: InvoiceSummary[]; nextCursor: string | null }>;
  get(ctx: RequestContext, number: string): Promise<InvoiceDetail>;
  /** The printed proof of the number's current version (a reprint, the web app's proof page). */
  proof(ctx: RequestContext, number: string): Promise<InvoiceProofView>;
  /** The MIG XML of each of the number's Turnkey messages, built as the hand-off builds it. */
  xml(ctx: RequestContext, number: string): Promise<InvoiceXmlView>;
};

type InvoiceSummary = z.infer<typeof invoiceSummary>;
type ReserveBody = z.infer<typeof reserveBody>;
type ReservationView = z.infer<typeof reservationView>;
type ReservationDetail = z.infer<typeof reservationDetail>;
type ListReservationsQuery = z.infer<typeof listReservationsQuery>;
type InvoiceDetail = z.infer<typeof invoiceDetail>;

const reservationScope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { site: 'r.site_id' });

function reservationOf(
  r: {
    id: string;
    device_id: string;
    site_id: string;
    year_month: string;
    invoice_type: string;
    track: string;
    begin_no: number;
    end_no: number;
    created_at: Date;
  },
  issued: number,
) {
  return {
    id: r.id,
    deviceId: r.device_id,
    siteId: r.site_id,
    yearMonth: r.year_month,
    invoiceType: r.invoice_type,
    track: r.track,
    beginNo: formatNo(r.begin_no),
    endNo: formatNo(r.end_no),
    count: r.end_no - r.begin_no + 1,
    issued,
    createdAt: r.created_at.toISOString(),
  };
}

const invoiceScope = (ctx: RequestContext) => scopeWhere(callerScope(ctx), { seller: 'i.seller_id', site: 'i.site_id' });
const status = (s: string) => (s === 'cancelled' || s === 'voided' ? s : 'issued');

/** A field an entry is refused for: its name, why, and the MIG rule's code when there is one. */
export type FieldError = { field: string; message: string; code?: string };

/**
 * The fields a refusal names, as the API names them (`body.…`; `body` itself when it names none), each
 * with its message and rule code.
 */
export function refusalDetails(err: DomainError): FieldError[] {
  const d = err.details as { field?: unknown; message?: unknown; code?: unknown }[] | { field?: unknown } | undefined;
  const list = Array.isArray(d) ? d : d && typeof d === 'object' && 'field' in d ? [{ ...d, message: err.message }] : [];
  return list.map((x) => ({
    field: typeof x.field === 'string' ? x.field : 'body',
    message: typeof x.message === 'string' ? x.message : err.message,
    ...(typeof x.code === 'string' ? { code: x.code } : {}),
  }));
}

/** An entry that does not fit the issue schema, each bad field named under `at` (an unknown key by its own name). */
export function schemaErrors(issues: z.ZodError['issues'], at: string): FieldError[] {
  return issues.flatMap((i) => {
    const path = [at, ...i.path.map(String)].join('.');
    return i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: `${path}.${k}`, message: 'unknown field' }))
      : [{ field: path, message: i.message }];
  });
}

/** A refusal as a batch entry's error, its fields named inside the batch (`body.invoices[i].…`). */
function entryErrorOf(err: DomainError, at: string) {
  const details = refusalDetails(err).map((x) => ({ ...x, field: x.field.replace(/^body/, at) }));
  return { code: err.code, message: err.message, ...(details.length ? { details } : {}) };
}

export type EntryKey = Extract<InlineKey, { kind: 'insert' }>;

/** The name of entry `n`'s key in a set (see entryKey). */
export const entryKeyName = (set: string, n: number): string => `${set}#${n}`;

/**
 * The idempotency key entry `n` of a set is issued under (a batch: its Idempotency-Key; an import file: its
 * SHA-256): `<set>#<n>` of `caller`, with the entry's own hash. Stored by the issuing statement itself, so
 * an entry issued once answers from it ever after, however often the set is retried.
 */
export function entryKey(e: {
  caller: string;
  set: string;
  n: number;
  path: string;
  input: IssueInput;
  ttlHours: number;
}): EntryKey {
  return {
    kind: 'insert',
    caller: e.caller,
    key: entryKeyName(e.set, e.n),
    method: 'POST',
    path: `${e.path}#${e.n}`,
    hash: createHash('sha256').update(canonicalJson(e.input)).digest('hex'),
    ttlHours: e.ttlHours,
  };
}

/** The 201 answer of an issued invoice, with the printed proof's barcode and QR payloads. */
function issuedView(
  v: Omit<ProofInput, 'totals'> & { id: string; yearMonth: string; invoiceDate: string; totals: Totals },
): IssuedInvoice {
  const { totals } = v;
  return {
    id: v.id,
    invoiceNumber: v.invoiceNumber,
    randomNumber: v.randomNumber,
    yearMonth: v.yearMonth,
    invoiceDate: v.invoiceDate,
    invoiceTime: v.invoiceTime.toISOString(),
    sellerBan: v.sellerBan,
    buyerBan: v.buyerBan,
    salesAmount: Number(totals.salesAmount),
    freeTaxSalesAmount: Number(totals.freeTaxSalesAmount),
    zeroTaxSalesAmount: Number(totals.zeroTaxSalesAmount),
    taxAmount: Number(totals.taxAmount),
    totalAmount: Number(totals.totalAmount),
    ...invoiceProof(v),
  };
}

export function createInvoiceService(deps: Deps): InvoiceService {
  const { db, tenant } = deps;
  const encKey = Buffer.from(deps.config.APP_ENCRYPTION_KEY, 'base64');
  const render = createRenderer(db);

  const targets = new TtlCache<Target>(ISSUER_CACHE_MS);
  const blockLists = new TtlCache<{ id: string; track: string }[]>(ISSUER_CACHE_MS);
  deps.onClearCaches?.(() => {
    targets.clear();
    blockLists.clear();
  });

  /** Where the caller issues from (cached per caller, site and device; failures are not cached). */
  function resolveTarget(ctx: RequestContext, input: IssueInput): Promise<Target> {
    const p = ctx.principal;
    if (!p) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
    const key = `${p.kind}:${p.id}|${input.siteId ?? ''}|${input.deviceId ?? ''}`;
    return targets.getOrLoad(key, () => loadTarget(ctx, input));
  }

  /** The active blocks to issue from, in order; cached unless empty (a new allocation shows at once). */
  async function blocksFor(
    f: { siteId: string; deviceId: string | null; yearMonth: string; invoiceType: string },
    fresh: boolean,
  ) {
    const key = `${f.siteId}|${f.deviceId ?? ''}|${f.yearMonth}|${f.invoiceType}`;
    if (fresh) blockLists.clear();
    const list = await blockLists.getOrLoad(key, () => candidateBlocks(db, f));
    if (list.length === 0) blockLists.clear();
    return list;
  }

  /**
   * TrackLow: only when this block itself is nearly used up can the site be low (cheap filter first).
   * Runs after the invoice committed, in its own transaction; if it fails, the next issue checks again
   * (the alert row, not this call, makes the event fire exactly once).
   */
  async function checkTrackLow(ctx: RequestContext, target: Target, invoiceType: string, yearMonth: string, taken: Issued) {
    const threshold = deps.config.TRACK_LOW_THRESHOLD;
    if (taken.endNo - taken.number >= threshold) return;
    try {
      await db.transaction().execute(async (trx) => {
        const remaining = await siteRemaining(trx, { siteId: target.siteId, yearMonth, invoiceType });
        if (remaining >= threshold) return;
        if (!(await markTrackLow(trx, { siteId: target.siteId, yearMonth, invoiceType, remaining }))) return;
        await appendOutbox(
          trx,
          'TrackLow',
          { siteId: target.siteId, sellerId: target.seller.id, yearMonth, invoiceType, remaining, threshold },
          { aggregateType: 'site', aggregateId: target.siteId, requestId: ctx.requestId },
        );
      });
    } catch (err) {
      deps.log.error({ err, siteId: target.siteId }, 'TrackLow check failed; the next issue checks again');
    }
  }

  type Statement = Omit<IssueStatement, 'source'>;

  /** The next number of the caller's blocks: first from a block nobody holds, else wait for the first with numbers left. */
  async function takeFromBlocks(prep: Prepared, statement: Statement): Promise<Issued | typeof KEY_TAKEN> {
    const { target, input, period } = prep;
    let blockIds = prep.blocks.map((b) => b.id);
    // First from a block nobody holds right now; when all are busy, wait for the first with numbers left.
    let why: Awaited<ReturnType<typeof whyNoNumber>> = 'busy';
    for (let attempt = 0; attempt < 3 && why === 'busy'; attempt++) {
      const r = await issueInOneStatement(
        db,
        { ...statement, source: { kind: 'block', blockIds, wait: attempt > 0, at: prep.givenTime, periodEnd: period.end } },
        deps.pool,
      );
      if (r) return r;
      // Perhaps the cached blocks are stale (used up, closed, or a new one allocated): reload them.
      blockIds = (
        await blocksFor(
          { siteId: target.siteId, deviceId: target.deviceId, yearMonth: period.yearMonth, invoiceType: input.invoiceType },
          true,
        )
      ).map((b) => b.id);
      why = blockIds.length === 0 ? 'exhausted' : await whyNoNumber(db, blockIds, prep.givenTime, period.end);
    }
    if (why === 'time_order') {
      throw new DomainError(
        'INVOICE_TIME_ORDER',
        'A later invoice was already issued from this block; the invoice time must not be earlier.',
        { field: 'body.invoiceTime' },
      );
    }
    if (why === 'period_ended') {
      throw new DomainError(
        'PERIOD_CLOSED',
        `Period ${period.yearMonth} ended while the invoice was being issued; retry to issue it in the new period.`,
      );
    }
    if (why === 'busy') {
      // Not stored under the key (5xx): the same request may simply be retried.
      throw new DomainError('SERVICE_UNAVAILABLE', 'Every block was busy three times over; retry with the same key.', undefined, {
        'retry-after': '1',
      });
    }
    throw new DomainError(
      'TRACK_EXHAUSTED',
      `Every number for period ${period.yearMonth} at this site/device is used; allocate more.`,
    );
  }

  /**
   * A number the device reserved for offline use: it must lie in one of the device's reservations for
   * the invoice's period and type, carry the random number drawn for it, be unused (the registry's key),
   * and keep number order = time order among the reservation's invoices. The reservation's row lock
   * serialises submissions of one reservation.
   */
  async function takeReserved(
    prep: Prepared,
    offline: NonNullable<IssueInput['offline']>,
    statement: Statement,
  ): Promise<Issued | typeof KEY_TAKEN> {
    const { target, input, period } = prep;
    const at = prep.givenTime as Date;
    const acceptedUntil = period.end.getTime() + deps.config.OFFLINE_SUBMIT_GRACE_HOURS * 3_600_000;
    if (deps.now().getTime() >= acceptedUntil) {
      throw new DomainError(
        'PERIOD_CLOSED',
        `Offline invoices of period ${period.yearMonth} were accepted until ${new Date(acceptedUntil).toISOString()}.`,
        { field: 'body.invoiceTime' },
      );
    }
    const track = offline.invoiceNumber.slice(0, 2);
    const number = Number(offline.invoiceNumber.slice(2));
    const taken = await db
      .transaction()
      .execute(async (trx) => {
        const r = await lockReservation(trx, {
          deviceId: target.deviceId as string,
          yearMonth: period.yearMonth,
          invoiceType: input.invoiceType,
          track,
          number,
        });
        if (!r) {
          throw new DomainError(
            'OFFLINE_NUMBER_NOT_RESERVED',
            `${offline.invoiceNumber} is not reserved for this device in period ${period.yearMonth}.`,
            { field: 'body.offline.invoiceNumber' },
          );
        }
        if (r.block_status !== 'active') {
          throw new DomainError('PERIOD_CLOSED', `Period ${period.yearMonth} is closed; its numbers can no longer be issued.`, {
            field: 'body.invoiceTime',
          });
        }
        if (r.random_numbers[number - r.begin_no] !== offline.randomNumber) {
          throw new DomainError('OFFLINE_RANDOM_MISMATCH', `The random number drawn for ${offline.invoiceNumber} differs.`, {
            field: 'body.offline.randomNumber',
          });
        }
        const order = await reservationTimes(trx, r, offline.invoiceNumber);
        if ((order.before && order.before > at) || (order.after && order.after < at)) {
          throw new DomainError(
            'INVOICE_TIME_ORDER',
            'Within a reservation, a higher number may not carry an earlier invoice time than a lower one.',
            { field: 'body.invoiceTime' },
          );
        }
        const out = await issueInOneStatement(trx, {
          ...statement,
          invoice: { ...statement.invoice, random_number: offline.randomNumber },
          source: { kind: 'reserved', blockId: r.block_id, track, number, at },
        });
        // The failed insert aborted the transaction: roll it back, then answer from the key.
        if (out === KEY_TAKEN) throw KEY_TAKEN;
        if (!out) throw new Error('a reserved number produced no row');
        return out;
      })
      .catch((err: unknown): typeof KEY_TAKEN => {
        if (err === KEY_TAKEN) return KEY_TAKEN;
        throw err;
      });
    return taken;
  }

  /** Where the caller issues from: a device-bound client from its device; others name a site or device. */
  async function loadTarget(ctx: RequestContext, input: IssueInput): Promise<Target> {
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
    const { aesKey, ...seller } = await issuingSeller(db, site.seller_id, encKey);
    return { siteId, deviceId, seller, aesKey };
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
      const lifecycle = await loadInvoiceLifecycle(db, inv, items);
      const turnkey = await messagesOfNumber(db, inv.year_month, inv.invoice_number);
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
        buyerAddress: inv.buyer_address,
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
        ...lifecycle,
        turnkey: turnkey.map(turnkeyMessageViewOf),
      };
    },

    async proof(ctx, number) {
      const found = await findInvoiceByNumber(db, number, invoiceScope(ctx));
      if (!found) throw new DomainError('NOT_FOUND', `No invoice ${number} in your scope.`);
      return { ...(await storedInvoiceProof(db, found.inv, found.items, encKey)), status: status(found.inv.status) };
    },

    async xml(ctx, number) {
      const found = await findInvoiceByNumber(db, number, invoiceScope(ctx));
      if (!found) throw new DomainError('NOT_FOUND', `No invoice ${number} in your scope.`);
      const messages = await renderableMessagesOfNumber(db, found.inv.year_month, number);
      const rendered = await render(messages);
      return {
        documents: messages.map((m) => {
          const r = rendered.get(m.id);
          return {
            messageId: m.id,
            messageType: m.message_type,
            status: m.status,
            xml: r && 'xml' in r ? r.xml : null,
            error: r && 'error' in r ? r.error : r ? null : 'not rendered',
          };
        }),
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
      if (input.offline) {
        if (!givenTime) {
          throw new DomainError('VALIDATION_ERROR', 'An offline invoice needs the time of the sale.', [
            { field: 'body.invoiceTime', message: 'required with offline' },
          ]);
        }
        if (!target.deviceId) {
          throw new DomainError('VALIDATION_ERROR', 'Offline invoices come from the device that reserved the numbers.', [
            { field: 'body.deviceId', message: 'required with offline' },
          ]);
        }
        return { target, input, givenTime, period, totals: v.totals, itemAmounts: v.itemAmounts, blocks: [] };
      }
      // After a period has ended no number of it is issued online (offline sales made in it may still arrive).
      if (period.end.getTime() <= now.getTime()) {
        throw new DomainError('PERIOD_CLOSED', `Period ${period.yearMonth} has ended; issue with the current time.`, {
          field: 'body.invoiceTime',
        });
      }
      const blocks = await blocksFor(
        { siteId: target.siteId, deviceId: target.deviceId, yearMonth: period.yearMonth, invoiceType: input.invoiceType },
        false,
      );
      if (blocks.length === 0) {
        throw new DomainError(
          'NO_NUMBER_BLOCK',
          `No active block of ${input.invoiceType} numbers for period ${period.yearMonth} at this ${target.deviceId ? 'device' : 'site'}.`,
        );
      }
      return { target, input, givenTime, period, totals: v.totals, itemAmounts: v.itemAmounts, blocks };
    },

    async issue(ctx, prep, key) {
      const { target, input, totals, period } = prep;
      const p = ctx.principal;
      const buyerBan = input.buyer?.ban ?? null;
      const total = Number(totals.totalAmount);
      const invoice: InvoiceTemplate = {
        id: crypto.randomUUID(),
        seller_id: target.seller.id,
        site_id: target.siteId,
        device_id: target.deviceId,
        year_month: period.yearMonth,
        random_number: String(randomInt(0, 10_000)).padStart(4, '0'),
        invoice_type: input.invoiceType,
        buyer_ban: buyerBan,
        buyer_name: input.buyer?.name ?? null,
        buyer_address: input.buyer?.address ?? null,
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
      const items = input.items.map((it, i) => ({
        seq: i + 1,
        description: it.description,
        quantity: it.quantity,
        unit: it.unit ?? null,
        unit_price: it.unitPrice,
        amount: String(prep.itemAmounts[i]),
        tax_type: it.taxType ?? null,
        remark: it.remark ?? null,
      }));
      // invoiceNumber / invoiceDate (outbox) and the audit target are filled in by the statement.
      const outbox = outboxRow(
        'InvoiceIssued',
        {
          invoiceId: invoice.id,
          invoiceDate: '',
          invoiceNumber: '',
          yearMonth: period.yearMonth,
          sellerId: target.seller.id,
          siteId: target.siteId,
          buyerBan,
          totalAmount: total,
        },
        { aggregateType: 'invoice', requestId: ctx.requestId },
      );
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'invoice', id: '' },
        after: { yearMonth: period.yearMonth, totalAmount: total, buyerBan, siteId: target.siteId },
      };
      const audit = auditRow({
        tenantId: tenant.id,
        action: 'invoice.issue',
        outcome: 'success',
        statusCode: 201,
        ctx,
        draft: ctx.audit,
      });

      const statement = { invoice, items, outbox, audit, key, status: 201 };
      const taken = input.offline ? await takeReserved(prep, input.offline, statement) : await takeFromBlocks(prep, statement);
      if (taken === KEY_TAKEN) return KEY_TAKEN;
      await checkTrackLow(ctx, target, input.invoiceType, period.yearMonth, taken);
      return issuedView({
        id: invoice.id,
        invoiceNumber: taken.invoiceNumber,
        randomNumber: input.offline?.randomNumber ?? invoice.random_number,
        yearMonth: period.yearMonth,
        invoiceDate: taken.invoiceDate,
        invoiceTime: taken.issuedAt,
        sellerBan: target.seller.ban,
        buyerBan,
        totals,
        items: input.items,
        aesKey: target.aesKey,
      });
    },

    async issueBatch(ctx, entries, batch) {
      const results: BatchResult['results'] = [];
      const batchKey = createHash('sha256').update(batch.key).digest('hex');
      for (const [index, entry] of entries.entries()) {
        const at = `body.invoices[${index}]`;
        const parsed = issueBody.safeParse(entry);
        if (!parsed.success) {
          const details = schemaErrors(parsed.error.issues, at);
          results.push({ index, status: 400, error: { code: 'VALIDATION_ERROR', message: 'Invalid invoice.', details } });
          continue;
        }
        const key = entryKey({
          caller: batch.caller,
          set: `batch:${batchKey}`,
          n: index,
          path: batch.path,
          input: parsed.data,
          ttlHours: deps.config.IDEMPOTENCY_TTL_HOURS,
        });
        // Each entry has its own audit draft (the batch's entry is written by the audit plugin).
        const entryCtx: RequestContext = { ...ctx, audit: {} };
        try {
          const { invoice } = await this.issueKeyed(entryCtx, parsed.data, key);
          results.push({ index, status: 201, invoice });
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          results.push({ index, status: err.statusCode, error: entryErrorOf(err, at) });
        }
      }
      const issued = results.filter((r) => r.status === 201).length;
      ctx.audit = { ...ctx.audit, after: { submitted: entries.length, issued, failed: entries.length - issued } };
      return { issued, failed: entries.length - issued, results };
    },

    async issueKeyed(ctx, input, key) {
      const again = async () => {
        const ref = await storedRef(db, key.caller, key.key);
        return ref ? this.issuedAgain(ref) : null;
      };
      try {
        const out = await this.issue(ctx, await this.prepare(ctx, input), key);
        if (out !== KEY_TAKEN) return { invoice: out, earlier: false };
        const invoice = await again();
        if (!invoice) throw new Error(`idempotency key ${key.key}: taken, but no invoice is stored under it`);
        return { invoice, earlier: true };
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // Issued by an earlier attempt, refused now (e.g. the period has moved on): the earlier answer stands.
        const invoice = await again();
        if (invoice) return { invoice, earlier: true };
        throw err;
      }
    },

    async reserve(trx, ctx, body) {
      const p = ctx.principal;
      const bound = p?.kind === 'client' ? p.deviceId : null;
      const target = bound || body.deviceId ? await loadTarget(ctx, { deviceId: body.deviceId } as IssueInput) : null;
      const deviceId = target?.deviceId;
      if (!target || !deviceId) {
        throw new DomainError('VALIDATION_ERROR', 'Name the device that will issue offline.', [
          { field: 'body.deviceId', message: 'required' },
        ]);
      }
      const current = periodOf(deps.now());
      const yearMonth = body.yearMonth ?? current.yearMonth;
      if (yearMonth !== current.yearMonth && yearMonth !== nextPeriod(current).yearMonth) {
        throw new DomainError('VALIDATION_ERROR', 'Only the current and the next period can be reserved.', [
          { field: 'body.yearMonth', message: `${current.yearMonth} or ${nextPeriod(current).yearMonth}` },
        ]);
      }
      // The device's own blocks first, then the site's shared ones.
      const f = { siteId: target.siteId, yearMonth, invoiceType: body.invoiceType };
      const blocks = [
        ...(await candidateBlocks(trx, { ...f, deviceId })),
        ...(await candidateBlocks(trx, { ...f, deviceId: null })),
      ];
      const run = await takeRun(
        trx,
        blocks.map((b) => b.id),
        body.count,
      );
      if (!run) {
        throw new DomainError(
          'TRACK_EXHAUSTED',
          `No block of this device or its site has ${body.count} consecutive ${body.invoiceType} numbers left for period ${yearMonth}.`,
          { field: 'body.count' },
        );
      }
      const numbers = Array.from({ length: body.count }, (_, i) => ({
        invoiceNumber: `${run.track}${formatNo(run.beginNo + i)}`,
        randomNumber: String(randomInt(0, 10_000)).padStart(4, '0'),
      }));
      const sealed = precomputeVerification(target.aesKey, numbers);
      const row = await insertReservation(trx, {
        device_id: deviceId,
        site_id: target.siteId,
        block_id: run.blockId,
        year_month: yearMonth,
        invoice_type: body.invoiceType,
        track: run.track,
        begin_no: run.beginNo,
        end_no: run.beginNo + body.count - 1,
        random_numbers: numbers.map((n) => n.randomNumber),
        created_by: p ? `${p.kind}:${p.id}` : null,
        request_id: ctx.requestId,
      });
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'offline_reservation', id: row.id },
        after: { deviceId, yearMonth, track: run.track, beginNo: formatNo(run.beginNo), count: body.count },
      };
      return {
        ...reservationOf(row, 0),
        numbers: sealed.map((n) => ({ ...n, issued: false })),
      };
    },

    async listReservations(ctx, q) {
      const rows = await findReservations(db, reservationScope(ctx), q);
      return { items: rows.map((r) => reservationOf(r, r.issued)) };
    },

    async getReservation(ctx, id) {
      const [r] = await findReservations(db, reservationScope(ctx), { id, limit: 1 });
      if (!r) throw new DomainError('NOT_FOUND', `No offline reservation ${id} in your scope.`);
      const seller = await db
        .selectFrom('sites as s')
        .innerJoin('sellers as se', 'se.id', 's.seller_id')
        .select('se.qr_aes_key_enc')
        .where('s.id', '=', r.site_id)
        .executeTakeFirstOrThrow();
      if (!seller.qr_aes_key_enc) throw new DomainError('SELLER_QR_KEY_MISSING', 'The seller has no QR AES key.');
      const issued = new Set(await issuedInReservation(db, r));
      const numbers = r.random_numbers.map((randomNumber, i) => ({
        invoiceNumber: `${r.track}${formatNo(r.begin_no + i)}`,
        randomNumber,
      }));
      const sealed = precomputeVerification(decryptSecret(seller.qr_aes_key_enc, encKey), numbers);
      return { ...reservationOf(r, issued.size), numbers: sealed.map((n) => ({ ...n, issued: issued.has(n.invoiceNumber) })) };
    },

    async issuedAgain(ref) {
      const inv = await db
        .selectFrom('invoices as i')
        .innerJoin('sellers as s', 's.id', 'i.seller_id')
        .select([
          'i.id',
          'i.invoice_number',
          'i.random_number',
          'i.year_month',
          sql<string>`i.invoice_date::text`.as('invoice_date'),
          'i.invoice_time',
          'i.buyer_ban',
          'i.tax_type',
          'i.tax_rate',
          'i.sales_amount',
          'i.free_tax_sales_amount',
          'i.zero_tax_sales_amount',
          'i.tax_amount',
          'i.total_amount',
          's.ban as seller_ban',
          's.qr_aes_key_enc',
        ])
        .where('i.id', '=', ref.id)
        .where('i.invoice_date', '=', sql<Date>`${ref.date}::date`)
        .executeTakeFirstOrThrow();
      const items = await db
        .selectFrom('invoice_items')
        .select(['description', sql<string>`quantity::text`.as('quantity'), sql<string>`unit_price::text`.as('unit_price')])
        .where('invoice_id', '=', inv.id)
        .where('invoice_date', '=', sql<Date>`${ref.date}::date`)
        .orderBy('seq')
        .execute();
      return issuedView({
        id: inv.id,
        invoiceNumber: inv.invoice_number,
        randomNumber: inv.random_number,
        yearMonth: inv.year_month,
        invoiceDate: inv.invoice_date,
        invoiceTime: inv.invoice_time,
        sellerBan: inv.seller_ban,
        buyerBan: inv.buyer_ban,
        totals: {
          taxType: inv.tax_type,
          taxRate: inv.tax_rate,
          salesAmount: BigInt(inv.sales_amount),
          freeTaxSalesAmount: BigInt(inv.free_tax_sales_amount),
          zeroTaxSalesAmount: BigInt(inv.zero_tax_sales_amount),
          taxAmount: BigInt(inv.tax_amount),
          totalAmount: BigInt(inv.total_amount),
        } as Totals,
        items: items.map((it) => ({ description: it.description, quantity: it.quantity, unitPrice: it.unit_price })),
        aesKey: decryptSecret(inv.qr_aes_key_enc as string, encKey),
      });
    },
  };
}
