/**
 * The web app's render-error reports (GlobalErrorBoundary, platform plan §13): stored with the tenant, the
 * user when the report carried a valid token, the device id and the address; rate limited per address
 * (CLIENT_ERROR_REPORTS_PER_MINUTE). Administrators (`ops.admin`) list them on the system page.
 */
import { type ClientErrorView, clientErrorBody, clientErrorPage, listClientErrorsQuery } from '@app/schemas/client-error';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';

const tags = ['ops'];

export async function clientErrorRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;

  app.post(
    '/api/v1/client-errors',
    {
      config: { access: 'public', audit: 'client_error.report', rateLimit: 'client-error' },
      schema: {
        operationId: 'reportClientError',
        tags,
        summary: 'Report a render error of the web app (no token needed; the user is recorded when one is sent)',
        body: clientErrorBody,
        response: { 202: z.object({ id: z.string() }) },
      },
    },
    async (req, reply) => {
      // A public route: a token, when sent and still valid, names the user; an expired one does not refuse the report.
      let user: { id: string; name: string } | null = null;
      const auth = req.headers.authorization;
      if (auth?.startsWith('Bearer ')) {
        try {
          const { principal } = await deps.authenticateToken(auth.slice('Bearer '.length));
          if (principal.kind === 'user') user = { id: principal.id, name: principal.name };
        } catch {
          user = null;
        }
      }
      const b = req.body;
      const row = await db
        .insertInto('sys_client_errors')
        .values({
          tenant_id: deps.tenant.id,
          user_id: user?.id ?? null,
          username: user?.name ?? null,
          device_id: b.deviceId ?? null,
          message: b.message,
          stack: b.stack ?? null,
          component_stack: b.componentStack ?? null,
          url: b.url,
          user_agent: b.userAgent,
          app_version: b.appVersion ?? null,
          ip: req.ip ? sql`${req.ip}::inet` : null,
          occurred_at: new Date(b.occurredAt),
        })
        .returning(sql<string>`id::text`.as('id'))
        .executeTakeFirstOrThrow();
      req.ctx.audit = {
        ...req.ctx.audit,
        target: { type: 'client_error', id: row.id },
        note: { message: b.message.slice(0, 200) },
      };
      return reply.code(202).send({ id: row.id });
    },
  );

  app.get(
    '/api/v1/client-errors',
    {
      config: { access: 'ops.admin' },
      schema: {
        operationId: 'listClientErrors',
        tags,
        summary: 'Stored web app error reports, newest first',
        querystring: listClientErrorsQuery,
        response: { 200: clientErrorPage },
      },
    },
    async (req) => {
      const { cursor, limit } = req.query;
      let q = db
        .selectFrom('sys_client_errors')
        .select([
          sql<string>`id::text`.as('id'),
          'tenant_id',
          'user_id',
          'username',
          'device_id',
          'message',
          'stack',
          'component_stack',
          'url',
          'user_agent',
          'app_version',
          sql<string | null>`host(ip)`.as('ip'),
          'occurred_at',
          'received_at',
        ])
        .where('tenant_id', '=', deps.tenant.id);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const items: ClientErrorView[] = page.map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        userId: r.user_id,
        username: r.username,
        deviceId: r.device_id,
        message: r.message,
        stack: r.stack,
        componentStack: r.component_stack,
        url: r.url,
        userAgent: r.user_agent,
        appVersion: r.app_version,
        ip: r.ip,
        occurredAt: r.occurred_at.toISOString(),
        receivedAt: r.received_at.toISOString(),
      }));
      return { items, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
  );
}
