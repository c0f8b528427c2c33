/**
 * The results poller (issue 4, item 4): what became of each delivered message, read from Turnkey's own
 * database (MariaDB/MySQL, einvoice-domain.md §5.4). A TURNKEY_MESSAGE_LOG row whose INVOICE_IDENTIFIER
 * is the message's identifier and whose MESSAGE_DTS is not before the hand-off (a re-issued F0401 has the
 * same identifier as the one it replaces) tells the status: C → accepted; E → rejected, with the
 * platform's code and text from TURNKEY_SYSEVENT_LOG; P/G/I → still on the way.
 *
 * Assumption (unverified): MESSAGE_DTS is Turnkey's local time, Asia/Taipei, `yyyyMMddHHmmssSSS`.
 */
import type { Database } from '@app/db';
import { turnkeyError, turnkeyLogIdentifiers, turnkeyOutcome } from '@app/domain';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { settleMessages, type Verdict } from './settle.ts';

/** How much earlier than our hand-off Turnkey's clock may stamp the row (clock skew between hosts). */
const SKEW_MS = 5 * 60_000;

/** `yyyyMMddHHmmssSSS` (Asia/Taipei) of an instant. */
export function turnkeyDts(at: Date): string {
  const t = new Date(at.getTime() + 8 * 3_600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}${p(t.getUTCMilliseconds(), 3)}`;
}

type LogRow = RowDataPacket & {
  SEQNO: string;
  SUBSEQNO: string;
  UUID: string | null;
  MESSAGE_DTS: string;
  STATUS: string;
  INVOICE_IDENTIFIER: string;
};
type EventRow = RowDataPacket & {
  SEQNO: string | null;
  SUBSEQNO: string | null;
  UUID: string | null;
  ERRORCODE: string | null;
  MESSAGE1: string | null;
  MESSAGE2: string | null;
  MESSAGE3: string | null;
  MESSAGE4: string | null;
  MESSAGE5: string | null;
  MESSAGE6: string | null;
};

export type PollResult = { checked: number; accepted: number; rejected: number; inFlight: number };

export async function pollResults(deps: { db: Database; turnkey: Pool; batchSize?: number }): Promise<PollResult> {
  const { db, turnkey } = deps;
  const delivered = await db
    .selectFrom('turnkey_messages')
    .select(['id', 'identifier', 'message_type', 'delivered_at'])
    .where('status', '=', 'delivered')
    .orderBy('delivered_at')
    .limit(deps.batchSize ?? 1000)
    .execute();
  const result: PollResult = { checked: delivered.length, accepted: 0, rejected: 0, inFlight: 0 };
  if (delivered.length === 0) return result;

  // Turnkey indexes MESSAGE_DTS (not INVOICE_IDENTIFIER): bound the scan to rows since the oldest hand-off.
  const oldest = Math.min(...delivered.map((m) => (m.delivered_at as Date).getTime()));
  const [logRows] = await turnkey.query<LogRow[]>(
    `SELECT SEQNO, SUBSEQNO, UUID, MESSAGE_DTS, STATUS, INVOICE_IDENTIFIER
       FROM TURNKEY_MESSAGE_LOG
      WHERE MESSAGE_DTS >= ? AND IN_OUT_BOUND = 'O' AND INVOICE_IDENTIFIER IN (?)`,
    [turnkeyDts(new Date(oldest - SKEW_MS)), [...new Set(delivered.flatMap((m) => turnkeyLogIdentifiers(m.identifier)))]],
  );
  const byIdentifier = new Map<string, LogRow[]>();
  for (const r of logRows) byIdentifier.set(r.INVOICE_IDENTIFIER, [...(byIdentifier.get(r.INVOICE_IDENTIFIER) ?? []), r]);

  const accepted: string[] = [];
  const rejected: { id: string; row: LogRow }[] = [];
  for (const m of delivered) {
    const since = turnkeyDts(new Date((m.delivered_at as Date).getTime() - SKEW_MS));
    const newest = turnkeyLogIdentifiers(m.identifier)
      .flatMap((id) => byIdentifier.get(id) ?? [])
      .filter((r) => r.MESSAGE_DTS >= since)
      .sort((a, b) => (a.MESSAGE_DTS < b.MESSAGE_DTS ? 1 : -1))[0];
    const outcome = newest ? turnkeyOutcome(newest.STATUS) : 'in_flight';
    if (outcome === 'accepted') accepted.push(m.id);
    else if (outcome === 'rejected' && newest) rejected.push({ id: m.id, row: newest });
    else result.inFlight++;
  }

  const verdicts: Verdict[] = accepted.map((id) => ({ id, outcome: 'accepted' }));
  for (const { id, row } of rejected) {
    const [events] = await turnkey.query<EventRow[]>(
      `SELECT SEQNO, SUBSEQNO, UUID, ERRORCODE, MESSAGE1, MESSAGE2, MESSAGE3, MESSAGE4, MESSAGE5, MESSAGE6
         FROM TURNKEY_SYSEVENT_LOG
        WHERE (SEQNO = ? AND SUBSEQNO = ?) OR (UUID IS NOT NULL AND UUID = ?)
        ORDER BY EVENTDTS DESC LIMIT 1`,
      [row.SEQNO, row.SUBSEQNO, row.UUID ?? ''],
    );
    const ev = events[0];
    const err = ev
      ? turnkeyError({
          errorCode: ev.ERRORCODE,
          messages: [ev.MESSAGE1, ev.MESSAGE2, ev.MESSAGE3, ev.MESSAGE4, ev.MESSAGE5, ev.MESSAGE6],
        })
      : { code: 'UNKNOWN', zh: null, en: null, detail: 'Turnkey logged E without a system event' };
    verdicts.push({ id, outcome: 'rejected', code: err.code, text: [err.zh, err.en, err.detail].filter(Boolean).join(' | ') });
  }
  await settleMessages(db, verdicts);
  result.accepted = accepted.length;
  result.rejected = rejected.length;
  return result;
}
