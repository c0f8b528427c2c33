/**
 * The hand-off (issue 4, item 3): due rows of turnkey_messages become MIG XML files in Turnkey's SRC
 * folders, in batches, so the pipeline keeps up with issuing.
 *
 * 1. Claim a batch (`FOR UPDATE SKIP LOCKED`, so several workers share the queue): attempts + 1 and a
 *    lease — if this process dies, the rows come due again when the lease runs out. Claiming commits at
 *    once; building and writing run outside any transaction. A message is due only when every earlier
 *    message of its chain (the same invoice) is accepted: a void before its re-issue, an invoice before
 *    its cancel or allowances.
 * 2. A row claimed before (attempts > 1) may have had its file written by the attempt that died: if the
 *    file is in SRC, BAK or ERR, it is marked delivered without writing again (the name is the same on
 *    every attempt), so a retry never hands the same message over twice.
 * 3. Build the XML (`render`), check it against the XSDs (`validate`, when configured): a document that
 *    fails never reaches Turnkey — the row becomes `invalid` with the validator's message.
 * 4. Write the files, WRITE_CONCURRENCY at a time (each fsync'd and renamed into SRC), then fsync each SRC
 *    folder once; only then are they marked `delivered`. A batch never holds two messages of one chain
 *    (the chain gate lets only a chain's first unaccepted message be due), so the order of writes within a
 *    batch does not matter. A failed write → due again after the next retry delay (1 min, 5 min, 15 min,
 *    1 h, 4 h), then `dead`.
 */
import type { Rendered } from '@app/api/services';
import type { Database } from '@app/db';
import { EVENTS } from '@app/jobs';
import { sql } from 'kysely';
import { fsyncDir, handedOff, handOffFileName, type MessageType, srcDir, writeAtomically } from './files.ts';

export type DueMessage = {
  /** Also the creation order (bigint as text). */
  id: string;
  message_type: MessageType;
  seller_id: string;
  seller_ban: string;
  invoice_id: string | null;
  invoice_date: string | null;
  transition_id: string | null;
  allowance_id: string | null;
  year_month: string | null;
  identifier: string;
  attempts: number;
  created_at: Date;
};

export type XsdCheck = (
  messageType: MessageType,
  docs: { name: string; xml: string }[],
) => Promise<{ name: string; ok: boolean; errors: string[] }[]>;

export type HandOffDeps = {
  db: Database;
  /** TURNKEY_ROOT: the folder holding Turnkey's UpCast/. */
  root: string;
  render: (messages: DueMessage[]) => Promise<Map<string, Rendered>>;
  /** The runtime XSD check; absent = off. */
  validate?: XsdCheck;
  batchSize?: number;
  /** How long a claimed batch is this process's before it comes due again. */
  leaseMs?: number;
  /** Delay before retry n (n = 1…); after the last, the message is dead. */
  retryDelaysMs?: readonly number[];
};

/** Files written at once (each write waits on its fsync; the file system groups concurrent ones). */
const WRITE_CONCURRENCY = 32;

export const HANDOFF_RETRY_DELAYS_MS = [60_000, 300_000, 900_000, 3_600_000, 14_400_000] as const;

export type HandOffResult = { claimed: number; delivered: number; invalid: number; retrying: number; dead: number };

export async function handOffBatch(deps: HandOffDeps): Promise<HandOffResult> {
  const { db, root } = deps;
  const delays = deps.retryDelaysMs ?? HANDOFF_RETRY_DELAYS_MS;
  const claimed = await sql<DueMessage>`
    UPDATE turnkey_messages m
       SET attempts = m.attempts + 1,
           next_attempt_at = now() + make_interval(secs => ${(deps.leaseMs ?? 120_000) / 1000}),
           updated_at = now()
      FROM sellers s
     WHERE m.id IN (SELECT c.id FROM turnkey_messages c
                     WHERE c.status = 'pending' AND c.next_attempt_at <= now()
                       -- Its chain's earlier messages are all accepted (see the migration's chain column).
                       AND NOT EXISTS (SELECT 1 FROM turnkey_messages p
                                        WHERE p.chain = c.chain AND p.id < c.id AND p.status <> 'accepted')
                     ORDER BY c.next_attempt_at, c.id
                     LIMIT ${deps.batchSize ?? 500}
                     FOR UPDATE OF c SKIP LOCKED)
       AND s.id = m.seller_id
    RETURNING m.id, m.message_type, m.seller_id, s.ban AS seller_ban, m.invoice_id, m.invoice_date::text AS invoice_date,
              m.transition_id, m.allowance_id, m.year_month, m.identifier, m.attempts, m.created_at`.execute(db);
  const rows = claimed.rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  const result: HandOffResult = { claimed: rows.length, delivered: 0, invalid: 0, retrying: 0, dead: 0 };
  if (rows.length === 0) return result;

  const delivered: { id: string; file: string }[] = [];
  const invalid: { id: string; error: string }[] = [];
  const failed: { id: string; attempts: number; error: string }[] = [];

  // 2. Files an attempt that died may already have handed off.
  const todo: DueMessage[] = [];
  const retried = rows.filter((m) => m.attempts > 1);
  const found = new Set<string>();
  for (const type of new Set(retried.map((m) => m.message_type))) {
    const of = retried.filter((m) => m.message_type === type);
    const since = new Date(Math.min(...of.map((m) => m.created_at.getTime())));
    for (const name of await handedOff(root, type, of.map(handOffFileName), since)) found.add(name);
  }
  for (const m of rows) {
    const file = handOffFileName(m);
    if (m.attempts > 1 && found.has(file)) delivered.push({ id: m.id, file });
    else todo.push(m);
  }

  // 3. Build, then check each message type's documents in one validator call.
  const rendered = await deps.render(todo);
  const ready: { m: DueMessage; file: string; xml: string }[] = [];
  for (const m of todo) {
    const r = rendered.get(m.id) ?? { error: 'no document was built for this message' };
    if ('error' in r) invalid.push({ id: m.id, error: r.error });
    else ready.push({ m, file: handOffFileName(m), xml: r.xml });
  }
  const checked = new Set<string>();
  if (deps.validate) {
    const byType = new Map<MessageType, typeof ready>();
    for (const x of ready) byType.set(x.m.message_type, [...(byType.get(x.m.message_type) ?? []), x]);
    for (const [type, docs] of byType) {
      const results = await deps.validate(
        type,
        docs.map((d) => ({ name: d.file, xml: d.xml })),
      );
      const byName = new Map(results.map((r) => [r.name, r]));
      for (const d of docs) {
        const r = byName.get(d.file);
        if (r?.ok) checked.add(d.m.id);
        else invalid.push({ id: d.m.id, error: `XSD: ${(r?.errors ?? ['not validated']).join('; ')}`.slice(0, 4000) });
      }
    }
  } else {
    for (const d of ready) checked.add(d.m.id);
  }

  // 4. Hand off: the files first, then each SRC folder made durable once, then the rows.
  const writes = ready.filter((d) => checked.has(d.m.id));
  const written: { d: (typeof writes)[number]; error: string | null }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(WRITE_CONCURRENCY, writes.length) }, async () => {
      for (let d = writes[next++]; d; d = writes[next++]) {
        try {
          await writeAtomically(root, d.m.message_type, d.file, d.xml, { syncSrc: false });
          written.push({ d, error: null });
        } catch (e) {
          written.push({ d, error: (e as Error).message.slice(0, 1000) });
        }
      }
    }),
  );
  const synced = new Map<MessageType, string | null>();
  for (const type of new Set(written.filter((w) => !w.error).map((w) => w.d.m.message_type))) {
    synced.set(
      type,
      await fsyncDir(srcDir(root, type)).then(
        () => null,
        (e: Error) => `fsync of SRC failed: ${e.message}`.slice(0, 1000),
      ),
    );
  }
  for (const { d, error } of written) {
    const why = error ?? synced.get(d.m.message_type) ?? null;
    if (why) failed.push({ id: d.m.id, attempts: d.m.attempts, error: why });
    else delivered.push({ id: d.m.id, file: d.file });
  }

  // Each change with its event, in one statement: TurnkeyUploadSuccess once per batch, TurnkeyUploadFailed per message.
  if (delivered.length > 0) {
    await sql`
      WITH d AS (
        UPDATE turnkey_messages m
           SET status = 'delivered', file_name = v.file, delivered_at = now(), last_error = NULL, updated_at = now()
          FROM (SELECT unnest(${delivered.map((x) => x.id)}::bigint[]) AS id, unnest(${delivered.map((x) => x.file)}::text[]) AS file) v
         WHERE m.id = v.id AND m.status = 'pending'
        RETURNING m.id, m.message_type, m.identifier, m.file_name
      )
      INSERT INTO sys_outbox (event_type, event_version, aggregate_type, aggregate_id, payload)
      SELECT 'TurnkeyUploadSuccess', ${EVENTS.TurnkeyUploadSuccess.version}, 'turnkey_message', min(d.id)::text,
             jsonb_build_object('count', count(*), 'messages',
               jsonb_agg(jsonb_build_object('messageId', d.id::text, 'messageType', d.message_type,
                                            'identifier', d.identifier, 'fileName', d.file_name) ORDER BY d.id))
        FROM d HAVING count(*) > 0`.execute(db);
  }
  const dead: { id: string; error: string }[] = [];
  for (const f of failed) {
    const delay = delays[f.attempts - 1];
    if (delay === undefined) {
      dead.push(f);
      result.dead++;
    } else {
      await sql`UPDATE turnkey_messages
                   SET next_attempt_at = now() + make_interval(secs => ${delay / 1000}), last_error = ${f.error}, updated_at = now()
                 WHERE id = ${f.id} AND status = 'pending'`.execute(db);
      result.retrying++;
    }
  }
  for (const [status, list] of [
    ['invalid', invalid],
    ['dead', dead],
  ] as const) {
    if (list.length === 0) continue;
    await sql`
      WITH f AS (
        UPDATE turnkey_messages m
           SET status = ${status}, last_error = v.error, updated_at = now()
          FROM (SELECT unnest(${list.map((x) => x.id)}::bigint[]) AS id, unnest(${list.map((x) => x.error)}::text[]) AS error) v
         WHERE m.id = v.id AND m.status = 'pending'
        RETURNING m.id, m.message_type, m.identifier, m.seller_id, m.status, m.last_error, m.attempts
      )
      INSERT INTO sys_outbox (event_type, event_version, aggregate_type, aggregate_id, payload)
      SELECT 'TurnkeyUploadFailed', ${EVENTS.TurnkeyUploadFailed.version}, 'turnkey_message', f.id::text,
             jsonb_build_object('messageId', f.id::text, 'messageType', f.message_type, 'identifier', f.identifier,
                                'sellerId', f.seller_id, 'status', f.status, 'error', f.last_error, 'attempts', f.attempts)
        FROM f`.execute(db);
  }
  result.delivered = delivered.length;
  result.invalid = invalid.length;
  return result;
}
