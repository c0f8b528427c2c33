/**
 * Why an E0501 entry (one 字軌 number range) is refused. Every reason has a stable `code` for programs,
 * the MIG element it is about (`field`), and a message in English and Traditional Chinese that names the
 * offending value. Only this file writes the messages.
 */

/** The MIG element a reason is about; `range` = the whole number range, `entry` = the entry as a whole. */
export type E0501Field =
  | 'Ban'
  | 'InvoiceType'
  | 'YearMonth'
  | 'InvoiceTrack'
  | 'InvoiceBeginNo'
  | 'InvoiceEndNo'
  | 'InvoiceBooklet'
  | 'range'
  | 'entry';

export const E0501_REASON_CODES = [
  'FIELD_MISSING',
  'BAN_FORMAT',
  'BAN_CHECKSUM',
  'BAN_UNKNOWN_SELLER',
  'BAN_NOT_ENVELOPE_PARTY',
  'INVOICE_TYPE_INVALID',
  'YEAR_MONTH_INVALID',
  'TRACK_INVALID',
  'BEGIN_NO_FORMAT',
  'BEGIN_NO_NOT_BOOKLET_START',
  'END_NO_FORMAT',
  'END_NO_NOT_BOOKLET_END',
  'RANGE_REVERSED',
  'BOOKLET_FORMAT',
  'BOOKLET_MISMATCH',
  'OVERLAPS_EXISTING',
  'ALREADY_IMPORTED',
  'OVERLAPS_IN_FILE',
  'DUPLICATE_IN_FILE',
  'XML_UNEXPECTED_ELEMENT',
  'XML_DUPLICATE_ELEMENT',
  'CSV_TOO_FEW_COLUMNS',
] as const;

export type E0501ReasonCode = (typeof E0501_REASON_CODES)[number];

export interface E0501Reason {
  readonly field: E0501Field;
  readonly code: E0501ReasonCode;
  readonly message: string;
  readonly messageZh: string;
}

/** Where an entry sits in its file, for messages: `line 12`, or `entry 3` when the line is unknown. */
export interface E0501Position {
  readonly index: number;
  readonly line?: number | undefined;
}

const FIELD_ZH: Record<E0501Field, string> = {
  Ban: '統一編號',
  InvoiceType: '發票類別',
  YearMonth: '發票期別',
  InvoiceTrack: '發票字軌',
  InvoiceBeginNo: '發票起號',
  InvoiceEndNo: '發票迄號',
  InvoiceBooklet: '本組數',
  range: '號碼區間',
  entry: '配號資料',
};

/** A value as shown in a message: plain when it is simple, else JSON-quoted; long values are cut. */
export function show(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return /^[0-9A-Za-z]+$/.test(cut) ? cut : JSON.stringify(cut);
}

const where = (p: E0501Position) => (p.line !== undefined ? `line ${p.line}` : `entry ${p.index + 1}`);
const whereZh = (p: E0501Position) => (p.line !== undefined ? `第 ${p.line} 行` : `第 ${p.index + 1} 筆`);

/** A number range for messages: `AB12345600–AB12345649`. */
export interface RangeLabel {
  readonly track: string;
  readonly begin: string;
  readonly end: string;
}
const span = (r: RangeLabel) => `${r.track}${r.begin}–${r.track}${r.end}`;

const reason = (field: E0501Field, code: E0501ReasonCode, message: string, messageZh: string): E0501Reason => ({
  field,
  code,
  message,
  messageZh,
});

export const reasons = {
  missing: (field: E0501Field) =>
    reason(field, 'FIELD_MISSING', `${field} is missing or empty`, `缺少${FIELD_ZH[field]} (${field})`),

  banFormat: (v: string) => reason('Ban', 'BAN_FORMAT', `Ban ${show(v)} must be 8 digits`, `統一編號 ${show(v)} 須為 8 位數字`),

  banChecksum: (v: string) => reason('Ban', 'BAN_CHECKSUM', `Ban ${v} fails the BAN checksum`, `統一編號 ${v} 檢查碼錯誤`),

  banUnknownSeller: (v: string) =>
    reason('Ban', 'BAN_UNKNOWN_SELLER', `Ban ${v} is not a seller of this account`, `統一編號 ${v} 不是本系統的營業人`),

  banNotEnvelopeParty: (v: string, partyId: string) =>
    reason(
      'Ban',
      'BAN_NOT_ENVELOPE_PARTY',
      `Ban ${show(v)} differs from the envelope's From/PartyId ${show(partyId)}`,
      `統一編號 ${show(v)} 與封包寄送方 (From/PartyId) ${show(partyId)} 不符`,
    ),

  invoiceTypeInvalid: (v: string, csv: boolean) =>
    reason(
      'InvoiceType',
      'INVOICE_TYPE_INVALID',
      `InvoiceType ${show(v)} must be ${csv ? '7, 07, 8 or 08' : '07 or 08'}`,
      `發票類別 ${show(v)} 須為 ${csv ? '7、07、8 或 08' : '07 或 08'}`,
    ),

  yearMonthInvalid: (v: string) =>
    reason(
      'YearMonth',
      'YEAR_MONTH_INVALID',
      `YearMonth ${show(v)} must be a 3-digit ROC year and the even month ending the period, e.g. 11402`,
      `發票期別 ${show(v)} 須為民國年 3 碼加雙月月份，例如 11402`,
    ),

  periodInvalid: (v: string) =>
    reason(
      'YearMonth',
      'YEAR_MONTH_INVALID',
      `Period ${show(v)} must be an odd and the next month of one ROC year, e.g. "113/01 ~ 113/02"`,
      `期別 ${show(v)} 須為同一民國年的單月至次月，例如 "113/01 ~ 113/02"`,
    ),

  trackInvalid: (v: string) =>
    reason(
      'InvoiceTrack',
      'TRACK_INVALID',
      `InvoiceTrack ${show(v)} must be two letters A–Z`,
      `發票字軌 ${show(v)} 須為兩個大寫英文字母`,
    ),

  beginFormat: (v: string) =>
    reason(
      'InvoiceBeginNo',
      'BEGIN_NO_FORMAT',
      `InvoiceBeginNo ${show(v)} must be 8 digits`,
      `發票起號 ${show(v)} 須為 8 位數字`,
    ),

  beginNotBookletStart: (v: string) =>
    reason(
      'InvoiceBeginNo',
      'BEGIN_NO_NOT_BOOKLET_START',
      `InvoiceBeginNo ${v} must end in 00 or 50`,
      `發票起號 ${v} 末兩碼須為 00 或 50`,
    ),

  endFormat: (v: string) =>
    reason('InvoiceEndNo', 'END_NO_FORMAT', `InvoiceEndNo ${show(v)} must be 8 digits`, `發票迄號 ${show(v)} 須為 8 位數字`),

  endNotBookletEnd: (v: string) =>
    reason(
      'InvoiceEndNo',
      'END_NO_NOT_BOOKLET_END',
      `InvoiceEndNo ${v} must end in 49 or 99`,
      `發票迄號 ${v} 末兩碼須為 49 或 99`,
    ),

  rangeReversed: (begin: string, end: string) =>
    reason(
      'range',
      'RANGE_REVERSED',
      `InvoiceBeginNo ${begin} is after InvoiceEndNo ${end}`,
      `發票起號 ${begin} 大於發票迄號 ${end}`,
    ),

  bookletFormat: (v: string) =>
    reason(
      'InvoiceBooklet',
      'BOOKLET_FORMAT',
      `InvoiceBooklet ${show(v)} must be a whole number of at most 10 digits`,
      `本組數 ${show(v)} 須為 10 位以內的整數`,
    ),

  bookletMismatch: (v: string, range: RangeLabel, booklets: number) =>
    reason(
      'InvoiceBooklet',
      'BOOKLET_MISMATCH',
      `InvoiceBooklet ${show(v)} does not match ${span(range)}, which holds ${booklets} booklet(s) of 50`,
      `本組數 ${show(v)} 與號碼區間 ${span(range)} 不符，該區間為 ${booklets} 本 (每本 50 號)`,
    ),

  overlapsExisting: (yearMonth: string, range: RangeLabel, other: RangeLabel & { ban: string }) =>
    reason(
      'range',
      'OVERLAPS_EXISTING',
      `${span(range)} of period ${yearMonth} overlaps ${span(other)} already assigned to Ban ${other.ban}`,
      `${yearMonth} 期 ${span(range)} 與已配號給 ${other.ban} 的 ${span(other)} 重疊`,
    ),

  alreadyImported: (yearMonth: string, range: RangeLabel, ban: string) =>
    reason(
      'range',
      'ALREADY_IMPORTED',
      `${span(range)} of period ${yearMonth} for Ban ${ban} was already imported`,
      `${yearMonth} 期 ${span(range)} (統一編號 ${ban}) 已匯入過`,
    ),

  overlapsInFile: (yearMonth: string, range: RangeLabel, other: RangeLabel, at: E0501Position) =>
    reason(
      'range',
      'OVERLAPS_IN_FILE',
      `${span(range)} of period ${yearMonth} overlaps ${span(other)} at ${where(at)} of this file`,
      `${yearMonth} 期 ${span(range)} 與本檔${whereZh(at)}的 ${span(other)} 重疊`,
    ),

  duplicateInFile: (yearMonth: string, range: RangeLabel, at: E0501Position) =>
    reason(
      'range',
      'DUPLICATE_IN_FILE',
      `${span(range)} of period ${yearMonth} repeats ${where(at)} of this file`,
      `${yearMonth} 期 ${span(range)} 與本檔${whereZh(at)}重複`,
    ),

  xmlUnexpectedElement: (name: string, namespace: string | undefined) =>
    reason(
      'entry',
      'XML_UNEXPECTED_ELEMENT',
      `Unexpected element <${name}>${namespace ? ` in namespace ${namespace}` : ' without a namespace'} in InvoiceAssignNo`,
      `InvoiceAssignNo 中有不應出現的元素 <${name}>`,
    ),

  xmlDuplicateElement: (field: E0501Field) =>
    reason(field, 'XML_DUPLICATE_ELEMENT', `Element <${field}> appears more than once`, `元素 <${field}> 重複出現`),

  csvTooFewColumns: (count: number) =>
    reason(
      'entry',
      'CSV_TOO_FEW_COLUMNS',
      `Row has ${count} column(s); 7 are needed (BAN, type, -, period, track, begin, end)`,
      `此列只有 ${count} 欄，需要 7 欄 (統編、類別、-、期別、字軌、起號、迄號)`,
    ),
} as const;
