export { parseE0501File } from './parse.ts';
export { parseE0501Csv } from './parse-csv.ts';
export { E0501_NAMESPACES, INVOICE_ENVELOPE_NAMESPACES, parseE0501Xml } from './parse-xml.ts';
export {
  E0501_REASON_CODES,
  type E0501Field,
  type E0501Position,
  type E0501Reason,
  type E0501ReasonCode,
} from './reasons.ts';
export {
  E0501_FILE_ERROR_REASONS,
  type E0501CsvFile,
  type E0501Envelope,
  type E0501File,
  type E0501FileErrorDetails,
  type E0501FileErrorReason,
  type E0501Warning,
  type E0501XmlFile,
  e0501FileErrorReason,
  type ParseE0501Options,
  type RawE0501Entry,
  type RawE0501Fields,
} from './types.ts';
export {
  BOOKLET_SIZE,
  type E0501EntryResult,
  type E0501Summary,
  type ExistingTrackRange,
  summarizeE0501Results,
  type TrackRange,
  type ValidateE0501Context,
  validateE0501Entries,
} from './validate.ts';
