/**
 * Secrets handling shared by the API, the worker and the seed: password/secret hashing (scrypt),
 * high-entropy token hashing (SHA-256), encryption at rest (AES-256-GCM) and TOTP.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { generateURI, generate as totpGenerate, generateSecret as totpSecret, verify as totpVerify } from 'otplib';

const scrypt = promisify(scryptCb) as (pw: string | Buffer, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

// scrypt parameters: N=2^15, r=8, p=1 → 32 MiB, ~50 ms on the dev machine; stored with the hash so
// they can be raised later without invalidating old hashes.
const SCRYPT = { N: 32768, r: 8, p: 1, keylen: 32 };

/** Hash a password or a client secret for storage: `scrypt$N$r$p$salt$hash` (base64). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret.normalize('NFKC'), salt, SCRYPT.keylen, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: 128 * SCRYPT.N * SCRYPT.r * 2,
  });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Constant-time check of `secret` against a stored `hashSecret` value. Malformed stored values never match. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  if (!N || !r || !p || expected.length === 0) return false;
  const actual = await scrypt(secret.normalize('NFKC'), salt, expected.length, { N, r, p, maxmem: 128 * N * r * 2 });
  return timingSafeEqual(actual, expected);
}

/** A hash of a valid-looking secret, to spend the same time when the user does not exist. */
let dummyHash: Promise<string> | undefined;
export const dummySecretHash = (): Promise<string> => {
  dummyHash ??= hashSecret(randomBytes(16).toString('hex'));
  return dummyHash;
};

/** SHA-256 hex of a high-entropy token (refresh tokens): fast lookup by hash, nothing reversible stored. */
export const sha256Hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** A random URL-safe token of `bytes` bytes of entropy. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Encrypt a small secret for storage (AES-256-GCM): `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(plaintext: string, key: Buffer): string {
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptSecret(sealed: string, key: Buffer): string {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not an encrypted secret (expected v1.iv.tag.ct)');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
}

// ---- TOTP (RFC 6238: SHA-1, 6 digits, 30 s), compatible with Google Authenticator & co.

export const newTotpSecret = (): string => totpSecret();

export const totpUri = (secret: string, account: string, issuer: string): string =>
  generateURI({ secret, label: account, issuer });

export const totpCode = (secret: string, epochSeconds: number): Promise<string> => totpGenerate({ secret, epoch: epochSeconds });

/**
 * Verify a 6-digit code at `epochSeconds`, accepting one 30 s step of clock drift either way and
 * refusing any step at or before `afterStep` (so a code cannot be replayed). Returns the matched step.
 */
export async function verifyTotp(
  secret: string,
  code: string,
  epochSeconds: number,
  afterStep: number | null,
): Promise<{ valid: true; step: number } | { valid: false }> {
  if (!/^\d{6}$/.test(code)) return { valid: false };
  const r = await totpVerify({
    secret,
    token: code,
    epoch: epochSeconds,
    epochTolerance: 30,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  return r.valid ? { valid: true, step: Math.floor(epochSeconds / 30) + r.delta } : { valid: false };
}

/** Ten recovery codes like `k7q2-m9x4-p3tz` (~60 bits each). */
export function newRecoveryCodes(n = 10): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: n }, () => {
    const b = randomBytes(12);
    const chars = [...b].map((x) => alphabet[x % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}
