/**
 * How a receiver knows a webhook comes from us (platform plan §3.3, v2.1 "Webhook 認證模式"):
 * - `hmac_sha256` (default): Standard Webhooks signatures over id.timestamp.body with a secret shown once;
 * - `bearer`: a fixed token in `Authorization: Bearer …`, for old ERPs that cannot verify signatures —
 *   degraded: the body is not signed, so tampering and replays go unnoticed;
 * - `ip_only`: nothing at all — the receiver trusts our source address. Only on internal networks, only
 *   with an explicit risk acknowledgement, and shown with a warning everywhere.
 */

export const WEBHOOK_AUTH_MODES = ['hmac_sha256', 'bearer', 'ip_only'] as const;
export type WebhookAuthMode = (typeof WEBHOOK_AUTH_MODES)[number];

/** `standard` (signed), `degraded` (bearer) or `at_risk` (ip_only). */
export type WebhookSecurity = 'standard' | 'degraded' | 'at_risk';

export const webhookSecurity = (mode: WebhookAuthMode): WebhookSecurity =>
  mode === 'hmac_sha256' ? 'standard' : mode === 'bearer' ? 'degraded' : 'at_risk';

/** The warning shown with a subscription wherever it appears, or null when there is nothing to warn about. */
export function webhookWarning(sub: { authMode: WebhookAuthMode; url: string }): string | null {
  const parts: string[] = [];
  if (sub.authMode === 'bearer') {
    parts.push(
      'Degraded: auth mode bearer sends a fixed token and does not sign the body, so the receiver cannot detect a changed or replayed request. Switch to hmac_sha256 once the receiver can verify signatures.',
    );
  } else if (sub.authMode === 'ip_only') {
    parts.push(
      'At risk: auth mode ip_only sends no credential at all; the receiver can only trust the source address, and anyone who can reach it can forge events. Use it only on an internal network.',
    );
  }
  if (sub.url.startsWith('http:')) {
    parts.push('Plain http: events (and a bearer token) cross the network unencrypted; use https.');
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

/**
 * The body of a webhook request: the event's type, version and id, when it happened, and its payload. The
 * same bytes on every attempt (they are stored with the delivery); the signature covers them exactly.
 */
export function webhookBody(e: { type: string; version: number; eventId: string; occurredAt: Date; data: unknown }): string {
  return JSON.stringify({
    type: e.type,
    version: e.version,
    eventId: e.eventId,
    timestamp: e.occurredAt.toISOString(),
    data: e.data,
  });
}

/** The event type of "send test event" deliveries (not an outbox event: sent to one subscription, once). */
export const WEBHOOK_TEST_EVENT = 'WebhookTest';
