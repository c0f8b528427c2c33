import { parseImportCsv } from './csv.ts';
import { parseImportJsonl } from './jsonl.ts';
import type { ImportFormat, ImportParseOptions, ImportParseResult } from './types.ts';

export { IMPORT_CSV_COLUMNS, locateField, parseImportCsv, taipeiTime } from './csv.ts';
export { parseImportJsonl } from './jsonl.ts';
export { formatOfFilename, type ImportUploadField, type ReadImportResult, readImportFile } from './read.ts';
export * from './types.ts';

/** The invoices of a decoded import file (see csv.ts and jsonl.ts for the two forms). */
export const parseImportFile = (text: string, format: ImportFormat, opts: ImportParseOptions): ImportParseResult =>
  format === 'csv' ? parseImportCsv(text, opts) : parseImportJsonl(text, opts);
