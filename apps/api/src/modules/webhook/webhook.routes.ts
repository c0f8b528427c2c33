import {
  createWebhookBody,
  deletedWebhook,
  deliveryDetail,
  deliveryPage,
  deliveryParams,
  deliveryView,
  disableWebhookBody,
  eventTypeList,
  listDeliveriesQuery,
  listWebhooksQuery,
  rotatedWebhookSecret,
  rotateSecretBody,
  updateWebhookBody,
  webhookPage,
  webhookParams,
  webhookView,
  webhookWithSecret,
} from '@app/schemas/webhook';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../app.ts';
import { createWebhookService } from './webhook.service.ts';

const tags = ['webhooks'];

export async function webhookRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createWebhookService(deps);

  app.get(
    '/api/v1/webhooks/event-types',
    {
      config: { access: 'webhook.manage' },
      schema: {
        operationId: 'listWebhookEventTypes',
        tags,
        summary: 'The event types a subscription can filter for (the event catalogue), with their versions',
        response: { 200: eventTypeList },
      },
    },
    () => svc.eventTypes(),
  );

  app.get(
    '/api/v1/webhooks',
    {
      config: { access: 'webhook.manage' },
      schema: {
        operationId: 'listWebhooks',
        tags,
        summary: 'Webhook subscriptions, newest first; pass nextCursor as cursor for the next page',
        description: 'Needs a data scope of all. Degraded (bearer) and at-risk (ip_only) subscriptions carry a warning.',
        querystring: listWebhooksQuery,
        response: { 200: webhookPage },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );

  app.get(
    '/api/v1/webhooks/:id',
    {
      config: { access: 'webhook.manage' },
      schema: { operationId: 'getWebhook', tags, params: webhookParams, response: { 200: webhookView } },
    },
    (req) => svc.get(req.ctx, req.params.id),
  );

  app.post(
    '/api/v1/webhooks',
    {
      config: { access: 'webhook.manage', audit: 'webhook.create', sensitiveResponse: true },
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Subscribe a URL to events; the answer holds the signing secret (or a generated bearer token), shown this once',
        description:
          'authMode hmac_sha256 (default): Standard Webhooks signatures. bearer: a fixed token (degraded). ip_only: no credential, ' +
          'refused without acknowledgeRisk: true. The URL is refused (WEBHOOK_TARGET_REFUSED) when it resolves to a loopback, ' +
          'private, CGNAT, link-local, unique-local or metadata address, unless WEBHOOK_ALLOW_INTERNAL_TARGETS is set.',
        body: createWebhookBody,
        response: { 201: webhookWithSecret },
      },
    },
    (req, reply) => reply.transact(201, (trx) => svc.create(trx, req.ctx, req.body)),
  );

  app.patch(
    '/api/v1/webhooks/:id',
    {
      config: { access: 'webhook.manage', audit: 'webhook.update', sensitiveResponse: true },
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Change URL, event filter, description or auth mode',
        description:
          'A change of auth mode makes new credentials, shown this once (secret for hmac_sha256, a generated bearer token); ' +
          'bearerToken replaces the token of a bearer subscription.',
        params: webhookParams,
        body: updateWebhookBody,
        response: { 200: webhookWithSecret },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.update(trx, req.ctx, req.params.id, req.body)),
  );

  app.post(
    '/api/v1/webhooks/:id/disable',
    {
      config: { access: 'webhook.manage', audit: 'webhook.disable' },
      schema: {
        operationId: 'disableWebhook',
        tags,
        summary: 'Stop sending to this subscription (one click); pending deliveries wait, new events are not recorded for it',
        params: webhookParams,
        body: disableWebhookBody,
        response: { 200: webhookView },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.disable(trx, req.ctx, req.params.id, req.body ?? {})),
  );

  app.post(
    '/api/v1/webhooks/:id/enable',
    {
      config: { access: 'webhook.manage', audit: 'webhook.enable' },
      schema: {
        operationId: 'enableWebhook',
        tags,
        summary: 'Send to this subscription again (its target is checked again); its waiting deliveries go out at once',
        params: webhookParams,
        response: { 200: webhookView },
      },
    },
    async (req, reply) => {
      const r = await reply.transact(200, (trx) => svc.enable(trx, req.ctx, req.params.id));
      await svc.nudge();
      return r;
    },
  );

  app.delete(
    '/api/v1/webhooks/:id',
    {
      config: { access: 'webhook.manage', audit: 'webhook.delete' },
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Delete a subscription and its delivery log',
        params: webhookParams,
        response: { 200: deletedWebhook },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.remove(trx, req.ctx, req.params.id)),
  );

  app.post(
    '/api/v1/webhooks/:id/rotate-secret',
    {
      config: { access: 'webhook.manage', audit: 'webhook.secret_rotate', sensitiveResponse: true },
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'A new signing secret, shown this once; the previous one keeps signing for graceHours (default 24)',
        description:
          'During the grace period webhook-signature carries two signatures (new first). For auth mode bearer, a new token replaces the old one at once.',
        params: webhookParams,
        body: rotateSecretBody,
        response: { 200: rotatedWebhookSecret },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.rotateSecret(trx, req.ctx, req.params.id, req.body ?? { graceHours: 24 })),
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      config: { access: 'webhook.manage' },
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: 'The delivery log (kept WEBHOOK_LOG_RETENTION_DAYS, 90), newest first; filter by status or event type',
        params: webhookParams,
        querystring: listDeliveriesQuery,
        response: { 200: deliveryPage },
      },
    },
    (req) => svc.listDeliveries(req.ctx, req.params.id, req.query),
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries/:deliveryId',
    {
      config: { access: 'webhook.manage' },
      schema: {
        operationId: 'getWebhookDelivery',
        tags,
        summary: 'A delivery with its body and every try (status code, duration, error, answer excerpt, address)',
        params: deliveryParams,
        response: { 200: deliveryDetail },
      },
    },
    (req) => svc.getDelivery(req.ctx, req.params.id, req.params.deliveryId),
  );

  app.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      config: { access: 'webhook.manage', audit: 'webhook.redeliver' },
      schema: {
        operationId: 'redeliverWebhookDelivery',
        tags,
        summary: 'Send a delivery again with the same webhook-id (one more try); a pending one is made due now',
        params: deliveryParams,
        response: { 202: deliveryView },
      },
    },
    async (req, reply) => {
      const r = await reply.transact(202, (trx) => svc.redeliver(trx, req.ctx, req.params.id, req.params.deliveryId));
      await svc.nudge();
      return r;
    },
  );

  app.post(
    '/api/v1/webhooks/:id/test',
    {
      config: { access: 'webhook.manage', audit: 'webhook.test' },
      schema: {
        operationId: 'sendWebhookTestEvent',
        tags,
        summary: 'Queue a WebhookTest event to this subscription (one try); read its outcome from the delivery',
        params: webhookParams,
        response: { 202: deliveryView },
      },
    },
    async (req, reply) => {
      const r = await reply.transact(202, (trx) => svc.sendTest(trx, req.ctx, req.params.id));
      await svc.nudge();
      return r;
    },
  );
}
