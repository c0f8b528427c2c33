/**
 * Batch import of invoices (POST /api/v1/imports): the file forms and what reading one gives. Reading is
 * pure; checking each invoice (the API's issue schema and MIG rules) and issuing it are the API's.
 */

export const IMPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const IMPORT_ENCODINGS = ['utf8', 'big5'] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

/** Where in the file a value came from: its 1-based line and, for CSV, its column (header name). */
export interface ImportSource {
  readonly line: number;
  readonly column?: string;
}

/** A problem found while reading one invoice (the invoice fails with it; the others go on). */
export interface ImportProblem extends ImportSource {
  /** The field of the invoice body it concerns (`items.1.quantity`), when there is one. */
  readonly field?: string;
  readonly message: string;
}

/** One invoice of a file, as read: unchecked. */
export interface ImportRow {
  /** 1-based position of the invoice in the file (CSV: order of first appearance of its ref). */
  readonly row: number;
  /** The lines it spans. */
  readonly lines: { readonly from: number; readonly to: number };
  /** CSV: the `ref` that groups its lines; JSON lines: null. */
  readonly ref: string | null;
  /** What POST /api/v1/invoices takes, as read; null when the invoice could not be read at all. */
  readonly body: Record<string, unknown> | null;
  /** CSV codes the API resolves to ids before issuing (then `siteId` / `deviceId` of the body). */
  readonly lookup: { readonly siteCode?: string; readonly sellerBan?: string; readonly deviceCode?: string };
  /** Problems found while reading; an invoice with any is not issued. */
  readonly problems: readonly ImportProblem[];
  /** CSV: where the values came from (see locateField); null for JSON lines (a line is one invoice). */
  readonly cells: ImportCells | null;
}

/** Where a CSV invoice's values came from: compact, since a file may hold 100,000 invoices. */
export interface ImportCells {
  /** The line each invoice column given was read from, by column name (a column not given: the first line). */
  readonly given: Readonly<Record<string, number>>;
  /** The line of each item, in order. */
  readonly items: readonly number[];
}

/** Why a whole file cannot be read (it fails; nothing is issued from it). */
export interface ImportFileProblem {
  readonly message: string;
  readonly line?: number;
}

export type ImportParseResult =
  | { readonly ok: true; readonly rows: ImportRow[] }
  | { readonly ok: false; readonly problem: ImportFileProblem };

export interface ImportParseOptions {
  /** At most this many invoices in one file; more fail the file. */
  readonly maxInvoices: number;
}
