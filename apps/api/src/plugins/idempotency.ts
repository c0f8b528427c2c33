/**
 * Idempotency keys (platform plan §6.2; semantics of print-and-protocols.md §4.1). Every write under
 * /api/v1 carries `Idempotency-Key`. Keys are scoped per caller and kept IDEMPOTENCY_TTL_HOURS with a
 * hash of the request and the first response:
 * - same key, same request        → the stored response again, with `Idempotent-Replayed: true`;
 * - same key, different request   → 409 IDEMPOTENCY_KEY_REUSED;
 * - same key while the first runs → 409 IDEMPOTENCY_IN_PROGRESS (Retry-After).
 * A claim is one INSERT … ON CONFLICT, so of N parallel requests with one key exactly one runs.
 * Responses below 500 are stored (with the business write when the route uses `req.transact`);
 * a 5xx releases the key so the caller can retry. An in-flight claim whose process died is taken
 * over after IDEMPOTENCY_LEASE_SECONDS: with `req.transact` nothing of it had committed.
 */
import { createHash } from 'node:crypto';
import { DomainError } from '@app/domain';
import { decryptSecret, encryptSecret } from '@app/security';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { AppDeps, IdemState, InlineKey, Tx } from '../context.ts';
import { KEY_TAKEN } from '../context.ts';
import { API_PREFIX, isWrite } from './scope-injector.ts';

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** A stored response that is a reference to rebuild on replay (`{"$ref": …}`), not the answer itself. */
const isRef = (b: unknown): b is Record<string, unknown> & { $ref: string } =>
  typeof b === 'object' && b !== null && typeof (b as { $ref?: unknown }).$ref === 'string';

/** JSON with object keys sorted, so {a,b} and {b,a} hash the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  // Uploaded files (multipart) count by their content.
  if (Buffer.isBuffer(v)) return JSON.stringify(`sha256:${createHash('sha256').update(v).digest('hex')}`);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/**
 * What a request is, for comparing retries: method, URL and body. A multipart body (its parts carry
 * streams and a back-reference to all fields) counts by each part's value; files by their content.
 */
function bodyForHash(req: FastifyRequest): unknown {
  const multipart = (req as { isMultipart?: () => boolean }).isMultipart;
  if (typeof multipart === 'function' && multipart.call(req) && req.body && typeof req.body === 'object') {
    return Object.fromEntries(Object.entries(req.body).map(([k, v]) => [k, (v as { value?: unknown } | null)?.value ?? null]));
  }
  return req.body ?? null;
}

export const requestHash = (req: FastifyRequest): string =>
  createHash('sha256')
    .update(`${req.method} ${req.url}\n${canonicalJson(bodyForHash(req))}`)
    .digest('hex');

export function installIdempotency(app: FastifyInstance, deps: AppDeps) {
  const { db, config } = deps;
  const encKey = Buffer.from(config.APP_ENCRYPTION_KEY, 'base64');
  app.decorateRequest('idem', undefined);

  const sealBody = (req: FastifyRequest, body: unknown) =>
    req.routeOptions.config?.sensitiveResponse ? { $enc: encryptSecret(JSON.stringify(body), encKey) } : body;
  const openBody = (body: unknown) =>
    body && typeof body === 'object' && '$enc' in body
      ? JSON.parse(decryptSecret(String((body as { $enc: string }).$enc), encKey))
      : body;

  const needsKey = (req: FastifyRequest) =>
    isWrite(req.method) && !!req.routeOptions.url?.startsWith(API_PREFIX) && req.routeOptions.config?.idempotency !== false;

  /** The header is checked before the body is read or validated: a write without a key is refused first. */
  app.addHook('onRequest', async (req) => {
    if (!needsKey(req)) return;
    const raw = req.headers['idempotency-key'];
    if (raw === undefined) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_MISSING',
        `${req.method} requests under ${API_PREFIX} need an Idempotency-Key header (e.g. a UUID).`,
        {
          field: 'headers.idempotency-key',
        },
      );
    }
    if (Array.isArray(raw) || !KEY_RE.test(raw)) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_INVALID',
        'Idempotency-Key must be one header of 1-255 printable ASCII characters without spaces.',
        {
          field: 'headers.idempotency-key',
        },
      );
    }
  });

  /**
   * Claim the request's key (one INSERT … ON CONFLICT), or answer from it: true when the stored
   * response was sent (a replay), false when the key is now ours (`req.idem.id` set).
   */
  async function claimOrReplay(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const idem = req.idem as IdemState;
    const claimed = await sql<{ id: string }>`
      INSERT INTO sys_idempotency_keys (caller, idempotency_key, method, path, request_hash, locked_until, expires_at)
      VALUES (${idem.caller}, ${idem.key}, ${req.method}, ${idem.path}, ${idem.hash},
              now() + make_interval(secs => ${config.IDEMPOTENCY_LEASE_SECONDS}),
              now() + make_interval(hours => ${config.IDEMPOTENCY_TTL_HOURS}))
      ON CONFLICT (caller, idempotency_key) DO UPDATE SET
        method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash,
        locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now(),
        response_status = NULL, response_body = NULL, completed_at = NULL
      WHERE sys_idempotency_keys.expires_at <= now()
         OR (sys_idempotency_keys.response_status IS NULL
             AND sys_idempotency_keys.locked_until <= now()
             AND sys_idempotency_keys.request_hash = EXCLUDED.request_hash)
      RETURNING id`.execute(db);
    const mine = claimed.rows[0];
    if (mine) {
      idem.id = mine.id;
      return false;
    }
    const prev = await db
      .selectFrom('sys_idempotency_keys')
      .select([
        'request_hash',
        'response_status',
        'response_body',
        sql<number>`greatest(0, extract(epoch FROM locked_until - now()))`.as('lease_left'),
      ])
      .where('caller', '=', idem.caller)
      .where('idempotency_key', '=', idem.key)
      .executeTakeFirst();
    if (!prev) {
      // Expired and purged between our two statements: vanishingly rare; the caller may simply retry.
      throw new DomainError('IDEMPOTENCY_IN_PROGRESS', 'The key changed state concurrently; retry.', undefined, {
        'retry-after': '1',
      });
    }
    if (prev.request_hash !== idem.hash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request; use a new key for a new request.',
        { field: 'headers.idempotency-key' },
      );
    }
    if (prev.response_status === null) {
      const retry = String(Math.max(1, Math.ceil(Number(prev.lease_left))));
      throw new DomainError(
        'IDEMPOTENCY_IN_PROGRESS',
        'A request with this Idempotency-Key is still being processed.',
        undefined,
        {
          'retry-after': retry,
        },
      );
    }
    idem.replayed = true;
    let body = openBody(prev.response_body);
    if (isRef(body)) {
      const rebuild = req.routeOptions.config?.replayRef;
      if (!rebuild) throw new Error(`route ${req.routeOptions.url} stored a reference response but has no replayRef`);
      body = await rebuild(body, req);
    }
    reply.header('idempotent-replayed', 'true');
    reply.code(prev.response_status).send(body);
    return true;
  }

  app.addHook('preHandler', async (req, reply) => {
    if (!needsKey(req)) return;
    const p = req.ctx.principal;
    req.idem = {
      id: '',
      completed: false,
      replayed: false,
      caller: p ? `${p.kind}:${p.id}` : `ip:${req.ip}`,
      key: req.headers['idempotency-key'] as string,
      hash: requestHash(req),
      path: req.url.split('?')[0] as string,
    };
    if (req.routeOptions.config?.idempotency === 'inline') return;
    if (await claimOrReplay(req, reply)) return reply;
  });

  /**
   * Inline idempotency (routes with `idempotency: 'inline'`): `run` performs the write and stores the
   * key in the same statement — `{ kind: 'insert' }` — and returns KEY_TAKEN when the key exists
   * already; then the key is claimed the usual way (a replay answers from it) and `run` goes again
   * with `{ kind: 'update', id }`. A refusal (DomainError) is stored under the key like any answer.
   */
  app.decorateReply('inlineIdempotent', async function inlineIdempotent<
    T,
  >(this: FastifyReply, status: number, run: (key: InlineKey) => Promise<T | typeof KEY_TAKEN>) {
    const req = this.request;
    const idem = req.idem as IdemState;
    const target = (): InlineKey =>
      idem.id
        ? { kind: 'update', id: idem.id }
        : {
            kind: 'insert',
            caller: idem.caller,
            key: idem.key,
            method: req.method,
            path: idem.path,
            hash: idem.hash,
            ttlHours: config.IDEMPOTENCY_TTL_HOURS,
          };
    try {
      let out = await run(target());
      if (out === KEY_TAKEN) {
        if (await claimOrReplay(req, this)) return;
        out = await run(target());
        if (out === KEY_TAKEN) throw new Error('the idempotency key was taken twice');
      }
      idem.completed = true;
      req.auditRecorded = true;
      this.code(status).send(out);
    } catch (err) {
      if (err instanceof DomainError && !idem.id && (await claimOrReplay(req, this))) return;
      throw err;
    }
  });

  /** Store the response in `trx` (used by req.transact so it commits with the business write). */
  const completeIn = async (trx: Tx, req: FastifyRequest, status: number, body: unknown) => {
    if (!req.idem || req.idem.completed) return;
    await trx
      .updateTable('sys_idempotency_keys')
      .set({ response_status: status, response_body: JSON.stringify(sealBody(req, body) ?? null), completed_at: sql`now()` })
      .where('id', '=', req.idem.id)
      .execute();
    req.idem.completed = true;
  };

  app.addHook('onSend', async (req, reply, payload) => {
    const idem = req.idem;
    // No id: an inline route that never claimed its key (nothing ran, nothing to store).
    if (!idem || idem.completed || idem.replayed || !idem.id) return payload;
    idem.completed = true;
    if (reply.statusCode >= 500) {
      await db.deleteFrom('sys_idempotency_keys').where('id', '=', idem.id).execute();
      return payload;
    }
    let body: unknown = null;
    if (typeof payload === 'string' && payload.length > 0) {
      try {
        body = JSON.parse(payload);
      } catch {
        body = payload;
      }
    }
    await db
      .updateTable('sys_idempotency_keys')
      .set({ response_status: reply.statusCode, response_body: JSON.stringify(sealBody(req, body)), completed_at: sql`now()` })
      .where('id', '=', idem.id)
      .execute();
    return payload;
  });

  return { completeIn };
}
