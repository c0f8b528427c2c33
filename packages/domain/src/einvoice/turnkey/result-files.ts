/**
 * The platform's result files as Turnkey leaves them in `Unpack/BAK/<type>/<yyyyMMdd>/<HH>/`
 * (einvoice-domain.md §5.4 items 5–6), read tolerantly: no real file was ever seen by this project.
 *
 * ProcessResult (one per uploaded pack; XSD `common/v40/ProcessResult.xsd`): RoutingInfo{From, FromVAC, To,
 * ToVAC}, MessageInfo{Id, Size, MessageType, Service, Action}, Result/Info (1..10000){Code, Description?,
 * Parameter0..4?}. Success is `00000` 訊息存證成功 ([HO]).
 *
 * SummaryResult (daily; XSD `common/v40/SummaryResult.xsd` + `GenericResult_4.0.xsd`): RoutingInfo,
 * DetailList/Message (1..5000){Info{Id, …}, Result{Total, Good, Failed}}, each detail {Count, Invoices/Invocie*
 * {ReferenceNumber, InvoiceDate}}. Real files parsed by [HO] say `ResultType` for the result, wrap each detail
 * in `ResultDetailType`, and spell `Invoice`; InvoiceDate is probably `yyyyMMdd` there (the XSD: `xsd:date`).
 *
 * Tolerance: elements are found by local name whatever their namespace (`urn:GEINV:…:3.0`, `:4.0`, `:4.1`, or
 * none) and case; both the XSD's and the real-world names are accepted, with or without the `DetailList` and
 * `ResultDetailType` wrappers and the `Invoices` wrapper; dates are normalised to `yyyyMMdd` (from
 * `yyyyMMdd`, `yyyy-MM-dd[zone]`, `yyyy/MM/dd`, and ROC `yyyMMdd` / `yyy/MM/dd`). Inconsistent counts (Total ≠
 * Good + Failed, a Count that disagrees with its list) are warnings, not failures. A file that is not XML, has
 * another root, or lacks what a result needs (a Code per ProcessResult entry, a readable Count) is refused with
 * a `DomainError` whose `details.reason` says why (`resultFileErrorReason`).
 */
import { DomainError, isDomainError } from '../../errors.ts';
import { decodeXmlBytes, readXmlTree, type XmlElement, type XmlTreeFail } from '../xml-tree.ts';

export const RESULT_FILE_ERROR_REASONS = [
  'FILE_TOO_LARGE',
  'ENCODING_UNSUPPORTED',
  'XML_DTD_FORBIDDEN',
  'XML_MALFORMED',
  'NOT_PROCESS_RESULT',
  'NOT_SUMMARY_RESULT',
  'STRUCTURE_INVALID',
] as const;
export type ResultFileErrorReason = (typeof RESULT_FILE_ERROR_REASONS)[number];

/** The error for a result file that cannot be read at all (`details`: reason, line). */
export function resultFileError(reason: ResultFileErrorReason, message: string, where: { line?: number | undefined } = {}) {
  return new DomainError(reason === 'FILE_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message, { reason, ...where });
}

/** The `reason` of an error thrown by the result-file parsers, or `undefined` for any other value. */
export function resultFileErrorReason(e: unknown): ResultFileErrorReason | undefined {
  if (!isDomainError(e) || typeof e.details !== 'object' || e.details === null) return undefined;
  const reason = (e.details as { reason?: unknown }).reason;
  return RESULT_FILE_ERROR_REASONS.find((r) => r === reason);
}

const fail: XmlTreeFail = (reason, message, where) => resultFileError(reason, message, where);

export type ResultFileOptions = { maxBytes: number };

export interface ResultRouting {
  fromPartyId?: string | undefined;
  fromRoutingId?: string | undefined;
  toPartyId?: string | undefined;
  toRoutingId?: string | undefined;
}

/** MessageInfo (ProcessResult) / Info (SummaryResult): the pack the result is about. */
export interface ResultMessageInfo {
  /** The pack's common name `<MIG>-<MSG>-<yyyyMMdd>-<HHmmssSSS>-<UUID>` ([RS]; [HO] splits it the same way). */
  id?: string | undefined;
  size?: string | undefined;
  messageType?: string | undefined;
  service?: string | undefined;
  action?: string | undefined;
}

export interface ResultFileWarning {
  readonly code:
    | 'TOTAL_NOT_GOOD_PLUS_FAILED'
    | 'COUNT_NOT_LIST_LENGTH'
    | 'DETAIL_MISSING'
    | 'DATE_UNREADABLE'
    | 'REFERENCE_MISSING';
  readonly message: string;
  /** 0-based index of the SummaryResult Message it is about. */
  readonly messageIndex?: number;
}

export interface ProcessResultEntry {
  code: string;
  description: string | undefined;
  /** Parameter0, Parameter1, … by their number ('' where one is absent). */
  parameters: string[];
  line: number | undefined;
}

export interface ProcessResultFile {
  kind: 'ProcessResult';
  namespace: string | undefined;
  routing: ResultRouting;
  message: ResultMessageInfo;
  entries: ProcessResultEntry[];
  warnings: ResultFileWarning[];
}

export interface SummaryInvoice {
  referenceNumber: string;
  /** `yyyyMMdd` when readable, else the text as written (a DATE_UNREADABLE warning says so). */
  invoiceDate: string;
}

export interface SummaryDetail {
  count: number;
  invoices: SummaryInvoice[];
}

export interface SummaryResultMessage {
  info: ResultMessageInfo;
  total: SummaryDetail;
  good: SummaryDetail;
  failed: SummaryDetail;
  /** Good and Failed name their invoices (each count is 0 or has a list): compare by invoice, else by count only. */
  listed: boolean;
}

export interface SummaryResultFile {
  kind: 'SummaryResult';
  namespace: string | undefined;
  routing: ResultRouting;
  messages: SummaryResultMessage[];
  warnings: ResultFileWarning[];
}

// ---- tree helpers ---------------------------------------------------------------------------------------------

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
/** The first child whose local name is one of `names` (any namespace, any case). */
const child = (el: XmlElement | undefined, ...names: string[]): XmlElement | undefined =>
  el?.children.find((c) => names.some((n) => same(c.local, n)));
const children = (el: XmlElement | undefined, ...names: string[]): XmlElement[] =>
  el?.children.filter((c) => names.some((n) => same(c.local, n))) ?? [];
const text = (el: XmlElement | undefined): string | undefined => (el === undefined ? undefined : el.text);

function readRoot(buf: Buffer, opts: ResultFileOptions, expected: 'ProcessResult' | 'SummaryResult'): XmlElement {
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes <= 0) throw new TypeError('maxBytes must be a positive integer');
  if (buf.byteLength > opts.maxBytes) {
    throw resultFileError('FILE_TOO_LARGE', `The file is ${buf.byteLength} bytes; at most ${opts.maxBytes} are read`);
  }
  if (buf.toString('latin1').trim() === '') throw resultFileError('XML_MALFORMED', 'The file is empty');
  const root = readXmlTree(decodeXmlBytes(buf, fail), fail);
  if (!same(root.local, expected)) {
    throw resultFileError(
      expected === 'ProcessResult' ? 'NOT_PROCESS_RESULT' : 'NOT_SUMMARY_RESULT',
      `The root element is <${root.local}>${root.ns ? ` in namespace ${root.ns}` : ''}, not <${expected}>`,
      { line: root.line },
    );
  }
  return root;
}

function readRouting(root: XmlElement): ResultRouting {
  const r = child(root, 'RoutingInfo');
  return {
    fromPartyId: text(child(child(r, 'From'), 'PartyId')),
    fromRoutingId: text(child(child(r, 'FromVAC'), 'RoutingId')),
    toPartyId: text(child(child(r, 'To'), 'PartyId')),
    toRoutingId: text(child(child(r, 'ToVAC'), 'RoutingId')),
  };
}

function readInfo(el: XmlElement | undefined): ResultMessageInfo {
  return {
    id: text(child(el, 'Id')),
    size: text(child(el, 'Size')),
    messageType: text(child(el, 'MessageType')),
    service: text(child(el, 'Service')),
    action: text(child(el, 'Action')),
  };
}

// ---- ProcessResult --------------------------------------------------------------------------------------------

/** Reads a ProcessResult file: its routing, the pack (MessageInfo) and one entry per Result/Info. */
export function parseProcessResult(xml: Buffer | string, opts: ResultFileOptions): ProcessResultFile {
  const root = readRoot(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml, opts, 'ProcessResult');
  // The XSD's Result; some writers may name it like the SummaryResult's ResultType.
  const result = child(root, 'Result', 'ResultType');
  if (!result) throw resultFileError('STRUCTURE_INVALID', 'The ProcessResult has no <Result>', { line: root.line });
  const infos = children(result, 'Info');
  if (infos.length === 0) {
    throw resultFileError('STRUCTURE_INVALID', 'The ProcessResult <Result> holds no <Info> entry', { line: result.line });
  }
  const entries = infos.map((info, i): ProcessResultEntry => {
    const code = text(child(info, 'Code'));
    if (!code) {
      throw resultFileError('STRUCTURE_INVALID', `Result/Info #${i + 1} has no <Code>`, { line: info.line });
    }
    const parameters: string[] = [];
    for (const c of info.children) {
      const m = /^parameter(\d*)$/i.exec(c.local);
      if (!m) continue;
      const at = m[1] === '' ? parameters.length : Number(m[1]);
      if (at > 99) continue;
      while (parameters.length < at) parameters.push('');
      parameters[at] = c.text;
    }
    return { code, description: text(child(info, 'Description')), parameters, line: info.line };
  });
  return {
    kind: 'ProcessResult',
    namespace: root.ns,
    routing: readRouting(root),
    message: readInfo(child(root, 'MessageInfo', 'Info')),
    entries,
    warnings: [],
  };
}

// ---- SummaryResult --------------------------------------------------------------------------------------------

const validDay = (y: number, m: number, d: number) => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};
const ymd = (y: number, m: number, d: number) =>
  `${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;

/**
 * `yyyyMMdd` of a date as it may be written in a result file, or `undefined`: `20261121`, `2026-11-21`
 * (with an `xsd:date` zone such as `+08:00` or `Z`, or a time after it), `2026/11/21`, and the ROC forms
 * `1151121` / `115/11/21` (year + 1911).
 */
export function normaliseResultDate(s: string): string | undefined {
  const v = s.trim();
  let m = /^(\d{4})[-/]?(\d{2})[-/]?(\d{2})(?:$|[T\s+Z-])/.exec(v);
  if (m && /^(\d{8}|\d{4}[-/]\d{2}[-/]\d{2})/.test(v)) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return validDay(y, mo, d) ? ymd(y, mo, d) : undefined;
  }
  m = /^(\d{3})\/?(\d{2})\/?(\d{2})$/.exec(v);
  if (m) {
    const [y, mo, d] = [Number(m[1]) + 1911, Number(m[2]), Number(m[3])];
    return validDay(y, mo, d) ? ymd(y, mo, d) : undefined;
  }
  return undefined;
}

function readDetail(
  holder: XmlElement | undefined,
  name: string,
  index: number,
  warnings: ResultFileWarning[],
): SummaryDetail | undefined {
  const outer = child(holder, name);
  if (!outer) return undefined;
  // Real files wrap the detail in <ResultDetailType>; the XSD does not.
  const el = child(outer, 'ResultDetailType') ?? outer;
  const invoiceEls = [
    ...children(el, 'Invoices').flatMap((wrap) => children(wrap, 'Invoice', 'Invocie')),
    ...children(el, 'Invoice', 'Invocie'),
  ];
  const invoices: SummaryInvoice[] = [];
  for (const inv of invoiceEls) {
    const referenceNumber = text(child(inv, 'ReferenceNumber')) ?? '';
    const rawDate = text(child(inv, 'InvoiceDate')) ?? '';
    if (!referenceNumber) {
      warnings.push({
        code: 'REFERENCE_MISSING',
        message: `Message #${index + 1} ${name}: an invoice without ReferenceNumber (line ${inv.line ?? '?'}) is skipped`,
        messageIndex: index,
      });
      continue;
    }
    const invoiceDate = normaliseResultDate(rawDate);
    if (invoiceDate === undefined) {
      warnings.push({
        code: 'DATE_UNREADABLE',
        message: `Message #${index + 1} ${name}: InvoiceDate "${rawDate}" of ${referenceNumber} is not a date`,
        messageIndex: index,
      });
    }
    invoices.push({ referenceNumber, invoiceDate: invoiceDate ?? rawDate });
  }
  const countText = text(child(el, 'Count'));
  let count: number;
  if (countText === undefined || countText === '') {
    count = invoices.length;
    warnings.push({
      code: 'DETAIL_MISSING',
      message: `Message #${index + 1} ${name} has no Count; its ${count} listed invoices are counted`,
      messageIndex: index,
    });
  } else if (/^\d{1,9}$/.test(countText)) {
    count = Number(countText);
  } else {
    throw resultFileError('STRUCTURE_INVALID', `Message #${index + 1} ${name}/Count "${countText}" is not a number`, {
      line: el.line,
    });
  }
  if (invoices.length > 0 && invoices.length !== count) {
    warnings.push({
      code: 'COUNT_NOT_LIST_LENGTH',
      message: `Message #${index + 1} ${name}: Count ${count} but ${invoices.length} invoices are listed`,
      messageIndex: index,
    });
  }
  return { count, invoices };
}

/** Reads a SummaryResult file: its routing and, per Message (pack), the totals and the good and failed invoices. */
export function parseSummaryResult(xml: Buffer | string, opts: ResultFileOptions): SummaryResultFile {
  const root = readRoot(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml, opts, 'SummaryResult');
  const list = child(root, 'DetailList') ?? root;
  const messageEls = children(list, 'Message');
  if (messageEls.length === 0) {
    throw resultFileError('STRUCTURE_INVALID', 'The SummaryResult holds no DetailList/Message', { line: list.line });
  }
  const warnings: ResultFileWarning[] = [];
  const messages = messageEls.map((el, i): SummaryResultMessage => {
    const result = child(el, 'ResultType', 'Result');
    if (!result) {
      throw resultFileError('STRUCTURE_INVALID', `Message #${i + 1} has no <ResultType> (or <Result>)`, { line: el.line });
    }
    const read = (name: 'Total' | 'Good' | 'Failed') => readDetail(result, name, i, warnings);
    const goodRead = read('Good');
    const failedRead = read('Failed');
    const totalRead = read('Total');
    if (!goodRead && !failedRead && !totalRead) {
      throw resultFileError('STRUCTURE_INVALID', `Message #${i + 1} has none of Total, Good and Failed`, { line: result.line });
    }
    const missing = (name: string, d: SummaryDetail | undefined, fallback: () => SummaryDetail) => {
      if (d) return d;
      warnings.push({ code: 'DETAIL_MISSING', message: `Message #${i + 1} has no ${name}`, messageIndex: i });
      return fallback();
    };
    const good = missing('Good', goodRead, () => ({ count: 0, invoices: [] }));
    const failed = missing('Failed', failedRead, () => ({ count: 0, invoices: [] }));
    const total = missing('Total', totalRead, () => ({
      count: good.count + failed.count,
      invoices: [...good.invoices, ...failed.invoices],
    }));
    if (total.count !== good.count + failed.count) {
      warnings.push({
        code: 'TOTAL_NOT_GOOD_PLUS_FAILED',
        message: `Message #${i + 1}: Total ${total.count} ≠ Good ${good.count} + Failed ${failed.count}`,
        messageIndex: i,
      });
    }
    const listed = (d: SummaryDetail) => d.count === 0 || d.invoices.length > 0;
    return { info: readInfo(child(el, 'Info', 'MessageInfo')), total, good, failed, listed: listed(good) && listed(failed) };
  });
  return { kind: 'SummaryResult', namespace: root.ns, routing: readRouting(root), messages, warnings };
}

// ---- matching results to messages ----------------------------------------------------------------------------

export type CommonName = { mig: string; messageType: string; day: string; time: string; uuid: string };

/** The parts of a pack's common name `<MIG>-<MSG>-<yyyyMMdd>-<HHmmssSSS>-<UUID>`, or `undefined`. */
export function parseCommonName(id: string | undefined): CommonName | undefined {
  const m = /^(\d+(?:\.\d+)?)-([A-Z]\d{4})-(\d{8})-(\d{9})-(.+)$/.exec((id ?? '').trim());
  if (!m || normaliseResultDate(m[3] as string) !== m[3]) return undefined;
  return { mig: m[1] as string, messageType: m[2] as string, day: m[3] as string, time: m[4] as string, uuid: m[5] as string };
}

/** The instant of a common name's `yyyyMMdd` + `HHmmssSSS`, read as Asia/Taipei (Turnkey's clock, UTC+8). */
export function commonNameInstant(c: Pick<CommonName, 'day' | 'time'>): Date | undefined {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(c.day);
  const t = /^(\d{2})(\d{2})(\d{2})(\d{3})$/.exec(c.time);
  if (!d || !t) return undefined;
  const [h, mi, s, ms] = [Number(t[1]), Number(t[2]), Number(t[3]), Number(t[4])];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), h, mi, s, ms) - 8 * 3_600_000);
}

/** A SummaryResult invoice as a Turnkey INVOICE_IDENTIFIER: `<MSG><ReferenceNumber><InvoiceDate yyyyMMdd>`. */
export const summaryIdentifier = (messageType: string, inv: SummaryInvoice): string =>
  `${messageType}${inv.referenceNumber}${inv.invoiceDate}`;

/**
 * The INVOICE_IDENTIFIERs a ProcessResult entry may be about. Which Parameter holds what is not documented
 * (unverified): the stand-in writes Parameter0 = the invoice/allowance number and Parameter1 = the
 * identifier's `yyyyMMdd` date (E04xx: Parameter0 = the identifier after the message type, no date), so every
 * reading is offered — a parameter that is itself an identifier, `<MSG>` + one parameter, `<MSG>` + one
 * parameter + another one read as a date — and the caller keeps the ones that name a message it handed off.
 */
export function processResultIdentifiers(messageType: string, entry: Pick<ProcessResultEntry, 'parameters'>): string[] {
  const params = entry.parameters.map((p) => p.trim()).filter((p) => p !== '');
  const out = new Set<string>();
  for (const [i, p] of params.entries()) {
    if (p.startsWith(messageType) && p.length > messageType.length) out.add(p);
    out.add(`${messageType}${p}`);
    for (const [j, q] of params.entries()) {
      if (i === j) continue;
      const day = normaliseResultDate(q);
      if (day) out.add(`${messageType}${p}${day}`);
    }
  }
  return [...out].filter((id) => id.length <= 30);
}

/** Success code of a ProcessResult entry: 訊息存證成功 ([HO] taiwan_einvoice/turnkey.py). */
export const PROCESS_RESULT_SUCCESS = '00000';
