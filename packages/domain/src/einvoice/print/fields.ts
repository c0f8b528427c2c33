/**
 * Field checks shared by the barcode, the AES verification string and the QR payloads of the printed
 * proof (電子發票證明聯). Every failure is a `DomainError('VALIDATION_ERROR')` whose details name the field,
 * like the API's schema errors. Secrets (the AES key) are never echoed back.
 */
import { DomainError } from '../../errors.ts';
import { BAN_RE } from '../ban.ts';
import { isInvoiceNumber, isRandomNumber } from '../rules/formats.ts';

// 隨機碼: always 4 digits here. The barcode spec's note "B2B 發票的隨機碼請用 4 位空白" is not supported:
// this system always draws a random number, also for buyers with a BAN.

/** The 8-zero buyer BAN the proof uses for consumers (spec field 6). */
export const CONSUMER_BAN = '00000000';

/** The 10-zero Buyer/Identifier MIG F0401 uses for consumers (einvoice-domain.md §4.2); accepted and mapped. */
const MIG_CONSUMER_IDENTIFIER = '0000000000';

export function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_ERROR', `${field}: ${message}`, [{ field, message }]);
}

export function checkInvoiceNumber(value: unknown, field = 'invoiceNumber'): string {
  if (typeof value !== 'string' || !isInvoiceNumber(value)) {
    throw invalid(field, 'must be 2 uppercase letters and 8 digits, e.g. AB12345678');
  }
  return value;
}

export function checkRandomNumber(value: unknown, field = 'randomNumber'): string {
  if (typeof value !== 'string' || !isRandomNumber(value)) throw invalid(field, 'must be 4 digits');
  return value;
}

/**
 * An 8-digit BAN. Only the format is checked: the checksum belongs to invoice validation at issue time
 * (`isValidBan`), and the MOF reference code checks only the length — its own examples (01234567) fail the checksum.
 */
export function checkBan(value: unknown, field: string): string {
  if (typeof value !== 'string' || !BAN_RE.test(value)) throw invalid(field, 'must be 8 digits');
  return value;
}

/** The buyer BAN as printed: `null`, `00000000` or MIG's `0000000000` mean a consumer → `00000000`. */
export function buyerBanField(value: string | null): string {
  if (value === null || value === MIG_CONSUMER_IDENTIFIER) return CONSUMER_BAN;
  return checkBan(value, 'buyerBan');
}
