/**
 * How webhook deliveries are retried (platform plan §3.3: 1 min → 5 min → 30 min → 2 h → … → at most 10
 * tries, then dead + alert; Standard Webhooks' example schedule for the growing part: 5 h, 10 h, 14 h, 20 h,
 * 24 h, about 3 days in all). Pure: the caller passes the attempt count, the answer and the clock.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Tries a delivery gets before it is dead: the first one and nine retries. */
export const WEBHOOK_MAX_ATTEMPTS = 10;

/** The wait before retry n (n = 1 … 9): after the first try 1 min, after the second 5 min, … */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  MINUTE,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** A Retry-After longer than this is cut to it (a receiver cannot park a delivery for weeks). */
export const WEBHOOK_RETRY_AFTER_MAX_MS = 24 * HOUR;

/**
 * The wait before the next try after `attemptsMade` tries failed, or null when none is left (`maxAttempts`
 * reached). A receiver's Retry-After is honoured: the next try is never earlier than it asks.
 */
export function webhookRetryDelay(
  attemptsMade: number,
  retryAfterMs: number | null,
  maxAttempts = WEBHOOK_MAX_ATTEMPTS,
): number | null {
  if (attemptsMade >= maxAttempts) return null;
  const scheduled =
    WEBHOOK_RETRY_DELAYS_MS[Math.min(Math.max(attemptsMade, 1), WEBHOOK_RETRY_DELAYS_MS.length) - 1] ??
    WEBHOOK_RETRY_DELAYS_MS[0]!;
  return retryAfterMs === null ? scheduled : Math.max(scheduled, Math.min(retryAfterMs, WEBHOOK_RETRY_AFTER_MAX_MS));
}

/** A Retry-After header (delay-seconds or an HTTP-date) as milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, WEBHOOK_RETRY_AFTER_MAX_MS);
  const at = Date.parse(v);
  if (!Number.isFinite(at) || !/[a-z]/i.test(v)) return null;
  return Math.min(Math.max(0, at - now.getTime()), WEBHOOK_RETRY_AFTER_MAX_MS);
}

/**
 * What an HTTP answer means for a delivery: any 2xx delivered it; 410 Gone says the endpoint is gone for good
 * (the subscription is disabled); anything else — 3xx (redirects are not followed: they could lead anywhere,
 * internal targets included), 4xx, 5xx — is retried.
 */
export function webhookResponseVerdict(status: number): 'delivered' | 'gone' | 'retry' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  return 'retry';
}

/** The request timeout of a body of `bytes`: the general one, or the long one above the large-payload threshold. */
export function webhookTimeoutMs(
  bytes: number,
  cfg: { timeoutMs: number; largeTimeoutMs: number; largePayloadBytes: number },
): number {
  return bytes > cfg.largePayloadBytes ? cfg.largeTimeoutMs : cfg.timeoutMs;
}
