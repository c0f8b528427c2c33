import { WEBHOOK_AUTH_MODES, WEBHOOK_URL_MAX_LENGTH } from '@app/domain/browser';
import { EVENTS } from '@app/jobs/events';
import { z } from 'zod';

const EVENT_TYPES = Object.keys(EVENTS) as [string, ...string[]];

export const webhookParams = z.strictObject({ id: z.uuid({ error: 'must be a UUID' }) });
export const deliveryParams = z.strictObject({
  id: z.uuid({ error: 'must be a UUID' }),
  deliveryId: z.string().regex(/^\d{1,19}$/, 'a delivery id'),
});

const authMode = z.enum(WEBHOOK_AUTH_MODES);
const url = z.string().trim().min(1).max(WEBHOOK_URL_MAX_LENGTH);
/** Event types of the catalogue (GET /api/v1/webhooks/event-types), or '*' for all of them, also ones added later. */
const events = z
  .array(z.enum(['*', ...EVENT_TYPES], { error: "unknown event type; see GET /api/v1/webhooks/event-types (or '*')" }))
  .min(1)
  .max(200);
const description = z.string().trim().max(500);
/** A token an old ERP expects (`Authorization: Bearer …`); without one, a random one is made and shown once. */
const bearerToken = z
  .string()
  .regex(/^[\x21-\x7e]{16,512}$/, '16-512 printable ASCII characters without spaces')
  .optional();

export const createWebhookBody = z.strictObject({
  url,
  events,
  description: description.default(''),
  authMode: authMode.default('hmac_sha256'),
  bearerToken,
  /** Required (true) for auth mode ip_only: webhooks then go out without any credential. */
  acknowledgeRisk: z.boolean().optional(),
});
export type CreateWebhookInput = z.infer<typeof createWebhookBody>;

export const updateWebhookBody = z.strictObject({
  url: url.optional(),
  events: events.optional(),
  description: description.optional(),
  authMode: authMode.optional(),
  bearerToken,
  acknowledgeRisk: z.boolean().optional(),
});
export type UpdateWebhookInput = z.infer<typeof updateWebhookBody>;

export const disableWebhookBody = z.strictObject({ reason: z.string().trim().max(500).optional() }).default({});
export type DisableWebhookInput = z.infer<typeof disableWebhookBody>;

export const rotateSecretBody = z
  .strictObject({
    /** How long the previous secret keeps signing too (0: not at all). Bearer tokens are replaced at once. */
    graceHours: z.number().int().min(0).max(168).default(24),
  })
  .default({ graceHours: 24 });
export type RotateSecretInput = z.infer<typeof rotateSecretBody>;

export const listWebhooksQuery = z.strictObject({
  status: z.enum(['enabled', 'disabled']).optional(),
  authMode: authMode.optional(),
  cursor: z.uuid({ error: 'a cursor from a previous page' }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListWebhooksQuery = z.infer<typeof listWebhooksQuery>;

export const deliveryStatus = z.enum(['pending', 'succeeded', 'failed', 'dead']);
export const listDeliveriesQuery = z.strictObject({
  status: deliveryStatus.optional(),
  eventType: z.string().max(100).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>;

export const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  authMode,
  /** standard (signed) | degraded (bearer) | at_risk (ip_only). */
  security: z.enum(['standard', 'degraded', 'at_risk']),
  /** Why this subscription is weaker than it should be (bearer, ip_only, plain http); null when it is not. */
  warning: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  disabledReason: z.enum(['manual', 'gone']).nullable(),
  disabledNote: z.string().nullable(),
  disabledAt: z.string().nullable(),
  disabledBy: z.string().nullable(),
  secretRotatedAt: z.string().nullable(),
  /** Until then the previous secret signs too (a second `v1,` signature). */
  previousSecretExpiresAt: z.string().nullable(),
  riskAcknowledgedAt: z.string().nullable(),
  riskAcknowledgedBy: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookView = z.infer<typeof webhookView>;

export const webhookPage = z.object({ items: z.array(webhookView), nextCursor: z.string().nullable() });

/** The answer of a write that made a secret or token: it is in this answer only. */
export const webhookWithSecret = webhookView.extend({
  /** The signing secret (`whsec_…`), when this request made one. */
  secret: z.string().optional(),
  /** The bearer token, when this request generated one. */
  bearerToken: z.string().optional(),
});

export const rotatedWebhookSecret = z.object({
  id: z.string(),
  authMode,
  secret: z.string().optional(),
  bearerToken: z.string().optional(),
  secretRotatedAt: z.string(),
  previousSecretExpiresAt: z.string().nullable(),
});

export const deletedWebhook = z.object({ id: z.string(), deleted: z.literal(true), deliveriesDeleted: z.number().int() });

export const attemptView = z.object({
  attempt: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number().int(),
  outcome: z.enum(['succeeded', 'http_error', 'gone', 'timeout', 'network_error', 'refused', 'aborted', 'error']),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  address: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

export const deliveryView = z.object({
  id: z.string(),
  webhookId: z.string(),
  /** The `webhook-id` header: the same on every try and redelivery. */
  webhookMessageId: z.string(),
  kind: z.enum(['event', 'test']),
  eventId: z.string(),
  eventType: z.string(),
  status: deliveryStatus,
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastDurationMs: z.number().int().nullable(),
  succeededAt: z.string().nullable(),
  deadAt: z.string().nullable(),
  redeliveredAt: z.string().nullable(),
  redeliveredBy: z.string().nullable(),
  createdAt: z.string(),
});
export type DeliveryView = z.infer<typeof deliveryView>;
export const deliveryPage = z.object({ items: z.array(deliveryView), nextCursor: z.string().nullable() });
export const deliveryDetail = deliveryView.extend({ body: z.unknown(), attemptLog: z.array(attemptView) });

export const eventTypeList = z.object({
  items: z.array(z.object({ type: z.string(), version: z.number().int(), description: z.string() })),
});
