/**
 * Everything the printer needs for the codes of one printed proof (電子發票證明聯): the Code 39 text and the
 * two QR payloads, built from the same invoice data so that period, number and random number agree.
 */
import { barcodeText } from './barcode.ts';
import { type QrInput, type QrOptions, type QrPayloads, qrPayloads } from './qr.ts';

export interface ProofCodes {
  /** The 19-character Code 39 text (the printer adds the `*` start/stop characters). */
  barcode: string;
  qr: QrPayloads;
}

export function proofCodes(input: QrInput, options: QrOptions = {}): ProofCodes {
  return { barcode: barcodeText(input), qr: qrPayloads(input, options) };
}
