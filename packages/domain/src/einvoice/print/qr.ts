/**
 * The two QR codes of the printed proof (電子發票證明聯二維條碼), domestic-seller format.
 *
 * Source: MOF "電子發票證明聯一維及二維條碼規格說明" v1.8 ch.2 (summarised in print-and-protocols.md §2.3–§2.4).
 *
 * Left code — 77 fixed characters:
 *
 * | # | field | len | here |
 * | --- | --- | --- | --- |
 * | 1 | 發票字軌號碼 | 10 | `AB12345678` |
 * | 2 | 發票開立日期 | 7 | ROC `YYYMMDD` of the Asia/Taipei date |
 * | 3 | 隨機碼 | 4 | |
 * | 4 | 銷售額 (untaxed total) | 8 | hex, zero-padded; `00000000` when the sales system cannot split the tax |
 * | 5 | 總計額 (tax-inclusive total) | 8 | hex, zero-padded |
 * | 6 | 買方統一編號 | 8 | `00000000` for consumers |
 * | 7 | 賣方統一編號 | 8 | |
 * | 8 | 加密驗證資訊 | 24 | AES of number + random, Base64 (aes.ts) |
 *
 * then, each preceded by `:` — 9 營業人自行使用區 (10; ten `*` when unused), 10 二維條碼記載完整品目筆數 (items
 * recorded in **both** codes together, decimal), 11 該張發票交易品目總筆數 (items on the invoice, decimal),
 * 12 中文編碼參數 (`0` Big5, `1` UTF-8, `2` Base64), then `品名:數量:單價` per item.
 *
 * Right code — `**`, then the continuation of the left code's text: `left.slice(77) + right.slice(2)` is one
 * `:`-separated stream. The spec's worked example (v1.8 ch.2 四, UTF-8):
 *   left  `AB112233441020523999900000144000001540000000001234567ydXZt4LAN1UHN/j1juVcRA==:**********:3:3:1:乾電池:1:105:`
 *   right `**口罩:1:210:牛奶:1:25`
 * i.e. the left keeps the `:` before the next item and the right starts straight with the item.
 *
 * Decisions (each marked where it is not the spec's own words):
 * - Hex digits are lower case, as the MOF reference code writes them (`ToString("x8")`) and real proofs show
 *   (`0000004d`).
 * - Encoding parameter `1` (UTF-8) always: JavaScript strings encode to UTF-8 without tables and every character
 *   can be written (Big5 cannot write many names); Base64 hides the text from readers and splits it at byte
 *   boundaries; and the spec (v1.9 text quoted in code) says "未來視辦理狀況，將僅開放 UTF-8 編碼規格".
 * - `:` inside a name — the spec only says "請避免使用間隔符號':'於品名". We replace it with the full-width `：`
 *   (U+FF1A) so the reader still sees a colon and the fields still split; DTE replaces it with `-`. Names with
 *   control characters (line breaks, tabs) or lone surrogates are refused.
 * - Quantity and unit price are written as given ("以十進位方式記載"): plain decimals, no exponent.
 * - Size: the spec sets only a floor — the left code is QR **V6 (41×41) or larger at level L or higher** — and
 *   both codes have the same printed size (編碼區 ≥ 1.5 cm, 0.2 cm quiet zone). We cap each code at
 *   `maxVersion` (default V10 at level L: 57 modules, ~21 mm at 3 dots per module on a 203 dpi, 48 mm print head,
 *   so two fit side by side) — **unverified** against a real scanner; pass a smaller cap if proofs scan badly.
 * - Splitting — the spec: the stream continues on the right when the left does not suffice, and when not every
 *   item fits in both codes, record as many as fit ("以記載最多可放置於左右兩個二維條碼內容之品目為原則"). We record
 *   the longest **prefix** of the items that fits (so field 10 = N means "the first N"), whole items only, and
 *   place them as the spec's example does: the first item on the left, the rest on the right; only when the
 *   right would overflow do further items move to the left; when the first item does not fit the left it goes
 *   right. The optional 補充說明 (field 16) is not written.
 * - Field 10 counts the items recorded in both codes (spec text "記錄左右兩個二維條碼記載消費品目筆數"), not those
 *   in the left code alone.
 */
import { VERIFICATION_RE, verificationString } from './aes.ts';
import { buyerBanField, CONSUMER_BAN, checkBan, checkInvoiceNumber, checkRandomNumber, invalid } from './fields.ts';
import { isQrErrorCorrection, type QrErrorCorrection, qrByteCapacity, qrVersionFor } from './qr-version.ts';
import { rocDate7 } from './roc.ts';

export const LEFT_QR_HEADER_LENGTH = 77;
/** The spec's floor for the left code: "QR Code V6 (41x41) (含)以上版本". */
export const LEFT_QR_MIN_VERSION = 6;
export const RIGHT_QR_PREFIX = '**';
export const UNUSED_MERCHANT_AREA = '**********';
export const QR_ENCODING_UTF8 = '1';
/** MIG 4.1 F0401 allows 1..9999 ProductItem. */
export const QR_MAX_ITEMS = 9999;
export const DEFAULT_QR_OPTIONS: Readonly<Required<QrOptions>> = { maxVersion: 10, errorCorrection: 'L' };

const SEP = ':';
const MAX_HEX8 = 0xffffffff;
const DECIMAL_RE = /^-?\d+(\.\d+)?$/;
/** Printable ASCII except space and `:`, so the area is 10 bytes and cannot break the field split. */
const MERCHANT_AREA_RE = /^[!-9;-~]{10}$/;
const CONTROL_RE = /\p{Cc}/u;
const LONE_SURROGATE_RE = /[\uD800-\uDFFF]/u;

export interface PrintItem {
  name: string;
  quantity: string | number;
  unitPrice: string | number;
}

/** The invoice data the proof's codes carry. */
export interface PrintInvoice {
  invoiceNumber: string;
  /** The instant of issue; the proof shows its Asia/Taipei date. */
  invoiceDate: Date;
  randomNumber: string;
  /**
   * 銷售額: the **untaxed** total in whole NTD, or `null` when the sales system cannot split the tax out
   * (→ `00000000`, allowed by the spec for consumer sales). Not the F0401 SalesAmount when that carries a
   * tax-included B2C total (einvoice-domain.md §4.4). Required when the buyer has a BAN.
   */
  salesAmount: number | null;
  /** 總計額: the tax-inclusive total in whole NTD, > 0 (no zero-amount proof can be printed). */
  totalAmount: number;
  /** The buyer's BAN, or `null` for a consumer. MIG's `0000000000` is read as a consumer too. */
  buyerBan: string | null;
  sellerBan: string;
  items: readonly PrintItem[];
}

/**
 * Where field 8 comes from: the seller's AES key, or — on an offline POS — the verification string the server
 * precomputed for this number (`precomputeVerification`); the latter is checked for form only.
 */
export type VerificationSource = { aesKey: string; verification?: undefined } | { verification: string; aesKey?: undefined };

export type QrInput = PrintInvoice &
  VerificationSource & {
    /** 營業人自行使用區: 10 printable ASCII characters other than `:` and space; ten `*` when absent. */
    merchantArea?: string;
  };

export interface QrOptions {
  /** The largest QR version either code may need, 6..20 (default 10). */
  maxVersion?: number;
  /** The error-correction level the renderer will use, `L` or `M` (default `L`). */
  errorCorrection?: QrErrorCorrection;
}

/** The 77-character header, field by field, as written. */
export interface QrHeaderFields {
  invoiceNumber: string;
  /** ROC `YYYMMDD`. */
  invoiceDate: string;
  randomNumber: string;
  /** 8 lower-case hex digits. */
  salesAmount: string;
  /** 8 lower-case hex digits. */
  totalAmount: string;
  buyerBan: string;
  sellerBan: string;
  verification: string;
}

/** One item as written: the name after `:` replacement, quantity and unit price as decimal text. */
export interface QrItemFields {
  name: string;
  quantity: string;
  unitPrice: string;
}

export interface QrPayloads {
  left: string;
  right: string;
  header: QrHeaderFields;
  merchantArea: string;
  /** Field 10: items recorded in the two codes together (the first `recordedItemCount` of the invoice). */
  recordedItemCount: number;
  /** Field 11: items on the invoice. */
  totalItemCount: number;
  encoding: typeof QR_ENCODING_UTF8;
  leftItems: QrItemFields[];
  rightItems: QrItemFields[];
  /** UTF-8 byte lengths of `left` and `right`. */
  leftBytes: number;
  rightBytes: number;
  /** The smallest QR version holding each payload at the chosen level; the left one is at least 6. */
  leftVersion: number;
  rightVersion: number;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function checkAmount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_HEX8) {
    throw invalid(field, 'must be a whole number of NTD from 0 to 4294967295 (8 hex digits)');
  }
  return value;
}

function checkOptions(options: QrOptions): Required<QrOptions> {
  const maxVersion = options.maxVersion ?? DEFAULT_QR_OPTIONS.maxVersion;
  const errorCorrection = options.errorCorrection ?? DEFAULT_QR_OPTIONS.errorCorrection;
  if (!Number.isInteger(maxVersion) || maxVersion < LEFT_QR_MIN_VERSION || maxVersion > 20) {
    throw invalid('maxVersion', 'must be an integer from 6 (the left code is at least version 6) to 20');
  }
  if (!isQrErrorCorrection(errorCorrection)) throw invalid('errorCorrection', "must be 'L' or 'M'");
  return { maxVersion, errorCorrection };
}

function verificationOf(input: QrInput, invoiceNumber: string, randomNumber: string): string {
  if (input.aesKey !== undefined && input.verification !== undefined) {
    throw invalid('verification', 'give either aesKey or a precomputed verification, not both');
  }
  if (input.aesKey !== undefined) return verificationString(input.aesKey, { invoiceNumber, randomNumber });
  if (typeof input.verification === 'string' && VERIFICATION_RE.test(input.verification)) return input.verification;
  throw invalid('verification', 'give aesKey, or the 24-character Base64 verification string precomputed for this number');
}

function headerFields(input: QrInput): QrHeaderFields {
  const invoiceNumber = checkInvoiceNumber(input.invoiceNumber);
  const randomNumber = checkRandomNumber(input.randomNumber);
  const buyerBan = buyerBanField(input.buyerBan);
  const sellerBan = checkBan(input.sellerBan, 'sellerBan');
  const total = checkAmount(input.totalAmount, 'totalAmount');
  if (total === 0) throw invalid('totalAmount', 'must be positive: a zero-amount invoice has no printable proof');
  let sales = 0;
  if (input.salesAmount === null) {
    // The spec allows 00000000 when the system cannot split the tax; a business buyer must get the tax stated
    // separately (營業稅法第32條, einvoice-domain.md §4.4), so the untaxed amount is known there.
    if (buyerBan !== CONSUMER_BAN) throw invalid('salesAmount', 'is required when the buyer has a BAN');
  } else {
    sales = checkAmount(input.salesAmount, 'salesAmount');
    if (sales > total) throw invalid('salesAmount', 'cannot exceed totalAmount');
  }
  return {
    invoiceNumber,
    invoiceDate: rocDate7(input.invoiceDate),
    randomNumber,
    salesAmount: hex8(sales),
    totalAmount: hex8(total),
    buyerBan,
    sellerBan,
    verification: verificationOf(input, invoiceNumber, randomNumber),
  };
}

function checkMerchantArea(value: unknown): string {
  if (value === undefined) return UNUSED_MERCHANT_AREA;
  if (typeof value !== 'string' || !MERCHANT_AREA_RE.test(value)) {
    throw invalid('merchantArea', 'must be exactly 10 printable ASCII characters, without spaces or ":"');
  }
  return value;
}

function decimalText(value: unknown, field: string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !DECIMAL_RE.test(text)) {
    throw invalid(field, 'must be a decimal written in plain digits, e.g. 2, 0.5, 35.00, -10');
  }
  return text;
}

function itemName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'must not be empty');
  if (CONTROL_RE.test(value)) throw invalid(field, 'must not contain control characters (line breaks, tabs, …)');
  if (LONE_SURROGATE_RE.test(value)) throw invalid(field, 'is not well-formed Unicode (a lone surrogate)');
  return value.replaceAll(SEP, '：');
}

function checkItems(items: unknown): QrItemFields[] {
  if (!Array.isArray(items) || items.length === 0) throw invalid('items', 'an invoice has at least one item');
  if (items.length > QR_MAX_ITEMS) throw invalid('items', `at most ${QR_MAX_ITEMS} items (MIG ProductItem)`);
  return items.map((item: PrintItem, i) => ({
    name: itemName(item?.name, `items[${i}].name`),
    quantity: decimalText(item?.quantity, `items[${i}].quantity`),
    unitPrice: decimalText(item?.unitPrice, `items[${i}].unitPrice`),
  }));
}

const itemText = (item: QrItemFields) => [item.name, item.quantity, item.unitPrice].join(SEP);

/**
 * Chooses how many items to record (`recorded`, a prefix) and how many of them go left (`inLeft`), from byte
 * lengths alone. With `P` the prefix sums of item byte lengths, `n` recorded and `k` on the left:
 *   left  = fixed(n) + Σ_{i<k} (1 + b_i) + (k < n ? 1 : 0)      (":" before each item, ":" kept before the next)
 *   right = 2 + Σ_{k≤i<n} b_i + max(0, n − k − 1)                ("**", then items joined by ":")
 * The left only grows with k and the right only shrinks, so the first k ≥ 1 whose right fits is the only one
 * worth testing on the left; k = 0 is the fallback for a first item too long for the left.
 * n = 0 always fits: the fixed part is at most 101 bytes and version 6 holds 105 even at level M.
 */
function chooseSplit(
  itemBytes: readonly number[],
  fixedLeftBytes: (recorded: number) => number,
  capacity: number,
): { recorded: number; inLeft: number } {
  const prefix = [0];
  for (const b of itemBytes) prefix.push((prefix.at(-1) as number) + b);
  const sum = (from: number, to: number) => (prefix[to] as number) - (prefix[from] as number);
  let upper = 0;
  while (upper < itemBytes.length && sum(0, upper + 1) <= 2 * capacity) upper++;
  for (let n = upper; n >= 1; n--) {
    const rightBytes = (k: number) => 2 + sum(k, n) + Math.max(0, n - k - 1);
    const leftBytes = (k: number) => fixedLeftBytes(n) + k + sum(0, k) + (k < n ? 1 : 0);
    let k = 1;
    while (k < n && rightBytes(k) > capacity) k++;
    if (rightBytes(k) <= capacity && leftBytes(k) <= capacity) return { recorded: n, inLeft: k };
    if (leftBytes(0) <= capacity && rightBytes(0) <= capacity) return { recorded: n, inLeft: 0 };
  }
  return { recorded: 0, inLeft: 0 };
}

function versionFor(bytes: number, level: QrErrorCorrection): number {
  const version = qrVersionFor(bytes, level);
  if (version === null) throw new Error(`internal: a ${bytes}-byte QR payload exceeds every listed version`);
  return version;
}

/** The left and right QR payloads of the printed proof, with their parts. */
export function qrPayloads(input: QrInput, options: QrOptions = {}): QrPayloads {
  const { maxVersion, errorCorrection } = checkOptions(options);
  const capacity = qrByteCapacity(maxVersion, errorCorrection);
  const header = headerFields(input);
  const merchantArea = checkMerchantArea(input.merchantArea);
  const items = checkItems(input.items);
  const texts = items.map(itemText);

  const headerText =
    header.invoiceNumber +
    header.invoiceDate +
    header.randomNumber +
    header.salesAmount +
    header.totalAmount +
    header.buyerBan +
    header.sellerBan +
    header.verification;
  const fixedLeft = (recorded: number) =>
    [headerText, merchantArea, String(recorded), String(items.length), QR_ENCODING_UTF8].join(SEP);

  const { recorded, inLeft } = chooseSplit(texts.map(utf8Bytes), (n) => utf8Bytes(fixedLeft(n)), capacity);
  const left =
    fixedLeft(recorded) +
    texts
      .slice(0, inLeft)
      .map((t) => SEP + t)
      .join('') +
    (inLeft < recorded ? SEP : '');
  const right = RIGHT_QR_PREFIX + texts.slice(inLeft, recorded).join(SEP);

  const leftBytes = utf8Bytes(left);
  const rightBytes = utf8Bytes(right);
  return {
    left,
    right,
    header,
    merchantArea,
    recordedItemCount: recorded,
    totalItemCount: items.length,
    encoding: QR_ENCODING_UTF8,
    leftItems: items.slice(0, inLeft),
    rightItems: items.slice(inLeft, recorded),
    leftBytes,
    rightBytes,
    leftVersion: Math.max(LEFT_QR_MIN_VERSION, versionFor(leftBytes, errorCorrection)),
    rightVersion: versionFor(rightBytes, errorCorrection),
  };
}
