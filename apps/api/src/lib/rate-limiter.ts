/**
 * Fixed-window counters and lockouts for rate limits and login throttling. Redis-backed so limits
 * hold across API processes; when Redis is unreachable every call falls back to per-process memory,
 * so the API keeps serving (limits then apply per process until Redis returns).
 */

import type { Logger } from '@app/logger';
import type { Redis } from 'ioredis';

export type Hit = { count: number; resetMs: number };

export interface CounterStore {
  /** Count one hit on `key` in a window of `windowMs`; returns the count so far and ms until the window resets. */
  hit(key: string, windowMs: number): Promise<Hit>;
  /** Lock `key` for `ms`. */
  lock(key: string, ms: number): Promise<void>;
  /** Remaining lock time of `key` in ms (0 = not locked). */
  lockedFor(key: string): Promise<number>;
  /** Forget counters and locks of `key`. */
  reset(key: string): Promise<void>;
}

export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, { count: number; resetAt: number }>();
  private readonly locks = new Map<string, number>();
  private lastSweep = Date.now();

  constructor(private readonly now: () => number = Date.now) {}

  private sweep(t: number) {
    if (t - this.lastSweep < 10_000) return;
    this.lastSweep = t;
    for (const [k, v] of this.counters) if (v.resetAt <= t) this.counters.delete(k);
    for (const [k, v] of this.locks) if (v <= t) this.locks.delete(k);
  }

  async hit(key: string, windowMs: number): Promise<Hit> {
    const t = this.now();
    this.sweep(t);
    let c = this.counters.get(key);
    if (!c || c.resetAt <= t) {
      c = { count: 0, resetAt: t + windowMs };
      this.counters.set(key, c);
    }
    c.count += 1;
    return { count: c.count, resetMs: c.resetAt - t };
  }
  async lock(key: string, ms: number): Promise<void> {
    this.locks.set(key, this.now() + ms);
  }
  async lockedFor(key: string): Promise<number> {
    const until = this.locks.get(key);
    return until === undefined ? 0 : Math.max(0, until - this.now());
  }
  async reset(key: string): Promise<void> {
    this.counters.delete(key);
    this.locks.delete(key);
  }
}

const HIT_SCRIPT = `
local c = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {c, ttl}`;

export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  async hit(key: string, windowMs: number): Promise<Hit> {
    const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, `${this.prefix}:rl:${key}`, windowMs)) as [number, number];
    return { count, resetMs: ttl };
  }
  async lock(key: string, ms: number): Promise<void> {
    await this.redis.set(`${this.prefix}:lock:${key}`, '1', 'PX', ms);
  }
  async lockedFor(key: string): Promise<number> {
    const ttl = await this.redis.pttl(`${this.prefix}:lock:${key}`);
    return Math.max(ttl, 0);
  }
  async reset(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}:rl:${key}`, `${this.prefix}:lock:${key}`);
  }
}

/** Redis first, memory when Redis fails; logs each switch once. */
export class FallbackCounterStore implements CounterStore {
  private degraded = false;
  constructor(
    private readonly primary: CounterStore,
    private readonly fallback: CounterStore,
    private readonly log: Logger,
  ) {}

  get isDegraded(): boolean {
    return this.degraded;
  }

  private async run<T>(f: (s: CounterStore) => Promise<T>): Promise<T> {
    try {
      const r = await f(this.primary);
      if (this.degraded) {
        this.degraded = false;
        this.log.info('rate limits: Redis is back; limits are shared across processes again');
      }
      return r;
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.log.warn({ err }, 'rate limits: Redis unavailable; falling back to per-process limits');
      }
      return f(this.fallback);
    }
  }
  hit(key: string, windowMs: number) {
    return this.run((s) => s.hit(key, windowMs));
  }
  lock(key: string, ms: number) {
    return this.run((s) => s.lock(key, ms));
  }
  lockedFor(key: string) {
    return this.run((s) => s.lockedFor(key));
  }
  reset(key: string) {
    return this.run((s) => s.reset(key));
  }
}
