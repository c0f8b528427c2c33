import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CircuitBreakerSnapshot,
  CircuitOpenError,
  createCircuitBreaker,
  createCircuitBreakerRegistry,
  isCircuitOpenError,
} from '../src/circuit-breaker.ts';

const ok = async () => 'ok';
const down = async (): Promise<never> => {
  throw new Error('ENOENT: Turnkey folder unavailable');
};

describe('circuit breaker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-21T08:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after N consecutive failures and then refuses at once, without calling the dependency', async () => {
    const changes: [string, string][] = [];
    const b = createCircuitBreaker({
      name: 'turnkey-folder',
      failureThreshold: 3,
      openMs: 30_000,
      onStateChange: (s, from) => changes.push([from, s.state]),
    });
    await expect(b.run(down)).rejects.toThrow('ENOENT');
    await expect(b.run(down)).rejects.toThrow('ENOENT');
    expect(b.state()).toBe('closed');
    await expect(b.run(down)).rejects.toThrow('ENOENT');
    expect(b.state()).toBe('open');
    expect(changes).toEqual([['closed', 'open']]);

    const fn = vi.fn(ok);
    const err = await b.run(fn).catch((e) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(isCircuitOpenError(err)).toBe(true);
    expect(err).toMatchObject({ breaker: 'turnkey-folder', retryAfterMs: 30_000 });
    expect(fn).not.toHaveBeenCalled();

    vi.advanceTimersByTime(10_000);
    expect((await b.run(fn).catch((e) => e)).retryAfterMs).toBe(20_000);
    expect(b.snapshot()).toMatchObject({
      name: 'turnkey-folder',
      state: 'open',
      consecutiveFailures: 3,
      openedAt: Date.parse('2026-11-21T08:00:00Z'),
      retryAfterMs: 20_000,
      lastError: 'ENOENT: Turnkey folder unavailable',
      totals: { succeeded: 0, failed: 3, rejected: 2 },
    });
  });

  it('a success in between resets the count: only consecutive failures open it', async () => {
    const b = createCircuitBreaker({ name: 'db', failureThreshold: 2, openMs: 1_000 });
    await expect(b.run(down)).rejects.toThrow();
    await b.run(ok);
    await expect(b.run(down)).rejects.toThrow();
    expect(b.state()).toBe('closed');
    expect(b.snapshot().consecutiveFailures).toBe(1);
  });

  it('half-opens after openMs, lets one probe through, and closes when it succeeds', async () => {
    const changes: string[] = [];
    const b = createCircuitBreaker({
      name: 'db',
      failureThreshold: 1,
      openMs: 5_000,
      onStateChange: (s) => changes.push(s.state),
    });
    await expect(b.run(down)).rejects.toThrow();
    vi.advanceTimersByTime(4_999);
    expect(b.state()).toBe('open');
    vi.advanceTimersByTime(1);
    expect(b.state()).toBe('half-open');

    // The probe is in flight: other calls are refused meanwhile, told to come back soon.
    let release!: (v: string) => void;
    const probe = b.run(() => new Promise<string>((r) => (release = r)));
    const refused = await b.run(ok).catch((e) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused.retryAfterMs).toBe(1_000);
    release('back');
    expect(await probe).toBe('back');
    expect(b.state()).toBe('closed');
    expect(await b.run(ok)).toBe('ok');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
    expect(b.snapshot()).toMatchObject({ consecutiveFailures: 0, retryAfterMs: 0 });
  });

  it('a failed probe opens it again for another openMs', async () => {
    const b = createCircuitBreaker({ name: 'db', failureThreshold: 2, openMs: 5_000 });
    await expect(b.run(down)).rejects.toThrow();
    await expect(b.run(down)).rejects.toThrow();
    vi.advanceTimersByTime(5_000);
    await expect(b.run(down)).rejects.toThrow('ENOENT'); // the probe reached the dependency
    expect(b.state()).toBe('open');
    expect(b.snapshot().openedAt).toBe(Date.now());
    vi.advanceTimersByTime(4_000);
    await expect(b.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    vi.advanceTimersByTime(1_000);
    expect(await b.run(ok)).toBe('ok');
    expect(b.state()).toBe('closed');
  });

  it('halfOpenProbes lets several probes through at once', async () => {
    const b = createCircuitBreaker({ name: 'http', failureThreshold: 1, openMs: 100, halfOpenProbes: 2 });
    await expect(b.run(down)).rejects.toThrow();
    vi.advanceTimersByTime(100);
    const hold: ((v: string) => void)[] = [];
    const p1 = b.run(() => new Promise<string>((r) => hold.push(r)));
    const p2 = b.run(() => new Promise<string>((r) => hold.push(r)));
    await expect(b.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    for (const r of hold) r('ok');
    await Promise.all([p1, p2]);
    expect(b.state()).toBe('closed');
  });

  it('errors that isFailure rejects do not count (the dependency answered; the request was bad)', async () => {
    class Rejected extends Error {}
    const b = createCircuitBreaker({
      name: 'platform',
      failureThreshold: 1,
      openMs: 1_000,
      isFailure: (e) => !(e instanceof Rejected),
    });
    await expect(
      b.run(async () => {
        throw new Rejected('400');
      }),
    ).rejects.toThrow('400');
    expect(b.state()).toBe('closed');
  });

  it('results of calls started before a change of state change nothing', async () => {
    const b = createCircuitBreaker({ name: 'db', failureThreshold: 1, openMs: 1_000 });
    let finishSlow!: (v: string) => void;
    const slow = b.run(() => new Promise<string>((r) => (finishSlow = r)));
    await expect(b.run(down)).rejects.toThrow(); // opens
    finishSlow('late');
    expect(await slow).toBe('late');
    expect(b.state()).toBe('open'); // a success from before the outage does not close it
  });

  it('callTimeoutMs abandons a hung call, counts it as a failure and aborts its signal', async () => {
    const b = createCircuitBreaker({ name: 'nfs', failureThreshold: 1, openMs: 1_000, callTimeoutMs: 2_000 });
    let signal: AbortSignal | undefined;
    const hung = b
      .run((s) => {
        signal = s;
        return new Promise<never>(() => {});
      })
      .catch((e) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    expect((await hung).message).toMatch(/timed out after 2000 ms/);
    expect(signal?.aborted).toBe(true);
    expect(b.state()).toBe('open');
  });

  it('reset() closes it by hand; the registry shares one breaker per name and reports every change', async () => {
    const registry = createCircuitBreakerRegistry();
    const seen: CircuitBreakerSnapshot[] = [];
    const unfollow = registry.onStateChange((s) => seen.push(s));
    const a = registry.get({ name: 'turnkey-folder', failureThreshold: 1, openMs: 60_000 });
    const again = registry.get({ name: 'turnkey-folder', failureThreshold: 99, openMs: 1 });
    expect(again).toBe(a);
    await expect(a.run(down)).rejects.toThrow();
    expect(registry.snapshots().map((s) => [s.name, s.state])).toEqual([['turnkey-folder', 'open']]);
    a.reset();
    expect(a.state()).toBe('closed');
    unfollow();
    await expect(a.run(down)).rejects.toThrow();
    expect(seen.map((s) => s.state)).toEqual(['open', 'closed']);
  });

  it('refuses nonsense options', () => {
    expect(() => createCircuitBreaker({ name: 'x', failureThreshold: 0, openMs: 1 })).toThrow(/failureThreshold/);
    expect(() => createCircuitBreaker({ name: 'x', failureThreshold: 1, openMs: 0 })).toThrow(/openMs/);
  });
});
