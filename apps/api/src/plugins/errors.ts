/**
 * The one error handler: every error leaves as `{ requestId, statusCode, code, message, details? }`.
 * Domain errors keep their code; validation errors list each bad field; anything unexpected is a
 * 500 with no internals (the stack trace goes to the log with the request id).
 */
import { DomainError, ERROR_CODES, type ErrorCode } from '@app/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export type ErrorBody = { requestId: string; statusCode: number; code: string; message: string; details?: unknown };

export function sendError(req: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string, details?: unknown) {
  const statusCode = ERROR_CODES[code].status;
  const body: ErrorBody = { requestId: req.id, statusCode, code, message };
  if (details !== undefined) body.details = details;
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the limit.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'This Content-Type is not accepted here.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', message: "The body is empty but Content-Type is 'application/json'." },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'The body is not valid JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: 'Content-Length does not match the body.' },
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | DomainError | Error, req, reply) => {
    if (err instanceof DomainError) {
      if (err.headers) reply.headers(err.headers);
      return sendError(req, reply, err.code, err.message, err.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const details = err.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        const keys = (v.params as { keys?: unknown } | undefined)?.keys;
        // Unknown keys: name each one as the bad field.
        if (v.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length) {
          return keys.map((k) => ({ field: [where, path, String(k)].filter(Boolean).join('.'), message: 'unknown field' }));
        }
        return [{ field: [where, path].filter(Boolean).join('.'), message: v.message ?? 'invalid' }];
      });
      return sendError(req, reply, 'VALIDATION_ERROR', `Invalid ${where}.`, details.flat());
    }
    const fe = err as FastifyError;
    const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (known) return sendError(req, reply, known.code, known.message);
    if (err instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
      return sendError(req, reply, 'INVALID_JSON', 'The body is not valid JSON.');
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code: ErrorCode =
        fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fe.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
      return sendError(req, reply, code, fe.message);
    }
    req.log.error({ err }, 'unhandled error');
    return sendError(req, reply, 'INTERNAL_ERROR', 'An unexpected error occurred. Quote the request id when reporting it.');
  });

  app.setNotFoundHandler((req, reply) =>
    sendError(req, reply, 'ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`),
  );
}
