/** Access tokens (JWT, HS256) and the short-lived MFA step token. Every token names its tenant. */
import { randomUUID, webcrypto } from 'node:crypto';
import { DomainError } from '@app/domain';
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from 'jose';

export const ISSUER = 'einvoice-stack';
export const AUDIENCE = 'einvoice-api';

/** Registered claims jose adds to every token. */
type Registered = { iat?: number; exp?: number; jti?: string };

export type AccessClaims =
  | { typ: 'user'; sub: string; tid: string; sid: string; perms: string[]; mfa_pending?: boolean }
  | { typ: 'client'; sub: string; tid: string; client_id: string; perms: string[]; scope: unknown };
export type MfaClaims = { typ: 'mfa'; sub: string; tid: string };
type AnyClaims = AccessClaims | MfaClaims;
type WithoutTenant<T> = T extends unknown ? Omit<T, 'tid'> : never;

/** At most this many checked tokens are remembered (then the memory starts over). */
const VERIFIED_CACHE_MAX = 20_000;

export class TokenService {
  /** Tokens whose signature and claims were checked, with those claims (see verify). */
  private readonly verified = new Map<string, AnyClaims & Registered>();
  /** Imported once: jose would import a raw secret again on every sign and verify. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  constructor(
    secret: string,
    private readonly tenantId: string,
    private readonly accessTtlSeconds: number,
  ) {
    this.key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
  }

  get accessTtl(): number {
    return this.accessTtlSeconds;
  }

  async sign(claims: WithoutTenant<AnyClaims>, ttlSeconds: number = this.accessTtlSeconds): Promise<string> {
    const { sub, ...rest } = claims;
    return new SignJWT({ ...rest, tid: this.tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(await this.key);
  }

  /**
   * Verify a token of the given type. The tenant is checked before the signature so a token of
   * another tenant's stack gets its own precise error whatever key signed it.
   */
  async verify<T extends AnyClaims['typ']>(token: string, ...types: T[]): Promise<Extract<AnyClaims, { typ: T }> & Registered> {
    // A POS presents one token for up to its whole lifetime: its signature is checked once, then the
    // checked claims are reused while the token is unexpired (the principal behind it is checked apart).
    const seen = this.verified.get(token);
    if (seen && (seen.exp ?? 0) * 1000 > Date.now()) {
      if (!types.includes(seen.typ as T)) throw new DomainError('TOKEN_INVALID', 'This kind of token is not accepted here.');
      return seen as Extract<AnyClaims, { typ: T }> & Registered;
    }
    const claims = await this.verifyUncached(token, ...types);
    if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private async verifyUncached<T extends AnyClaims['typ']>(
    token: string,
    ...types: T[]
  ): Promise<Extract<AnyClaims, { typ: T }> & Registered> {
    let unverified: Record<string, unknown>;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new DomainError('TOKEN_INVALID', 'The token is malformed.');
    }
    if (unverified.tid !== this.tenantId) {
      throw new DomainError('TOKEN_TENANT_MISMATCH', 'The token was issued for another tenant.');
    }
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      if (!types.includes(payload.typ as T) || typeof payload.sub !== 'string') {
        throw new DomainError('TOKEN_INVALID', 'This kind of token is not accepted here.');
      }
      return payload as unknown as Extract<AnyClaims, { typ: T }> & Registered;
    } catch (e) {
      if (e instanceof DomainError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw new DomainError('TOKEN_INVALID', 'The token has expired.');
      throw new DomainError('TOKEN_INVALID', 'The token signature or claims are invalid.');
    }
  }
}
