/**
 * The daily reconciliation (issue 4, item 7): what we handed off on a day (Asia/Taipei) and what became of it,
 * per message type, against the platform's SummaryResult of that day — every difference named.
 *
 * - Our side: the messages whose hand-off (`delivered_at`) lies in the day, by their current status. A message
 *   Turnkey refused before the upload (its code is not a platform `E….` code: 7001–7016, -007 …) never reached
 *   the platform and is not expected in the summary; it is counted apart (`rejectedBeforeUpload`).
 * - Their side: the day's summary messages (a summary message = one pack, dated by its common name), summed
 *   per type. Per invoice identifier the last pack wins (a message rejected, resent and accepted the same day
 *   shows in Failed and then in Good).
 * - Differences, for types whose summary names its invoices:
 *   `accepted_but_failed` — we hold it accepted, their final word is Failed;
 *   `good_not_accepted` — in their Good list, but not accepted here (rejected, or still waiting);
 *   `missing_from_summary` — handed off by us, in no list of the summary;
 *   `unknown_to_us` — in the summary, but we never queued a message with that identifier.
 *   For types the summary only counts (E0401/E0402: no invoice lists, as [HO] found — [HO] ignores them;
 *   here their counts are compared): `count_mismatch`. No summary at all for the day: `no_summary`.
 * - Midnight: Turnkey packs a file handed off at 23:59 after midnight, so a message handed off within
 *   RECONCILE_BOUNDARY_MS of the day's start or end also counts as present when it is in the neighbouring day's summary;
 *   a summary entry's verdict is compared with our message as of that day (the newest hand-off up to the day's
 *   end) — a message resent on a later day is not judged by an older day's verdict.
 */

export const RECONCILE_BOUNDARY_MS = 30 * 60_000;

export const RECONCILIATION_DIFFERENCE_KINDS = [
  'no_summary',
  'count_mismatch',
  'accepted_but_failed',
  'good_not_accepted',
  'missing_from_summary',
  'unknown_to_us',
] as const;
export type ReconciliationDifferenceKind = (typeof RECONCILIATION_DIFFERENCE_KINDS)[number];

/** One of our turnkey_messages rows. */
export type ReconcileMessage = {
  id: string;
  messageType: string;
  identifier: string;
  sellerId: string | null;
  status: string;
  resultCode: string | null;
  deliveredAt: Date | null;
};

/** One stored SummaryResult message (one pack of one sending party). */
export type ReconcileSummaryPack = {
  /** `YYYY-MM-DD` the pack was uploaded (Asia/Taipei). */
  day: string;
  messageType: string;
  partyId: string;
  packId: string;
  /** When the pack was made (its common name), to order a day's packs; null when unknown. */
  packAt: Date | null;
  total: number;
  good: number;
  failed: number;
  listed: boolean;
  /** Identifiers (`<MSG><ReferenceNumber><yyyyMMdd>`) of the Good and Failed lists. */
  goodIdentifiers: readonly string[];
  failedIdentifiers: readonly string[];
};

export type ReconciliationDifference = {
  kind: ReconciliationDifferenceKind;
  identifier: string | null;
  messageId: string | null;
  sellerId: string | null;
  /** The summary's sending party (From/PartyId), when the difference comes from the summary. */
  partyId: string | null;
  ourStatus: string | null;
  theirVerdict: 'good' | 'failed' | null;
  detail: string;
};

export type ReconciliationCounts = {
  ours: { handedOff: number; accepted: number; rejected: number; waiting: number; rejectedBeforeUpload: number };
  theirs: { total: number; good: number; failed: number } | null;
};

export type TypeReconciliation = ReconciliationCounts & {
  messageType: string;
  summaryReceived: boolean;
  differences: ReconciliationDifference[];
};

/** [start, end) of a `YYYY-MM-DD` day in Asia/Taipei (UTC+8 all year). */
export function taipeiDayBounds(day: string): { start: Date; end: Date } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  const midnightUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(midnightUtc).toISOString().slice(0, 10) !== day) throw new RangeError(`not a calendar day: ${day}`);
  const start = new Date(midnightUtc - 8 * 3_600_000);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** `YYYY-MM-DD` `n` days after `day`. */
export function shiftDay(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Refused by Turnkey itself before the upload: a code that is not the platform's `E` + 4 digits. */
export const rejectedBeforeUpload = (m: Pick<ReconcileMessage, 'status' | 'resultCode'>): boolean =>
  m.status === 'rejected' && m.resultCode !== null && m.resultCode !== 'UNKNOWN' && !/^E\d{4}$/.test(m.resultCode);

const diff = (
  d: Partial<ReconciliationDifference> & Pick<ReconciliationDifference, 'kind' | 'detail'>,
): ReconciliationDifference => ({
  identifier: null,
  messageId: null,
  sellerId: null,
  partyId: null,
  ourStatus: null,
  theirVerdict: null,
  ...d,
});

const byTime = (a: Date | null, b: Date | null) =>
  (a?.getTime() ?? Number.NEGATIVE_INFINITY) - (b?.getTime() ?? Number.NEGATIVE_INFINITY);

/**
 * Reconciles `day`. `messages`: our rows handed off from the day before to the day after, and every row whose
 * identifier the day's summary names; `packs`: the stored summary messages of the day and its two neighbours;
 * `sellerOfParty`: seller ids by BAN (for differences found only in the summary). One result per message type
 * that either side has for the day.
 */
export function reconcileTurnkeyDay(input: {
  day: string;
  messages: readonly ReconcileMessage[];
  packs: readonly ReconcileSummaryPack[];
  sellerOfParty?: ReadonlyMap<string, string>;
}): TypeReconciliation[] {
  const { day } = input;
  const { start, end } = taipeiDayBounds(day);
  const within = (m: ReconcileMessage) => m.deliveredAt !== null && m.deliveredAt >= start && m.deliveredAt < end;
  const handedOff = input.messages.filter(within);
  const todays = input.packs.filter((p) => p.day === day);
  const summaryReceived = todays.length > 0;
  const types = [...new Set([...handedOff.map((m) => m.messageType), ...todays.map((p) => p.messageType)])].sort();

  return types.map((type): TypeReconciliation => {
    const mine = handedOff.filter((m) => m.messageType === type);
    const expected = mine.filter((m) => !rejectedBeforeUpload(m));
    const ours = {
      handedOff: expected.length,
      accepted: expected.filter((m) => m.status === 'accepted').length,
      rejected: expected.filter((m) => m.status === 'rejected').length,
      waiting: expected.filter((m) => m.status === 'delivered').length,
      rejectedBeforeUpload: mine.length - expected.length,
    };
    if (!summaryReceived) {
      return {
        messageType: type,
        summaryReceived,
        ours,
        theirs: null,
        differences:
          expected.length > 0
            ? [
                diff({
                  kind: 'no_summary',
                  detail: `No SummaryResult arrived for ${day}; we handed off ${expected.length} ${type} message(s) that day.`,
                }),
              ]
            : [],
      };
    }
    const packs = todays.filter((p) => p.messageType === type).sort((a, b) => byTime(a.packAt, b.packAt));
    const theirs = {
      total: packs.reduce((n, p) => n + p.total, 0),
      good: packs.reduce((n, p) => n + p.good, 0),
      failed: packs.reduce((n, p) => n + p.failed, 0),
    };
    const differences: ReconciliationDifference[] = [];

    if (!packs.every((p) => p.listed)) {
      // Counts only (E0401/E0402 summaries name no invoices).
      if (ours.handedOff !== theirs.total || ours.accepted !== theirs.good || ours.rejected !== theirs.failed) {
        differences.push(
          diff({
            kind: 'count_mismatch',
            detail: `We handed off ${ours.handedOff} (${ours.accepted} accepted, ${ours.rejected} rejected, ${ours.waiting} waiting); the summary counts ${theirs.total} (${theirs.good} good, ${theirs.failed} failed).`,
          }),
        );
      }
      return { messageType: type, summaryReceived, ours, theirs, differences };
    }

    // Their final word per identifier: the last pack of the day wins.
    const final = new Map<string, { verdict: 'good' | 'failed'; partyId: string }>();
    for (const p of packs) {
      for (const id of p.goodIdentifiers) final.set(id, { verdict: 'good', partyId: p.partyId });
      for (const id of p.failedIdentifiers) final.set(id, { verdict: 'failed', partyId: p.partyId });
    }
    const rowsOf = new Map<string, ReconcileMessage[]>();
    for (const m of input.messages) {
      if (m.messageType !== type) continue;
      rowsOf.set(m.identifier, [...(rowsOf.get(m.identifier) ?? []), m]);
    }
    const asOfLimit = end.getTime() + RECONCILE_BOUNDARY_MS;
    for (const [identifier, { verdict, partyId }] of final) {
      const rows = rowsOf.get(identifier) ?? [];
      if (rows.length === 0) {
        differences.push(
          diff({
            kind: 'unknown_to_us',
            identifier,
            partyId,
            sellerId: input.sellerOfParty?.get(partyId) ?? null,
            theirVerdict: verdict,
            detail: `The summary lists ${identifier} as ${verdict}, but we never queued a ${type} message with this identifier.`,
          }),
        );
        continue;
      }
      const asOf = rows
        .filter((r) => r.deliveredAt !== null && r.deliveredAt.getTime() < asOfLimit)
        .sort((a, b) => byTime(b.deliveredAt, a.deliveredAt))[0];
      if (!asOf) continue; // handed off again after the day (or not at all since): that day's verdict is history
      const base = {
        identifier,
        messageId: asOf.id,
        sellerId: asOf.sellerId,
        partyId,
        ourStatus: asOf.status,
        theirVerdict: verdict,
      };
      if (verdict === 'good' && asOf.status !== 'accepted') {
        differences.push(
          diff({
            ...base,
            kind: 'good_not_accepted',
            detail: `The platform stored ${identifier} (Good), but our message ${asOf.id} is ${asOf.status}${asOf.resultCode ? ` (${asOf.resultCode})` : ''}.`,
          }),
        );
      } else if (verdict === 'failed' && asOf.status === 'accepted') {
        differences.push(
          diff({
            ...base,
            kind: 'accepted_but_failed',
            detail: `Our message ${asOf.id} (${identifier}) is accepted, but the summary lists it as Failed.`,
          }),
        );
      }
    }

    const neighbour = (d: string) =>
      new Set(
        input.packs
          .filter((p) => p.day === d && p.messageType === type)
          .flatMap((p) => [...p.goodIdentifiers, ...p.failedIdentifiers]),
      );
    const before = neighbour(shiftDay(day, -1));
    const after = neighbour(shiftDay(day, 1));
    for (const m of expected) {
      if (final.has(m.identifier)) continue;
      const t = (m.deliveredAt as Date).getTime();
      if (t >= end.getTime() - RECONCILE_BOUNDARY_MS && after.has(m.identifier)) continue;
      if (t < start.getTime() + RECONCILE_BOUNDARY_MS && before.has(m.identifier)) continue;
      differences.push(
        diff({
          kind: 'missing_from_summary',
          identifier: m.identifier,
          messageId: m.id,
          sellerId: m.sellerId,
          ourStatus: m.status,
          detail: `We handed off ${m.identifier} (message ${m.id}, now ${m.status}) on ${day}; the summary does not list it.`,
        }),
      );
    }
    const order = (k: ReconciliationDifferenceKind) => RECONCILIATION_DIFFERENCE_KINDS.indexOf(k);
    differences.sort((a, b) => order(a.kind) - order(b.kind) || (a.identifier ?? '').localeCompare(b.identifier ?? ''));
    return { messageType: type, summaryReceived, ours, theirs, differences };
  });
}
