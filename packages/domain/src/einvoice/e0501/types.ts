import { DomainError, isDomainError } from '../../errors.ts';
import type { E0501Reason } from './reasons.ts';

/**
 * The values of one E0501 allocation as read from the file, all as trimmed strings (leading zeros kept),
 * unchecked. `undefined` = the element/column is absent. `yearMonth` and `booklet` come from XML only,
 * `period` (`"113/01 ~ 113/02"`) from CSV only.
 */
export interface RawE0501Fields {
  ban?: string;
  invoiceType?: string;
  yearMonth?: string;
  period?: string;
  track?: string;
  begin?: string;
  end?: string;
  booklet?: string;
}

export interface RawE0501Entry {
  readonly source: 'xml' | 'csv';
  /** 0-based position among the entries of the file. */
  readonly index: number;
  /** 1-based line where the entry starts (XML: its `<InvoiceAssignNo>` tag; CSV: its row). */
  readonly line?: number | undefined;
  readonly fields: RawE0501Fields;
  /** Problems the parser already found (foreign Ban in an envelope, stray elements, short CSV rows). */
  readonly issues: readonly E0501Reason[];
}

export interface E0501Envelope {
  /** `urn:GEINV:InvoiceEnvelope:4.1`, `:4.0` or `:3.2`. */
  readonly namespace: string;
  readonly fromPartyId: string;
  readonly fromRoutingId?: string | undefined;
  readonly toPartyId?: string | undefined;
  readonly toRoutingId?: string | undefined;
  /** Attributes of `InvoicePack`, as written. */
  readonly messageType?: string | undefined;
  readonly count?: string | undefined;
  readonly version?: string | undefined;
}

export interface E0501Warning {
  readonly code: 'PACK_COUNT_MISMATCH' | 'PACK_MESSAGE_TYPE';
  readonly message: string;
}

export interface E0501XmlFile {
  readonly format: 'xml';
  /** Namespace of the `InvoiceAssignNo` elements (`urn:GEINV:E0501:4.0` or `urn:GEINV:E0501:3.2`). */
  readonly namespace: string;
  readonly envelope?: E0501Envelope | undefined;
  readonly entries: RawE0501Entry[];
  readonly warnings: E0501Warning[];
}

export interface E0501CsvFile {
  readonly format: 'csv';
  readonly encoding: 'utf-8' | 'cp950';
  readonly bom: boolean;
  /** The header row when the file has one (detected, see `parseE0501Csv`). */
  readonly header?: string[] | undefined;
  readonly entries: RawE0501Entry[];
}

export type E0501File = E0501XmlFile | E0501CsvFile;

export interface ParseE0501Options {
  /** Refuse larger input before decoding or parsing it. */
  readonly maxBytes: number;
}

/** Why a whole file is refused (thrown as a `DomainError`, `details.reason`). */
export const E0501_FILE_ERROR_REASONS = [
  'FILE_TOO_LARGE',
  'ENCODING_UNSUPPORTED',
  'XML_DTD_FORBIDDEN',
  'XML_MALFORMED',
  'XML_NAMESPACE_UNSUPPORTED',
  'XML_NOT_E0501',
  'ENVELOPE_INVALID',
  'CSV_MALFORMED',
] as const;
export type E0501FileErrorReason = (typeof E0501_FILE_ERROR_REASONS)[number];

export interface E0501FileErrorDetails {
  readonly reason: E0501FileErrorReason;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/**
 * The error a parser throws for a file it cannot read at all: `PAYLOAD_TOO_LARGE` for `FILE_TOO_LARGE`,
 * else `BAD_REQUEST`; `details` says which and where.
 */
export function e0501FileError(
  reason: E0501FileErrorReason,
  message: string,
  where: { line?: number | undefined; column?: number | undefined } = {},
): DomainError {
  const details: E0501FileErrorDetails = { reason, ...where };
  return new DomainError(reason === 'FILE_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message, details);
}

/** The `reason` of an error thrown by the E0501 parsers, or `undefined` for any other value. */
export function e0501FileErrorReason(e: unknown): E0501FileErrorReason | undefined {
  if (!isDomainError(e) || typeof e.details !== 'object' || e.details === null) return undefined;
  const reason = (e.details as { reason?: unknown }).reason;
  return E0501_FILE_ERROR_REASONS.find((r) => r === reason);
}

/** Throws `FILE_TOO_LARGE` when `buf` exceeds `maxBytes`; a bad `maxBytes` is a programming error. */
export function assertSize(buf: Uint8Array, maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0)
    throw new TypeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  if (buf.byteLength > maxBytes) {
    throw e0501FileError('FILE_TOO_LARGE', `The file is ${buf.byteLength} bytes; at most ${maxBytes} are accepted`);
  }
}
