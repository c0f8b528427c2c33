import { DomainError } from '@app/domain';
import type { FastifyInstance } from 'fastify';

/** Attach `req.ctx` (request id, caller IP, user agent; the principal comes later) and echo the request id. */
export function installRequestContext(app: FastifyInstance): void {
  app.decorateRequest('ctx', null as never);
  app.addHook('onRequest', async (req, reply) => {
    const ua = req.headers['user-agent'];
    req.ctx = { requestId: req.id, ip: req.ip, userAgent: typeof ua === 'string' ? ua : null, principal: null, audit: {} };
    reply.header('x-request-id', req.id);
  });
}

/** Request ids: a caller's X-Request-Id when it is a sane token, else a new UUID. */
export const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * PostgreSQL cannot store U+0000 in text or jsonb; a NUL anywhere in the input would surface as a
 * 500 deep in a query. Refuse it up front, naming each field.
 */
export function installNulGuard(app: FastifyInstance): void {
  const find = (v: unknown, path: string, out: string[], depth: number) => {
    if (out.length >= 20 || depth > 32) return;
    if (Buffer.isBuffer(v)) return; // uploaded file content: bytes, not text
    if (typeof v === 'string') {
      if (v.includes('\u0000')) out.push(path);
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) find(x, `${path}.${i}`, out, depth + 1);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) find(x, `${path}.${k}`, out, depth + 1);
    }
  };
  app.addHook('preValidation', async (req) => {
    const bad: string[] = [];
    // Multipart parts hold streams and files (checked by their own route), not text fields to scan.
    const isMultipart = (req as { isMultipart?: () => boolean }).isMultipart;
    if (!(typeof isMultipart === 'function' && isMultipart.call(req))) find(req.body, 'body', bad, 0);
    find(req.query, 'querystring', bad, 0);
    find(req.params, 'params', bad, 0);
    if (bad.length) {
      throw new DomainError(
        'VALIDATION_ERROR',
        'NUL characters (U+0000) are not allowed.',
        bad.map((field) => ({ field, message: 'contains a NUL character' })),
      );
    }
  });
}
