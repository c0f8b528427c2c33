/**
 * Standard Webhooks 1.0 signatures (print-and-protocols.md §4.2; standard-webhooks/standard-webhooks:
 * spec/standard-webhooks.md). Every request carries
 *
 *   webhook-id:        the delivery's id, the same on every attempt and redelivery (receivers dedup on it)
 *   webhook-timestamp: the attempt's time, Unix seconds
 *   webhook-signature: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, space-separated when
 *                      more than one secret is valid (after a rotation, during its grace period)
 *
 * where the key is the base64 part of the secret `whsec_<base64>`. Deterministic and without I/O: node:crypto
 * is only the HMAC primitive.
 */
import { createHmac } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Bytes of key material in a secret we make (Standard Webhooks: 24–64). */
export const WEBHOOK_SECRET_BYTES = 32;

/** The secret for `key` bytes: `whsec_` + base64. */
export const formatWebhookSecret = (key: Buffer): string => `${WEBHOOK_SECRET_PREFIX}${key.toString('base64')}`;

/** The HMAC key of a secret (the prefix is optional, as in the reference libraries). */
export function webhookSecretKey(secret: string): Buffer {
  const b64 = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new Error('empty webhook secret');
  return key;
}

/** One signature, `v1,<base64>`, of `body` sent as message `id` at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', webhookSecretKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/**
 * The Standard Webhooks headers of one attempt. `secrets`: the valid secrets, current first — one signature
 * each, so a receiver that knows either verifies. Without secrets (auth modes bearer and ip_only) only the id
 * and timestamp are sent.
 */
export function webhookHeaders(
  msg: { id: string; timestamp: number; body: string },
  secrets: readonly string[],
): Record<string, string> {
  const h: Record<string, string> = { 'webhook-id': msg.id, 'webhook-timestamp': String(msg.timestamp) };
  if (secrets.length > 0) h['webhook-signature'] = secrets.map((s) => signWebhook(s, msg.id, msg.timestamp, msg.body)).join(' ');
  return h;
}
