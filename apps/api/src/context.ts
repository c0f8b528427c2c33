import type { Config } from '@app/config';
import type { Database, Tx } from '@app/db';
import type { AuditAction, DataScope, Permission } from '@app/domain';
import type { Queues } from '@app/jobs';
import type { Logger } from '@app/logger';
import type { Storage } from '@app/storage';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { FallbackCounterStore } from './lib/rate-limiter.ts';
import type { TokenService } from './lib/tokens.ts';

/** What buildApp needs; server.ts makes the real ones, tests make them against throwaway services. */
export type AppDeps = {
  config: Config;
  log: Logger;
  pool: pg.Pool;
  db: Database;
  redis: Redis;
  queues: Queues;
  storage: Storage;
  limiter: FallbackCounterStore;
  tokens: TokenService;
  tenant: { id: string; code: string };
  /** The clock; tests may replace it. */
  now: () => Date;
};

export type Principal =
  | {
      kind: 'user';
      id: string;
      name: string;
      sessionId: string;
      permissions: ReadonlySet<Permission>;
      scope: DataScope;
      /** A role requires MFA and the user has not enrolled: only the MFA enrolment routes are open. */
      mfaPending: boolean;
    }
  | {
      kind: 'client';
      id: string;
      name: string;
      clientId: string;
      permissions: ReadonlySet<Permission>;
      scope: DataScope;
      /** The device (POS terminal) the client belongs to, if bound. */
      deviceId: string | null;
      /** Unix seconds of the last secret rotation: tokens issued before it are refused. */
      tokensValidFrom: number;
    };

/** What the audit entry of this request says beyond actor/action/time/ip/request id. */
export type AuditDraft = {
  /** Overrides the route's action (e.g. a login refused by the lockout is `auth.login_locked`). */
  action?: AuditAction;
  /** Overrides the actor (e.g. the user who just logged in, before any token existed). */
  actor?: { type: 'user' | 'client'; id: string; name: string };
  target?: { type: string; id: string };
  before?: unknown;
  after?: unknown;
  note?: Record<string, unknown>;
};

/** Passed from routes to services: who is calling, in which request, under which scope. */
export type RequestContext = {
  requestId: string;
  ip: string;
  userAgent: string | null;
  principal: Principal | null;
  audit: AuditDraft;
};

/** The request's Idempotency-Key: who, which key, the request's hash; `id` once the key row is ours. */
export type IdemState = {
  id: string;
  completed: boolean;
  replayed: boolean;
  caller: string;
  key: string;
  hash: string;
  path: string;
};

/** How an inline write stores its key: a new row, or the row already claimed (`id`). */
export type InlineKey =
  | { kind: 'insert'; caller: string; key: string; method: string; path: string; hash: string; ttlHours: number }
  | { kind: 'update'; id: string };

/** Returned by an inline write whose Idempotency-Key already exists (unique violation): nothing was written. */
export const KEY_TAKEN = Symbol('idempotency key taken');

export type RouteAccess = Permission | 'public' | 'authenticated';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required for every /api/v1 route: the permission, or 'public' / 'authenticated'. */
    access?: RouteAccess;
    /** Required for every write route and every export: the audit action recorded for it. */
    audit?: AuditAction;
    /**
     * Set false on the few writes that cannot carry an Idempotency-Key (login, token, refresh);
     * 'inline' when the handler stores the key in its own write statement (see reply.inlineIdempotent).
     */
    idempotency?: false | 'inline';
    /** Rebuild the answer from a stored reference response (`{"$ref": …}`) when a key is replayed. */
    replayRef?: (ref: Record<string, unknown>, req: FastifyRequest) => Promise<unknown>;
    /** Store the idempotent response encrypted (it contains a secret shown once). */
    sensitiveResponse?: true;
    /**
     * Rate-limit bucket: 'export' counts on top of the general one; 'poll' (screens polling a live view)
     * counts instead of it, so an open screen never eats the budget its user works with.
     */
    rateLimit?: 'export' | 'poll' | 'client-error';
    /** Reachable while the user's MFA enrolment is pending. */
    allowMfaPending?: true;
  }
  interface FastifyRequest {
    ctx: RequestContext;
    idem?: IdemState;
    auditRecorded?: boolean;
  }
  interface FastifyReply {
    /**
     * Set the status and run a write in one transaction that also records the audit entry and the
     * idempotent response, so the change, its audit trail and its replayable answer commit together.
     */
    transact<T>(status: number, fn: (trx: Tx) => Promise<T>): Promise<T>;
    /** Run a write that stores its idempotency key itself (routes with `idempotency: 'inline'`). */
    inlineIdempotent<T>(status: number, run: (key: InlineKey) => Promise<T | typeof KEY_TAKEN>): Promise<void>;
  }
}

export type { Tx };
