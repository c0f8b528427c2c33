/**
 * The printed e-invoice proof (電子發票證明聯): Code 39 barcode text, AES verification string (also precomputed in
 * batches for offline POS devices) and the left/right QR payloads. print-and-protocols.md §2.
 */
export {
  type PrecomputedVerification,
  precomputeVerification,
  QR_AES_IV_BASE64,
  type VerificationEntry,
  verificationString,
} from './aes.ts';
export { BARCODE_LENGTH, type BarcodeInput, barcodeText } from './barcode.ts';
export { type ProofCodes, proofCodes } from './proof.ts';
export {
  DEFAULT_QR_OPTIONS,
  LEFT_QR_HEADER_LENGTH,
  LEFT_QR_MIN_VERSION,
  type PrintInvoice,
  type PrintItem,
  QR_ENCODING_UTF8,
  type QrHeaderFields,
  type QrInput,
  type QrItemFields,
  type QrOptions,
  type QrPayloads,
  qrPayloads,
  RIGHT_QR_PREFIX,
  UNUSED_MERCHANT_AREA,
  type VerificationSource,
} from './qr.ts';
export { type QrErrorCorrection, qrByteCapacity, qrVersionFor } from './qr-version.ts';
