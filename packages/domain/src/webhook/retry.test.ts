import { describe, expect, it } from 'vitest';
import {
  parseRetryAfter,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_DELAYS_MS,
  webhookResponseVerdict,
  webhookRetryDelay,
  webhookTimeoutMs,
} from './retry.ts';

const MIN = 60_000;
const H = 60 * MIN;

describe('webhook retry schedule', () => {
  it('1 min, 5 min, 30 min, 2 h, then growing (5, 10, 14, 20, 24 h): ten tries in about three days', () => {
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(10);
    const delays = Array.from({ length: 9 }, (_, i) => webhookRetryDelay(i + 1, null));
    expect(delays).toEqual([MIN, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(delays).toEqual(WEBHOOK_RETRY_DELAYS_MS);
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    const total = delays.reduce((a, b) => a! + b!, 0)!;
    expect(total / H).toBeCloseTo(75.6, 1);
    expect(webhookRetryDelay(10, null)).toBeNull();
    expect(webhookRetryDelay(11, null)).toBeNull();
    // A single-shot delivery (test event, manual redelivery) has no retry.
    expect(webhookRetryDelay(3, null, 3)).toBeNull();
  });

  it('honours Retry-After: never earlier than asked, at most 24 h', () => {
    expect(webhookRetryDelay(1, 2 * H)).toBe(2 * H);
    expect(webhookRetryDelay(1, 10_000)).toBe(MIN);
    expect(webhookRetryDelay(1, 10 * 24 * H)).toBe(24 * H);
    expect(webhookRetryDelay(10, 1_000)).toBeNull();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-11-21T06:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(['30'], now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 07:00:00 GMT', now)).toBe(H);
    expect(parseRetryAfter('Sat, 21 Nov 2026 05:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999', now)).toBe(24 * H);
    for (const v of [undefined, '', 'soon', '-5', '1.5']) expect(parseRetryAfter(v, now), String(v)).toBeNull();
  });

  it('2xx delivers, 410 is gone, everything else (redirects included) is retried', () => {
    expect([200, 201, 204, 299].map(webhookResponseVerdict)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(webhookResponseVerdict(410)).toBe('gone');
    expect([301, 302, 400, 401, 404, 429, 500, 502, 503].map(webhookResponseVerdict)).toEqual(Array(9).fill('retry'));
  });

  it('payloads over the threshold get the long timeout (30 s / 60 s)', () => {
    const cfg = { timeoutMs: 30_000, largeTimeoutMs: 60_000, largePayloadBytes: 262_144 };
    expect(webhookTimeoutMs(1_000, cfg)).toBe(30_000);
    expect(webhookTimeoutMs(262_144, cfg)).toBe(30_000);
    expect(webhookTimeoutMs(262_145, cfg)).toBe(60_000);
  });
});
