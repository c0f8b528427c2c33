/**
 * Login throttling (platform plan §3.1): LOGIN_MAX_FAILURES failed logins within
 * LOGIN_FAILURE_WINDOW_SECONDS lock the account for LOGIN_LOCK_MINUTES; each source IP may try
 * LOGIN_IP_MAX_PER_MINUTE times a minute. Unknown usernames are counted and locked exactly like known
 * ones, so the answers never reveal whether an account exists. Used by password login, the MFA
 * step and the client-credentials token endpoint.
 */
import type { Config } from '@app/config';
import { DomainError } from '@app/domain';
import type { CounterStore } from '../../lib/rate-limiter.ts';

export function createLoginThrottle(store: CounterStore, config: Config) {
  const lockMs = config.LOGIN_LOCK_MINUTES * 60_000;
  const windowMs = config.LOGIN_FAILURE_WINDOW_SECONDS * 1000;
  const locked = (retryMs: number) =>
    new DomainError(
      'LOGIN_LOCKED',
      'Too many failed sign-in attempts. Try again later.',
      { retryAfterSeconds: Math.ceil(retryMs / 1000) },
      { 'retry-after': String(Math.max(1, Math.ceil(retryMs / 1000))) },
    );

  return {
    /** Count an attempt from `ip`; 429 when the IP is over its per-minute limit. */
    async checkIp(ip: string): Promise<void> {
      const { count, resetMs } = await store.hit(`login-ip:${ip}`, 60_000);
      if (count > config.LOGIN_IP_MAX_PER_MINUTE) {
        const retry = String(Math.max(1, Math.ceil(resetMs / 1000)));
        throw new DomainError('RATE_LIMITED', 'Too many sign-in attempts from this address. Try again later.', undefined, {
          'retry-after': retry,
        });
      }
    },
    /** 429 LOGIN_LOCKED while `subject` (e.g. `user:alice`, `client:pos-1`) is locked. `dbLockedUntil` is the durable copy. */
    async assertNotLocked(subject: string, now: Date, dbLockedUntil?: Date | null): Promise<void> {
      const ms = Math.max(await store.lockedFor(`login:${subject}`), dbLockedUntil ? dbLockedUntil.getTime() - now.getTime() : 0);
      if (ms > 0) throw locked(ms);
    },
    /** Count a failure; returns the lock end when this failure locked the subject. */
    async recordFailure(subject: string, now: Date): Promise<Date | null> {
      const { count } = await store.hit(`login-fail:${subject}`, windowMs);
      if (count < config.LOGIN_MAX_FAILURES) return null;
      await store.lock(`login:${subject}`, lockMs);
      await store.reset(`login-fail:${subject}`).catch(() => {});
      return new Date(now.getTime() + lockMs);
    },
    async recordSuccess(subject: string): Promise<void> {
      await store.reset(`login-fail:${subject}`);
    },
    /** Lift a lock (administrator). */
    async unlock(subject: string): Promise<void> {
      await store.reset(`login:${subject}`);
      await store.reset(`login-fail:${subject}`);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
