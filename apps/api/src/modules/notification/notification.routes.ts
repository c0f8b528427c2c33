import {
  listMailsQuery,
  mailPage,
  ownMailsQuery,
  preferencesView,
  putPreferencesBody,
  testMailView,
} from '@app/schemas/notification';
import { idParams } from '@app/schemas/role';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ModuleDeps } from '../../app.ts';
import { createNotificationService } from './notification.service.ts';

const tags = ['notifications'];

export async function notificationRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createNotificationService(deps);

  app.get(
    '/api/v1/me/notification-preferences',
    {
      config: { access: 'authenticated' },
      schema: {
        operationId: 'getMyNotificationPreferences',
        tags,
        summary: 'Your e-mail notification preferences',
        description:
          'Per kind `off`, `immediate` (one mail per event) or `digest`; the digest goes out hourly or daily at `hour` (Asia/Taipei). ' +
          '`permittedKinds` are the kinds your permissions let you receive; `emailEnabled` is false while the stack has no SMTP server.',
        response: { 200: preferencesView },
      },
    },
    (req) => svc.mine(req.ctx),
  );

  app.put(
    '/api/v1/me/notification-preferences',
    {
      config: { access: 'authenticated', audit: 'notification.preferences_set' },
      schema: {
        operationId: 'putMyNotificationPreferences',
        tags,
        summary: 'Replace your e-mail notification preferences',
        description:
          'Kinds left out of `kinds` go back to their default (`immediate`); `digest` left out is daily at 08:00 Asia/Taipei. ' +
          'Unknown kinds or deliveries are 400 naming the field.',
        body: putPreferencesBody,
        response: { 200: preferencesView },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.replaceMine(trx, req.ctx, req.body)),
  );

  app.post(
    '/api/v1/me/test-email',
    {
      config: { access: 'authenticated', audit: 'notification.test_email' },
      schema: {
        operationId: 'sendMyTestEmail',
        tags,
        summary: 'Queue a test e-mail to your own address',
        description:
          'The worker sends it like any notification (GET /api/v1/me/notification-mails shows how it went). ' +
          '409 EMAIL_DISABLED without an SMTP server; 409 EMAIL_ADDRESS_MISSING when you have no address.',
        response: { 202: testMailView },
      },
    },
    async (req, reply) => {
      const r = await reply.transact(202, (trx) => svc.sendTest(trx, req.ctx));
      svc.kickSend();
      return r;
    },
  );

  app.get(
    '/api/v1/me/notification-mails',
    {
      config: { access: 'authenticated' },
      schema: {
        operationId: 'listMyNotificationMails',
        tags,
        summary: 'The notification e-mails sent (or to be sent) to you, newest first',
        querystring: ownMailsQuery,
        response: { 200: mailPage },
      },
    },
    (req) => svc.myMails(req.ctx, req.query),
  );

  app.get(
    '/api/v1/users/:id/notification-preferences',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'getUserNotificationPreferences',
        tags,
        summary: "A user's e-mail notification preferences",
        params: idParams,
        response: { 200: preferencesView },
      },
    },
    (req) => svc.ofUser(req.params.id),
  );

  app.get(
    '/api/v1/notification-mails',
    {
      config: { access: 'user.manage' },
      schema: {
        operationId: 'listNotificationMails',
        tags,
        summary: 'The notification mail log, newest first; pass nextCursor as cursor for the next page',
        description:
          'Status, tries, last SMTP error and the events of each mail. Mails tell of every seller their recipient sees: ' +
          'the log needs a data scope of all sellers (403 SCOPE_FORBIDDEN otherwise).',
        querystring: listMailsQuery,
        response: { 200: mailPage },
      },
    },
    (req) => svc.list(req.ctx, req.query),
  );
}
