/**
 * What Turnkey unpacks from the platform (issue 4, items 4 and 7; einvoice-domain.md §5.4; docs/turnkey.md §7):
 * the files under `<TURNKEY_ROOT>/Unpack/BAK/{ProcessResult,SummaryResult,E0501}/<yyyyMMdd>/<HH>/`, each read
 * once — a file is known by its kind and SHA-256 (table turnkey_unpacked_files), so the same bytes are never
 * applied twice, whatever their path; one that cannot be read as its kind is recorded with the error and left.
 *
 * - ProcessResult: a second source of verdicts beside the database poller (results.ts). An entry names a
 *   message by its identifier (see `processResultIdentifiers`); a message still `delivered` becomes accepted
 *   (code 00000) or rejected with the code and its bilingual text. A verdict already recorded is never changed
 *   (only `delivered` rows are touched), and a result made before the message's hand-off (a resent message has
 *   the same identifier) is not applied.
 * - SummaryResult: each summary message (one pack) is stored per day, message type and sending party, with its
 *   counts and the good and failed invoices (turnkey_summary_results), for the daily reconciliation.
 * - E0501: imported through the API's E0501 import (the same checks as an upload), as the system caller
 *   `system:turnkey-unpack`; the import's filename is the file's place under Unpack/BAK.
 *
 * Day folders older than `lookbackDays` (by their yyyyMMdd name) are not walked: their files were read when
 * they were new. Folders with other names are always walked.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SystemCaller } from '@app/api/services';
import type { Database, Tx } from '@app/db';
import {
  commonNameInstant,
  e0501FileErrorReason,
  isDomainError,
  normaliseResultDate,
  PROCESS_RESULT_SUCCESS,
  type ProcessResultFile,
  parseCommonName,
  parseProcessResult,
  parseSummaryResult,
  processResultIdentifiers,
  resultFileErrorReason,
  type SummaryResultFile,
  turnkeyError,
  turnkeyLogIdentifiers,
} from '@app/domain';
import { sql } from 'kysely';
import type { ApiServices } from '../api-services.ts';
import { settleMessages } from './settle.ts';

export const UNPACK_KINDS = ['ProcessResult', 'SummaryResult', 'E0501'] as const;
export type UnpackKind = (typeof UNPACK_KINDS)[number];

/** Larger files are refused (a SummaryResult holds at most 5000 packs; a day's is far smaller in practice). */
export const UNPACK_MAX_BYTES = 64 * 1024 * 1024;

/**
 * How much earlier than our hand-off Turnkey's clock may stamp a pack and its result still be taken for this
 * hand-off. Kept short (the poller allows 5 min): a verdict skipped here still comes through the poller,
 * while one taken wrongly would settle a resent message with its previous attempt's answer.
 */
const SKEW_MS = 60_000;

const SYSTEM: SystemCaller = { kind: 'system', name: 'turnkey-unpack' };

export type UnpackFile = {
  kind: UnpackKind;
  path: string;
  /** Path relative to Unpack/BAK, with `/`. */
  rel: string;
  size: number;
  mtimeMs: number;
};

export const unpackRoot = (root: string) => join(root, 'Unpack', 'BAK');

/** Temp names a writer uses before its rename, and hidden files: never read. */
const isTemp = (name: string) => name.startsWith('.') || /\.(tmp|part|partial|swp|lock)$/i.test(name);

/** `yyyyMMdd` (Asia/Taipei) `days` before `now`. */
function taipeiDayBefore(now: Date, days: number): string {
  const t = new Date(now.getTime() + 8 * 3_600_000 - days * 86_400_000);
  return t.toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * The files waiting under Unpack/BAK, oldest first within each kind (ProcessResult, then SummaryResult, then
 * E0501). A missing Unpack/BAK or kind folder is an empty list (a fresh Turnkey); files younger than
 * `settleMs` are left for the next run (a writer that does not rename atomically may still be writing).
 */
export async function listUnpackFiles(
  root: string,
  opts: { now: Date; lookbackDays: number; settleMs: number },
): Promise<UnpackFile[]> {
  const cutoff = taipeiDayBefore(opts.now, opts.lookbackDays);
  const out: UnpackFile[] = [];
  const walk = async (kind: UnpackKind, dir: string, rel: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || (code === 'ENOTDIR' && depth > 0)) return;
      throw e;
    }
    const found: UnpackFile[] = [];
    for (const d of entries) {
      if (isTemp(d.name)) continue;
      const path = join(dir, d.name);
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        // Day folders (yyyyMMdd) at the top are skipped once older than the look-back.
        if (depth === 0 && /^\d{8}$/.test(d.name) && d.name < cutoff) continue;
        if (depth < 4) await walk(kind, path, r, depth + 1);
      } else if (d.isFile()) {
        try {
          const st = await stat(path);
          if (opts.now.getTime() - st.mtimeMs < opts.settleMs) continue;
          found.push({ kind, path, rel: `${kind}/${r}`, size: st.size, mtimeMs: st.mtimeMs });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // taken away meanwhile
        }
      }
    }
    out.push(...found);
  };
  for (const kind of UNPACK_KINDS) {
    const before = out.length;
    await walk(kind, join(unpackRoot(root), kind), '', 0);
    const mine = out.splice(before).sort((a, b) => a.mtimeMs - b.mtimeMs || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    out.push(...mine);
  }
  return out;
}

export type UnpackDeps = {
  db: Database;
  /** The API's services (the E0501 import). Without them E0501 files wait. */
  api?: (() => Promise<Pick<ApiServices, 'tracks'>>) | undefined;
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void } | undefined;
};

export type FileOutcome =
  | { outcome: 'processed'; details: Record<string, unknown> }
  | { outcome: 'failed'; error: string; details?: Record<string, unknown> }
  /** Already recorded (another worker), or not possible now (no API services): try again later. */
  | { outcome: 'skipped'; reason: string };

type Claim = { id: string } | undefined;

/** Records `file` as read (once per kind + sha); undefined when another worker already did. */
async function claim(
  trx: Database | Tx,
  file: UnpackFile,
  sha: string,
  o: { outcome: 'processed' | 'failed'; error?: string; details?: Record<string, unknown> },
): Promise<Claim> {
  return trx
    .insertInto('turnkey_unpacked_files')
    .values({
      kind: file.kind,
      sha256: sha,
      path: file.rel.slice(-1000),
      size_bytes: file.size,
      outcome: o.outcome,
      error: o.error?.slice(0, 2000) ?? null,
      details: JSON.stringify(o.details ?? {}),
    })
    .onConflict((c) => c.columns(['kind', 'sha256']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

async function setDetails(trx: Tx, id: string, details: Record<string, unknown>): Promise<void> {
  await trx
    .updateTable('turnkey_unpacked_files')
    .set({ details: JSON.stringify(details) })
    .where('id', '=', id)
    .execute();
}

export const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

export async function alreadyUnpacked(db: Database, kind: UnpackKind, sha: string): Promise<boolean> {
  const r = await db
    .selectFrom('turnkey_unpacked_files')
    .select('id')
    .where('kind', '=', kind)
    .where('sha256', '=', sha)
    .executeTakeFirst();
  return r !== undefined;
}

/** A parse failure (recorded, not retried) or something else (thrown: the run fails and is retried). */
function parseFailure(e: unknown): string | undefined {
  return resultFileErrorReason(e) || e0501FileErrorReason(e) ? `${(e as Error).message}` : undefined;
}

// ---- ProcessResult ---------------------------------------------------------------------------------------------

type Waiting = { id: string; identifier: string; delivered_at: Date };

/** Applies a ProcessResult's verdicts to the messages still waiting for them. */
async function applyProcessResult(trx: Tx, file: UnpackFile, pr: ProcessResultFile): Promise<Record<string, unknown>> {
  const common = parseCommonName(pr.message.id);
  const type = pr.message.messageType || common?.messageType;
  const details: Record<string, unknown> = {
    packId: pr.message.id ?? null,
    messageType: type ?? null,
    entries: pr.entries.length,
  };
  if (!type) return { ...details, note: 'no MessageType: nothing can be matched' };
  // The pack's time (its common name); without one, when Turnkey wrote the file (not earlier than the pack).
  const packAt = (common && commonNameInstant(common)) ?? new Date(file.mtimeMs);

  const candidates = pr.entries.map((e) => processResultIdentifiers(type, e));
  const all = [...new Set(candidates.flat())];
  if (all.length === 0) return { ...details, accepted: 0, rejected: 0, notWaiting: pr.entries.length, tooOld: 0, ambiguous: 0 };
  // E0401/E0402: the platform's reference may leave out the YearMonth our identifier ends with (inferred from
  // [HO], who matches BranchBan+Track+Type anywhere): a waiting message whose identifier is a candidate + a
  // YearMonth matches too. F/G: exact identifiers only.
  const prefixMatch = type.startsWith('E');
  let q = trx
    .selectFrom('turnkey_messages')
    .select(['id', 'identifier', 'delivered_at'])
    .where('status', '=', 'delivered')
    .where('message_type', '=', type);
  if (!prefixMatch) q = q.where(sql<boolean>`identifier = ANY(${all}::text[])`);
  // No row locks: every update below is guarded by `status = 'delivered'`, so the poller and this job can
  // both answer a message and the first one wins.
  const waiting = (await q.execute()) as Waiting[];
  const matches = (id: string, cand: string) => turnkeyLogIdentifiers(id).includes(cand);

  const accepted: string[] = [];
  const rejected: { id: string; code: string; text: string }[] = [];
  let notWaiting = 0;
  let tooOld = 0;
  let ambiguous = 0;
  const decided = new Map<string, number>(); // message id → entry index (the last entry about it wins)
  pr.entries.forEach((_, i) => {
    const rows = waiting.filter((w) => (candidates[i] ?? []).some((c) => matches(w.identifier, c)));
    if (rows.length === 0) notWaiting++;
    else if (rows.length > 1 && prefixMatch) ambiguous++;
    else for (const r of rows) decided.set(r.id, i);
  });
  for (const [id, i] of decided) {
    const row = waiting.find((w) => w.id === id) as Waiting;
    if (row.delivered_at.getTime() - SKEW_MS > packAt.getTime()) {
      tooOld++;
      continue;
    }
    const entry = pr.entries[i] as ProcessResultFile['entries'][number];
    if (entry.code === PROCESS_RESULT_SUCCESS) accepted.push(id);
    else {
      // The entry's own code leads the text, so turnkeyError takes it (and its MOF wording in both languages).
      const err = turnkeyError({ errorCode: entry.code, messages: [`${entry.code} ${entry.description ?? ''}`] });
      const text = [err.zh, err.en, err.detail].filter(Boolean).join(' | ');
      rejected.push({ id, code: err.code, text: text.slice(0, 2000) });
    }
  }
  await settleMessages(trx, [
    ...accepted.map((id) => ({ id, outcome: 'accepted' as const })),
    ...rejected.map((r) => ({ id: r.id, outcome: 'rejected' as const, code: r.code, text: r.text })),
  ]);
  return { ...details, accepted: accepted.length, rejected: rejected.length, notWaiting, tooOld, ambiguous };
}

// ---- SummaryResult ---------------------------------------------------------------------------------------------

const isoDay = (ymd: string) => `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;

/** Stores a SummaryResult's messages (one row per pack; the same pack again replaces its row). */
async function storeSummaryResult(
  trx: Tx,
  fileId: string,
  file: UnpackFile,
  sha: string,
  sr: SummaryResultFile,
): Promise<Record<string, unknown>> {
  const party = sr.routing.fromPartyId ?? '';
  // A pack's day is in its common name. Without one (unverified that real files always have it): a yyyyMMdd in
  // the file name, else the day before the folder's day (Turnkey fetches a day's summary the next day).
  const nameDay = [...(file.rel.split('/').at(-1) ?? '').matchAll(/(?<!\d)(\d{8})(?!\d)/g)]
    .map((m) => m[1] as string)
    .find((d) => normaliseResultDate(d) === d);
  const folderDay = /^[^/]+\/(\d{8})\//.exec(file.rel)?.[1];
  const fallbackDay =
    (nameDay && isoDay(nameDay)) ||
    (folderDay && normaliseResultDate(folderDay)
      ? new Date(Date.parse(`${isoDay(folderDay)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
      : undefined);
  const rows = new Map<string, Parameters<typeof insertSummaryRow>[1]>();
  const skipped: string[] = [];
  sr.messages.forEach((m, i) => {
    const common = parseCommonName(m.info.id);
    const type = m.info.messageType || common?.messageType;
    const day = common ? isoDay(common.day) : fallbackDay;
    if (!type || !day) {
      skipped.push(`Message #${i + 1}: ${type ? 'no day' : 'no MessageType'}`);
      return;
    }
    const packId = m.info.id || `${sha}#${i}`;
    rows.set(`${day}\u0000${type}\u0000${packId}`, {
      day,
      message_type: type,
      party_id: party,
      pack_id: packId.slice(0, 200),
      pack_at: (common && commonNameInstant(common)) ?? null,
      total_count: m.total.count,
      good_count: m.good.count,
      failed_count: m.failed.count,
      listed: m.listed,
      good: JSON.stringify(m.good.invoices),
      failed: JSON.stringify(m.failed.invoices),
      file_id: fileId,
    });
  });
  for (const row of rows.values()) await insertSummaryRow(trx, row);
  return {
    partyId: party,
    messages: sr.messages.length,
    stored: rows.size,
    days: [...new Set([...rows.values()].map((r) => r.day))].sort(),
    ...(skipped.length ? { skipped } : {}),
    ...(sr.warnings.length ? { warnings: sr.warnings.map((w) => w.message) } : {}),
  };
}

async function insertSummaryRow(
  trx: Tx,
  row: {
    day: string;
    message_type: string;
    party_id: string;
    pack_id: string;
    pack_at: Date | null;
    total_count: number;
    good_count: number;
    failed_count: number;
    listed: boolean;
    good: string;
    failed: string;
    file_id: string;
  },
): Promise<void> {
  await trx
    .insertInto('turnkey_summary_results')
    .values(row)
    .onConflict((c) =>
      c.columns(['day', 'message_type', 'party_id', 'pack_id']).doUpdateSet((eb) => ({
        pack_at: eb.ref('excluded.pack_at'),
        total_count: eb.ref('excluded.total_count'),
        good_count: eb.ref('excluded.good_count'),
        failed_count: eb.ref('excluded.failed_count'),
        listed: eb.ref('excluded.listed'),
        good: eb.ref('excluded.good'),
        failed: eb.ref('excluded.failed'),
        file_id: eb.ref('excluded.file_id'),
        updated_at: sql`now()`,
      })),
    )
    .execute();
}

// ---- one file --------------------------------------------------------------------------------------------------

/** Reads one file and does what its kind asks, once. */
export async function unpackFile(deps: UnpackDeps, file: UnpackFile, buf: Buffer): Promise<FileOutcome> {
  const { db } = deps;
  const sha = sha256(buf);
  const recordFailure = async (error: string, details?: Record<string, unknown>): Promise<FileOutcome> => {
    const c = await claim(db, file, sha, { outcome: 'failed', error, ...(details ? { details } : {}) });
    return c ? { outcome: 'failed', error, ...(details ? { details } : {}) } : { outcome: 'skipped', reason: 'already recorded' };
  };

  if (file.kind === 'E0501') {
    if (!deps.api) return { outcome: 'skipped', reason: 'no API services in this process: E0501 files wait' };
    const api = await deps.api();
    let r: Awaited<ReturnType<ApiServices['tracks']['importFile']>>;
    try {
      r = await api.tracks.importFile(SYSTEM, { filename: `Unpack/BAK/${file.rel}`.slice(-255), data: buf });
    } catch (e) {
      const why = parseFailure(e);
      if (why === undefined) throw e;
      return recordFailure(why, { reason: isDomainError(e) ? (e.details as { reason?: string })?.reason : undefined });
    }
    const v = r.view;
    const details = {
      importId: v.id,
      sameFileImportedBefore: !r.created,
      entries: v.total,
      accepted: v.accepted,
      duplicate: v.duplicate,
      rejected: v.rejected,
    };
    const c = await claim(db, file, sha, { outcome: 'processed', details });
    return c ? { outcome: 'processed', details } : { outcome: 'skipped', reason: 'already recorded' };
  }

  let parsed: ProcessResultFile | SummaryResultFile;
  try {
    parsed =
      file.kind === 'ProcessResult'
        ? parseProcessResult(buf, { maxBytes: UNPACK_MAX_BYTES })
        : parseSummaryResult(buf, { maxBytes: UNPACK_MAX_BYTES });
  } catch (e) {
    const why = parseFailure(e);
    if (why === undefined) throw e;
    return recordFailure(why, { reason: resultFileErrorReason(e) });
  }
  return db.transaction().execute(async (trx): Promise<FileOutcome> => {
    // Claimed first: a second worker on the same file waits on the unique key, then finds it done.
    const c = await claim(trx, file, sha, { outcome: 'processed' });
    if (!c) return { outcome: 'skipped', reason: 'already recorded' };
    const details =
      parsed.kind === 'ProcessResult'
        ? await applyProcessResult(trx, file, parsed)
        : await storeSummaryResult(trx, c.id, file, sha, parsed);
    await setDetails(trx, c.id, details);
    return { outcome: 'processed', details };
  });
}

// ---- a run -----------------------------------------------------------------------------------------------------

export type UnpackRun = {
  listed: number;
  processed: number;
  failed: number;
  skipped: number;
  accepted: number;
  rejected: number;
};

/**
 * Reads the given files (listed by `listUnpackFiles`): a file this process already saw unchanged
 * (`seen`: kind, path, size and mtime) is passed over without reading; else it is read and hashed, and a
 * known hash is passed over too. Stops taking new files after `budgetMs`.
 */
export async function unpackFiles(
  deps: UnpackDeps & { seen: Set<string>; budgetMs?: number; signal?: AbortSignal },
  files: readonly UnpackFile[],
): Promise<UnpackRun> {
  const started = Date.now();
  const run: UnpackRun = { listed: files.length, processed: 0, failed: 0, skipped: 0, accepted: 0, rejected: 0 };
  for (const f of files) {
    deps.signal?.throwIfAborted();
    if (deps.budgetMs !== undefined && Date.now() - started > deps.budgetMs) break;
    const key = `${f.kind}\u0000${f.rel}\u0000${f.size}\u0000${f.mtimeMs}`;
    if (deps.seen.has(key)) continue;
    let buf: Buffer;
    try {
      buf = await readFile(f.path);
    } catch (e) {
      // Gone meanwhile, or not readable yet (permissions): tried again at the next run.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        deps.log?.warn({ err: e, file: f.rel }, 'cannot read a Turnkey result file');
      continue;
    }
    if (await alreadyUnpacked(deps.db, f.kind, sha256(buf))) {
      deps.seen.add(key);
      continue;
    }
    const r = await unpackFile(deps, f, buf);
    if (r.outcome === 'skipped') {
      run.skipped++;
      if (r.reason === 'already recorded') deps.seen.add(key);
      continue;
    }
    deps.seen.add(key);
    if (r.outcome === 'failed') {
      run.failed++;
      deps.log?.warn(
        { file: f.rel, kind: f.kind, error: r.error },
        'a Turnkey result file could not be read; recorded, not retried',
      );
    } else {
      run.processed++;
      if (f.kind === 'ProcessResult') {
        run.accepted += Number(r.details['accepted'] ?? 0);
        run.rejected += Number(r.details['rejected'] ?? 0);
      }
      deps.log?.info({ file: f.rel, kind: f.kind, ...r.details }, 'Turnkey result file read');
    }
  }
  return run;
}
