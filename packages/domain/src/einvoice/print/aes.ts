/**
 * 加密驗證資訊 — the 24-character verification string of the left QR code (field 8).
 *
 * print-and-protocols.md §2.5 and the MOF spec v1.8 ch.4–5 (reference source `QREncrypter.cs`):
 * - plaintext: invoice number (10) + random number (4), 14 ASCII bytes;
 * - AES-128-CBC with PKCS#7 padding (→ one 16-byte block), output Base64 (→ 24 characters, ending `==`);
 * - key: the seller's AES key, the **32 hex characters** MOF's QRCode tool (genKey) derives from the QR password
 *   seed (密碼種子) registered on the platform; the reference code hex-decodes it to 16 bytes (`convertHexToByte`).
 *   Upper or lower case hex both decode to the same bytes;
 * - IV: fixed, Base64 `Dt8lyToo17X/XkXaQvihuA==` (hex `0EDF25C93A28D7B5FF5E45DA42F8A1B8`) — stated only in
 *   MOF's sample code, not in the spec body.
 *
 * Test vector (calvertyang/EInvoice-QR-Encryptor README, re-computed with openssl): key
 * `FE0F50D87215F625D1248F5FDAEBA37F`, `AA123456781234` → `73UqXrAk5DsVNv2VEvIFkQ==`.
 *
 * Deterministic and without I/O: `node:crypto` is used only as an AES primitive.
 */
import { createCipheriv } from 'node:crypto';
import { checkInvoiceNumber, checkRandomNumber, invalid } from './fields.ts';

export const QR_AES_IV_BASE64 = 'Dt8lyToo17X/XkXaQvihuA==';
const IV = Buffer.from(QR_AES_IV_BASE64, 'base64');

const AES_KEY_RE = /^[0-9A-Fa-f]{32}$/;

/** Canonical Base64 of exactly 16 bytes: 21 free characters, a 22nd whose low 4 bits are zero, then `==`. */
export const VERIFICATION_RE = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

export const VERIFICATION_LENGTH = 24;

export interface VerificationEntry {
  invoiceNumber: string;
  randomNumber: string;
}

export interface PrecomputedVerification extends VerificationEntry {
  /** The 24-character 加密驗證資訊 for this number and random number. */
  verification: string;
}

function keyBytes(aesKey: unknown): Buffer {
  // Never echo the key: it is a secret.
  if (typeof aesKey !== 'string' || !AES_KEY_RE.test(aesKey)) {
    throw invalid('aesKey', "must be 32 hex characters (the key MOF's QRCode tool derives from the password seed)");
  }
  return Buffer.from(aesKey, 'hex');
}

function encrypt(key: Buffer, invoiceNumber: string, randomNumber: string): string {
  const cipher = createCipheriv('aes-128-cbc', key, IV); // PKCS#7 padding is Node's default
  return Buffer.concat([cipher.update(invoiceNumber + randomNumber, 'ascii'), cipher.final()]).toString('base64');
}

/** The 24-character verification string of one invoice. */
export function verificationString(aesKey: string, entry: VerificationEntry): string {
  const key = keyBytes(aesKey);
  return encrypt(key, checkInvoiceNumber(entry.invoiceNumber), checkRandomNumber(entry.randomNumber));
}

/**
 * The verification strings of a batch of allocated numbers, in input order, so that an offline POS can print
 * valid QR codes without holding the key (as ECPay's offline API hands out numbers with random codes and
 * pre-computed encrypted data, print-and-protocols.md §2.5). Every entry is checked before any is encrypted;
 * errors name the entry (`entries[3].randomNumber`).
 */
export function precomputeVerification(aesKey: string, entries: readonly VerificationEntry[]): PrecomputedVerification[] {
  const key = keyBytes(aesKey);
  const checked = entries.map((e, i) => ({
    invoiceNumber: checkInvoiceNumber(e.invoiceNumber, `entries[${i}].invoiceNumber`),
    randomNumber: checkRandomNumber(e.randomNumber, `entries[${i}].randomNumber`),
  }));
  return checked.map((e) => ({ ...e, verification: encrypt(key, e.invoiceNumber, e.randomNumber) }));
}
