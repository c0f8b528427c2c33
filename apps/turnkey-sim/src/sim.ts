/**
 * The Turnkey stand-in: takes MIG files from UpCast/…/SRC, validates them (official XSD + a few business
 * rules), records them in TURNKEY_MESSAGE_LOG (P → G → C, or E) with a TURNKEY_SYSEVENT_LOG row per error,
 * moves them to BAK or ERR, and writes the platform's ProcessResult and daily SummaryResult files under
 * Unpack/BAK — the way Turnkey does (einvoice-domain.md §5). It can be told to reject, stall or go down.
 *
 * One scan at a time ("cycle"): 1. take SRC files → P, then E (local rejection, file to ERR) or G (file to BAK,
 * packed per message type and seller, "uploaded"); 2. answer due packs → C or E and a ProcessResult file;
 * 3. after midnight (Asia/Taipei), the previous day's SummaryResult.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '@app/logger';
import type { XsdValidator } from '@app/xsd';
import {
  type CodeBook,
  type CodeText,
  errorText,
  LOCAL_CODES,
  LOCAL_VALIDATION_ERRORCODE,
  type LocalCodeKey,
  SUCCESS,
} from './codes.ts';
import type { SimConfig } from './config.ts';
import { bakDir, ensureSrcDirs, errDir, listSrc, moveInto, type SrcFile, srcDir, unpackDir, writeAtomic } from './layout.ts';
import {
  MESSAGE_TYPES,
  MESSAGES,
  type MessageFacts,
  type MessageSpec,
  type MessageType,
  PLATFORM_PARTY_ID,
  referenceOf,
  tryFacts,
} from './messages.ts';
import { type ModeInput, type ModeState, rejects, toState } from './modes.ts';
import type { PendingRow, Repository } from './repository.ts';
import {
  type E0501Entry,
  e0501EnvelopeXml,
  type InvoiceRef,
  type Pack,
  packDay,
  packId,
  processResultXml,
  type ResultEntry,
  type SummaryMessage,
  summaryResultXml,
} from './results.ts';
import { fromDts, isDay, taipei } from './time.ts';
import { readXml, type XmlElement, XmlReadError } from './xml.ts';

export type SimOptions = Pick<
  SimConfig,
  | 'TURNKEY_ROOT'
  | 'TURNKEY_SIM_MODE'
  | 'TURNKEY_SIM_REJECT_CODE'
  | 'TURNKEY_SIM_POLL_MS'
  | 'TURNKEY_SIM_REPLY_DELAY_MS'
  | 'TURNKEY_SIM_SETTLE_MS'
  | 'TURNKEY_SIM_BATCH_SIZE'
  | 'TURNKEY_SIM_DUPLICATE_CHECK'
  | 'TURNKEY_SIM_ROUTING_ID'
  | 'TURNKEY_SIM_DOWN_LOCK_ACCOUNTS'
>;

export type SimDeps = {
  options: SimOptions;
  repo: Repository;
  xsd: Pick<XsdValidator, 'validate'>;
  codes: CodeBook;
  log: Logger;
  /** The clock (tests may pin it). */
  now?: () => Date;
};

export type CycleReport = {
  skipped?: 'down';
  taken: number;
  localRejected: number;
  uploaded: number;
  accepted: number;
  rejected: number;
  summaries: string[];
};

export class SimInputError extends Error {
  override readonly name = 'SimInputError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Taken = {
  file: SrcFile;
  text: string | undefined;
  doc: XmlElement | undefined;
  facts: MessageFacts | undefined;
  failure: { key: LocalCodeKey; detail: string } | undefined;
};

export function createTurnkeySim(deps: SimDeps) {
  const { options: o, repo, xsd, codes, log } = deps;
  const clock = deps.now ?? (() => new Date());
  const specs = MESSAGE_TYPES.map((t) => MESSAGES[t]);

  let mode: ModeState = toState(
    o.TURNKEY_SIM_MODE === 'reject' ? { mode: 'reject', code: o.TURNKEY_SIM_REJECT_CODE } : { mode: o.TURNKEY_SIM_MODE },
    clock(),
    o.TURNKEY_SIM_REJECT_CODE,
  );
  let pending: PendingRow[] = [];
  /** Duplicate check: `<family head><reference number>` → type of the last accepted message about that number. */
  const lastAccepted = new Map<string, string>();
  let summaryDay = taipei(clock()).day;
  /** SRC files that could not be moved away (path + mtime + size): not taken again until they change. */
  const stuck = new Set<string>();
  const stuckKey = (f: SrcFile) => `${f.path}\u0000${f.mtimeMs}\u0000${f.size}`;
  let running: Promise<CycleReport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  const familyKey = (type: string, ref: string) => {
    const spec = MESSAGES[type as MessageType];
    return spec && spec.family.length > 0 ? `${spec.family[0]}:${ref}` : undefined;
  };
  const remember = (type: string, identifier: string) => {
    const key = familyKey(type, referenceOf(identifier));
    if (key) lastAccepted.set(key, type);
  };

  // ---- 1. take files from SRC ------------------------------------------------------------------------------

  /** Reads a SRC file as UTF-8 text; `undefined` when it vanished meanwhile (taken by someone else). */
  function readOne(file: SrcFile): Pick<Taken, 'text' | 'failure'> | undefined {
    let buf: Buffer;
    try {
      buf = readFileSync(file.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return { text: undefined, failure: { key: 'unreadable', detail: (e as Error).message } };
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buf); // drops a BOM
    } catch {
      return { text: undefined, failure: { key: 'unreadable', detail: 'the file is not valid UTF-8' } };
    }
    const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(text)?.[1]?.toLowerCase();
    if (declared && declared !== 'utf-8' && declared !== 'utf8') {
      return { text, failure: { key: 'unreadable', detail: `encoding "${declared}" is not supported; write UTF-8` } };
    }
    return { text, failure: undefined };
  }

  async function takeType(spec: MessageSpec, now: Date): Promise<Pick<CycleReport, 'taken' | 'localRejected' | 'uploaded'>> {
    const files = listSrc(srcDir(o.TURNKEY_ROOT, spec), o.TURNKEY_SIM_SETTLE_MS, now.getTime(), o.TURNKEY_SIM_BATCH_SIZE).filter(
      (f) => !stuck.has(stuckKey(f)),
    );
    const taken: Taken[] = files.flatMap((file) => {
      const r = readOne(file);
      return r ? [{ file, ...r, doc: undefined, facts: undefined }] : [];
    });
    if (taken.length === 0) return { taken: 0, localRejected: 0, uploaded: 0 };

    for (const t of taken) {
      if (t.text === undefined || t.failure) continue;
      try {
        t.doc = readXml(t.text);
        t.facts = tryFacts(spec, t.doc);
      } catch (e) {
        if (!(e instanceof XmlReadError)) throw e;
        t.failure = { key: 'unreadable', detail: e.message };
      }
    }
    // The official XSD (libxml2 through @app/xsd): its verdict on structure and values is final.
    const parsed = taken.filter((t) => t.doc && !t.failure);
    const verdicts = await xsd.validate(
      spec.type,
      parsed.map((t) => ({ name: t.file.name, xml: t.text as string })),
    );
    parsed.forEach((t, i) => {
      const v = verdicts[i];
      if (!v?.ok) t.failure = { key: 'schema', detail: (v?.errors ?? ['no verdict']).slice(0, 5).join(' | ') };
    });
    // Then the business rules the XSD cannot express.
    for (const t of parsed) {
      if (t.failure || !t.doc) continue;
      const broken = spec.rules(t.doc);
      if (broken.length > 0) {
        // A BAN failure outranks the other rules (it has its own code).
        const first = broken.find((b) => b.code === 'ban') ?? (broken[0] as (typeof broken)[number]);
        t.failure = { key: first.code, detail: broken.map((b) => b.message).join(' | ') };
      }
    }

    const at = taipei(now);
    const seqnos = await repo.nextSeqnos(taken.length);
    const routing = await repo.routingIds([...new Set(taken.flatMap((t) => (t.facts ? [t.facts.fromPartyId] : [])))]);
    const routingOf = (party: string) => routing.get(party) ?? (o.TURNKEY_SIM_ROUTING_ID || party);
    const packs = new Map<string, { keys: { seqno: string; subseqno: string }[]; party: string; refs: Taken[] }>();
    let localRejected = 0;

    for (const [i, t] of taken.entries()) {
      const seqno = seqnos[i] as string;
      const key = { seqno, subseqno: '00001' };
      const party = t.facts?.fromPartyId ?? '';
      await repo.insertMessage({
        SEQNO: seqno,
        SUBSEQNO: key.subseqno,
        UUID: null,
        MESSAGE_TYPE: spec.type,
        CATEGORY_TYPE: spec.categoryType,
        PROCESS_TYPE: spec.processType,
        FROM_PARTY_ID: party.slice(0, 10),
        TO_PARTY_ID: PLATFORM_PARTY_ID,
        MESSAGE_DTS: at.dts,
        CHARACTER_COUNT: String(t.text?.length ?? t.file.size),
        STATUS: 'P',
        IN_OUT_BOUND: 'O',
        FROM_ROUTING_ID: party ? routingOf(party).slice(0, 39) : '',
        TO_ROUTING_ID: PLATFORM_PARTY_ID,
        INVOICE_IDENTIFIER: t.facts?.invoiceIdentifier ?? null,
      });
      let moved: string;
      try {
        moved = moveInto(t.file.path, (t.failure ? errDir : bakDir)(o.TURNKEY_ROOT, spec, at), seqno);
      } catch (err) {
        // A file that cannot be moved would be taken again at every scan: record it once, then skip it.
        stuck.add(stuckKey(t.file));
        log.error({ err, file: t.file.path, seqno }, 'cannot move the file out of SRC; it is skipped until it changes');
        t.failure = { key: 'unreadable', detail: `the file cannot be moved out of SRC: ${(err as Error).message}` };
        moved = t.file.path;
      }
      if (t.failure) {
        localRejected++;
        const c = LOCAL_CODES[t.failure.key];
        await repo.putDetail([key], { task: 'UpCast', status: 'E', dts: at.dts, filename: moved });
        await repo.setStatus([key], 'E');
        await repo.insertSysEvent({
          dts: at.dts,
          partyId: party || null,
          seqno,
          subseqno: key.subseqno,
          errorCode: LOCAL_VALIDATION_ERRORCODE,
          uuid: null,
          information: [t.facts?.invoiceIdentifier ?? '', t.file.name, spec.type],
          message: `${c.code} ${c.zh} (${c.en}) ${t.failure.detail}`,
        });
        log.info({ file: t.file.name, seqno, code: c.code, detail: t.failure.detail }, 'message rejected before upload');
        continue;
      }
      await repo.putDetail([key], { task: 'UpCast', status: 'C', dts: at.dts, filename: moved });
      const pack = packs.get(party) ?? { keys: [], party, refs: [] };
      pack.keys.push(key);
      pack.refs.push(t);
      packs.set(party, pack);
    }

    // Pack (≤ 1000 per message type and seller, one UUID each) and "send".
    let uploaded = 0;
    for (const pack of packs.values()) {
      const uuid = randomUUID();
      const id = packId(spec.type, at.day, at.time9, uuid);
      await repo.setStatus(pack.keys, 'G', uuid);
      await repo.putDetail(pack.keys, { task: 'Pack', status: 'C', dts: at.dts, filename: id, uuid });
      await repo.putDetail(pack.keys, { task: 'SendFile', status: 'C', dts: at.dts, filename: id, uuid });
      pack.keys.forEach((k, j) => {
        const t = pack.refs[j] as Taken;
        pending.push({
          ...k,
          uuid,
          packId: id,
          messageType: spec.type,
          invoiceIdentifier: t.facts?.invoiceIdentifier ?? '',
          fromPartyId: pack.party,
          fromRoutingId: routingOf(pack.party),
          characterCount: t.text?.length ?? 0,
          sentDts: at.dts,
        });
      });
      uploaded += pack.keys.length;
      log.debug({ messageType: spec.type, uuid, count: pack.keys.length }, 'pack uploaded');
    }
    return { taken: taken.length, localRejected, uploaded };
  }

  // ---- 2. the platform's replies ---------------------------------------------------------------------------

  /**
   * The platform's answer to one message: the reject mode's code when it applies, E0201 when the last accepted
   * message about the same number (here or earlier in this pack, `thisPack`) is of the same type, else success.
   */
  function decide(row: PendingRow, thisPack: Map<string, string>): { code: CodeText; ok: boolean } {
    const ref = row.messageType.startsWith('E') ? '' : referenceOf(row.invoiceIdentifier);
    if (rejects(mode, row.messageType, ref)) {
      const c = codes.get(mode.code as string) ?? { code: mode.code as string, zh: '', en: '' };
      return { code: c, ok: false };
    }
    const key = o.TURNKEY_SIM_DUPLICATE_CHECK ? familyKey(row.messageType, ref) : undefined;
    if (key) {
      if ((thisPack.get(key) ?? lastAccepted.get(key)) === row.messageType) {
        return { code: codes.get('E0201') ?? { code: 'E0201', zh: '訊息重複', en: 'Message is repeated.' }, ok: false };
      }
      thisPack.set(key, row.messageType);
    }
    return { code: { code: SUCCESS.code, zh: SUCCESS.zh, en: '' }, ok: true };
  }

  async function reply(now: Date): Promise<Pick<CycleReport, 'accepted' | 'rejected'>> {
    if (mode.mode === 'stall' && mode.stage === 'G') return { accepted: 0, rejected: 0 };
    const delay = mode.delayMs ?? o.TURNKEY_SIM_REPLY_DELAY_MS;
    const due = pending.filter((p) => now.getTime() - fromDts(p.sentDts).getTime() >= delay);
    if (due.length === 0) return { accepted: 0, rejected: 0 };
    const at = taipei(now);
    const byPack = new Map<string, PendingRow[]>();
    for (const p of due) byPack.set(p.uuid, [...(byPack.get(p.uuid) ?? []), p]);
    let accepted = 0;
    let rejected = 0;
    for (const rows of byPack.values()) {
      const first = rows[0] as PendingRow;
      const thisPack = new Map<string, string>();
      const decisions = rows.map((r) => decide(r, thisPack));
      const pack: Pack = {
        uuid: first.uuid,
        id: first.packId,
        messageType: first.messageType as MessageType,
        service: MESSAGES[first.messageType as MessageType]?.category ?? '',
        size: rows.reduce((n, r) => n + r.characterCount, 0),
        fromPartyId: first.fromPartyId,
        fromRoutingId: first.fromRoutingId,
      };
      const entries: ResultEntry[] = rows.map((r, i) => {
        const d = decisions[i] as (typeof decisions)[number];
        const e04 = r.messageType.startsWith('E');
        return {
          code: d.code.code,
          description: d.ok ? d.code.zh : `${d.code.zh} ${d.code.en}`.trim(),
          referenceNumber: e04 ? r.invoiceIdentifier.slice(5) : referenceOf(r.invoiceIdentifier),
          date: e04 ? '' : r.invoiceIdentifier.slice(-8),
        };
      });
      const file = writeAtomic(
        unpackDir(o.TURNKEY_ROOT, 'ProcessResult', at),
        `ProcessResult-${pack.id}.xml`,
        processResultXml(pack, entries),
      );
      const good = rows.filter((_, i) => decisions[i]?.ok);
      const bad = rows.filter((_, i) => !decisions[i]?.ok);
      await repo.putDetail(good, { task: 'ReceiveFile', status: 'C', dts: at.dts, filename: file, uuid: pack.uuid });
      await repo.putDetail(bad, { task: 'ReceiveFile', status: 'E', dts: at.dts, filename: file, uuid: pack.uuid });
      await repo.setStatus(good, 'C');
      await repo.setStatus(bad, 'E');
      for (const [i, r] of rows.entries()) {
        const d = decisions[i] as (typeof decisions)[number];
        if (d.ok) continue;
        // ERRORCODE is VARCHAR(4) and cannot hold E0201: the platform code leads the message text, where
        // [HO] finds it (regex E\d{4}). The real column value for platform errors is unknown; left NULL.
        await repo.insertSysEvent({
          dts: at.dts,
          partyId: r.fromPartyId || null,
          seqno: r.seqno,
          subseqno: r.subseqno,
          errorCode: null,
          uuid: r.uuid,
          information: [r.invoiceIdentifier, basename(file), r.messageType],
          message: errorText(d.code),
        });
      }
      for (const r of good) remember(r.messageType, r.invoiceIdentifier); // only once it is recorded
      accepted += good.length;
      rejected += bad.length;
      const done = new Set(rows);
      pending = pending.filter((p) => !done.has(p));
      log.info(
        { messageType: pack.messageType, uuid: pack.uuid, accepted: good.length, rejected: bad.length },
        'platform replied',
      );
    }
    return { accepted, rejected };
  }

  // ---- 3. SummaryResult -----------------------------------------------------------------------------------

  /** Writes the SummaryResult files (one per sending party) of the messages uploaded on `day`. Returns their paths. */
  async function writeSummary(day = taipei(clock()).day): Promise<string[]> {
    if (!isDay(day)) throw new SimInputError('BAD_DATE', `date must be yyyyMMdd, got "${day}"`);
    const rows = await repo.answeredOn(day);
    const byParty = new Map<string, Map<string, typeof rows>>();
    for (const r of rows) {
      if (packDay(r.packId) !== day) continue;
      const packs = byParty.get(r.fromPartyId) ?? new Map<string, typeof rows>();
      packs.set(r.uuid, [...(packs.get(r.uuid) ?? []), r]);
      byParty.set(r.fromPartyId, packs);
    }
    const at = taipei(clock());
    const files: string[] = [];
    for (const [party, packs] of byParty) {
      const messages: SummaryMessage[] = [...packs.values()].map((msgs) => {
        const m0 = msgs[0] as (typeof msgs)[number];
        const ref = (r: (typeof msgs)[number]): InvoiceRef => ({
          referenceNumber: referenceOf(r.invoiceIdentifier),
          date: r.invoiceIdentifier.slice(-8),
        });
        return {
          pack: {
            uuid: m0.uuid,
            id: m0.packId,
            messageType: m0.messageType as MessageType,
            service: MESSAGES[m0.messageType as MessageType]?.category ?? '',
            size: msgs.reduce((n, r) => n + r.characterCount, 0),
            fromPartyId: party,
            fromRoutingId: m0.fromRoutingId,
          },
          good: msgs.filter((r) => r.status === 'C').map(ref),
          failed: msgs.filter((r) => r.status !== 'C').map(ref),
        };
      });
      const fromRoutingId = messages[0]?.pack.fromRoutingId ?? party;
      files.push(
        writeAtomic(
          unpackDir(o.TURNKEY_ROOT, 'SummaryResult', at),
          `SummaryResult-${party || 'unknown'}-${day}.xml`,
          summaryResultXml({ fromPartyId: party, fromRoutingId }, messages),
        ),
      );
    }
    if (files.length) log.info({ day, files }, 'SummaryResult written');
    return files;
  }

  // ---- the cycle, modes, lifecycle ---------------------------------------------------------------------------

  async function expireMode(now: Date): Promise<void> {
    if (mode.until && now.getTime() >= Date.parse(mode.until)) {
      log.info({ mode: mode.mode }, 'timed mode over; back to accept');
      await setMode({ mode: 'accept' });
    }
  }

  async function cycle(): Promise<CycleReport> {
    const now = clock();
    await expireMode(now);
    const report: CycleReport = { taken: 0, localRejected: 0, uploaded: 0, accepted: 0, rejected: 0, summaries: [] };
    if (mode.mode === 'down') return { ...report, skipped: 'down' };
    const today = taipei(now).day;
    if (today !== summaryDay) {
      report.summaries = await writeSummary(summaryDay);
      summaryDay = today;
    }
    if (!(mode.mode === 'stall' && mode.stage === 'SRC')) {
      for (const spec of specs) {
        const r = await takeType(spec, now);
        report.taken += r.taken;
        report.localRejected += r.localRejected;
        report.uploaded += r.uploaded;
      }
    }
    Object.assign(report, await reply(now));
    return report;
  }

  /** Runs one cycle now (after the one in progress, if any). */
  function pollOnce(): Promise<CycleReport> {
    const run = (running ?? Promise.resolve()).catch(() => {}).then(cycle);
    running = run;
    void run.finally(() => {
      if (running === run) running = undefined;
    });
    return run;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      pollOnce()
        .catch((err) => log.error({ err }, 'cycle failed; retrying at the next poll'))
        .finally(schedule);
    }, o.TURNKEY_SIM_POLL_MS);
  }

  async function setMode(input: ModeInput): Promise<ModeState & { warnings?: string[] }> {
    if (input.mode === 'reject' && input.code && !codes.has(input.code)) {
      throw new SimInputError(
        'UNKNOWN_CODE',
        `${input.code} is not a Turnkey/platform code (see turnkey-3.2.0-message-codes.tsv)`,
      );
    }
    const before = mode.mode;
    mode = toState(input, clock(), o.TURNKEY_SIM_REJECT_CODE);
    let warnings: string[] = [];
    if (mode.mode === 'down' && before !== 'down')
      warnings = await repo.setAccountsLocked(o.TURNKEY_SIM_DOWN_LOCK_ACCOUNTS, true);
    if (mode.mode !== 'down' && before === 'down')
      warnings = await repo.setAccountsLocked(o.TURNKEY_SIM_DOWN_LOCK_ACCOUNTS, false);
    for (const w of warnings) log.warn({ warning: w }, 'could not change a database account');
    log.info({ mode }, 'mode changed');
    return warnings.length ? { ...mode, warnings } : { ...mode };
  }

  /** Leaves an E0501 file in Unpack/BAK/E0501/<day>/<hour>/ for the product's importer. */
  function dropE0501(
    input: { xml: string; name?: string } | { entries: E0501Entry[]; routingId?: string; name?: string },
  ): string {
    const at = taipei(clock());
    const name = input.name ?? `E0501-${at.dts}-${randomUUID().slice(0, 8)}.xml`;
    if (!/^[\w.-]{1,200}\.xml$/.test(name) || name.startsWith('.')) {
      throw new SimInputError('BAD_NAME', 'name must be a plain file name ending in .xml');
    }
    let xml: string;
    if ('xml' in input) xml = input.xml;
    else {
      const ban = input.entries[0]?.ban;
      if (!ban) throw new SimInputError('NO_ENTRIES', 'entries must hold at least one allocation');
      xml = e0501EnvelopeXml({ partyId: ban, routingId: input.routingId ?? ban }, input.entries);
    }
    const path = writeAtomic(unpackDir(o.TURNKEY_ROOT, 'E0501', at), name, xml);
    log.info({ path }, 'E0501 file dropped');
    return path;
  }

  async function start(): Promise<void> {
    await repo.applySchema();
    ensureSrcDirs(o.TURNKEY_ROOT, specs);
    pending = await repo.pendingReplies();
    if (o.TURNKEY_SIM_DUPLICATE_CHECK) {
      const types = specs.filter((s) => s.family.length > 0).map((s) => s.type);
      for (const r of await repo.acceptedMessages(types)) remember(r.messageType, r.invoiceIdentifier);
    }
    // A crash while down must not leave the product's accounts locked: the start-up mode decides.
    const problems = await repo.setAccountsLocked(o.TURNKEY_SIM_DOWN_LOCK_ACCOUNTS, mode.mode === 'down');
    for (const w of problems) log.warn({ warning: w }, 'could not change a database account');
    stopped = false;
    schedule();
  }

  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running?.catch(() => {});
  }

  return {
    start,
    stop,
    pollOnce,
    setMode,
    getMode: (): ModeState => ({ ...mode }),
    pendingCount: () => pending.length,
    writeSummary,
    dropE0501,
  };
}

export type TurnkeySim = ReturnType<typeof createTurnkeySim>;
