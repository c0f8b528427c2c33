/**
 * The scope injector: one mechanism that, for every /api/v1 route, authenticates the caller, loads
 * its permissions and data scope into `req.ctx.principal`, and enforces the route's declared access.
 * A route under /api/v1 without a declared access (or a write without an audit action) cannot be
 * registered: buildApp fails, so no route ships unguarded.
 */
import { DomainError, isAuditAction, isPermission } from '@app/domain';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { AppDeps, Principal, RouteAccess } from '../context.ts';
import { TtlCache } from '../lib/ttl-cache.ts';
import { loadClientPrincipal, loadUserPrincipal } from '../modules/auth/auth.repository.ts';

export const API_PREFIX = '/api/v1';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isWrite = (method: string) => WRITE_METHODS.has(method);

export type RouteInfo = {
  method: string;
  url: string;
  operationId: string | undefined;
  access: RouteAccess;
  audit: string | undefined;
  idempotency: boolean;
  rateLimit: string;
};

/** Every /api/v1 route with its declared access, for the RBAC matrix and the tests. */
export const routeRegistry = (app: FastifyInstance): RouteInfo[] => (app as unknown as { routeInfos: RouteInfo[] }).routeInfos;

/** Revocation and role changes reach a cached principal within this time. */
export const PRINCIPAL_CACHE_MS = 5_000;

/** A verified access token: who it speaks for and until when (ms since the epoch). */
export type TokenAuthenticator = (token: string) => Promise<{ principal: Principal; expiresAt: number }>;

export function installScopeInjector(
  app: FastifyInstance,
  deps: AppDeps,
): { clearCache: () => void; authenticateToken: TokenAuthenticator } {
  const infos: RouteInfo[] = [];
  app.decorate('routeInfos', infos);

  app.addHook('onRoute', (route: RouteOptions) => {
    const url = route.url;
    if (!url?.startsWith(API_PREFIX)) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    const cfg = route.config ?? {};
    const where = `${methods.join(',')} ${url}`;
    if (!cfg.access)
      throw new Error(`route ${where} declares no access (config.access: a permission, 'public' or 'authenticated')`);
    if (!['public', 'authenticated'].includes(cfg.access) && !isPermission(cfg.access)) {
      throw new Error(`route ${where} declares unknown permission '${cfg.access}'`);
    }
    const writes = methods.some(isWrite);
    if ((writes || cfg.rateLimit === 'export') && !cfg.audit) {
      throw new Error(`route ${where} writes or exports but declares no audit action (config.audit)`);
    }
    if (cfg.audit && !isAuditAction(cfg.audit)) throw new Error(`route ${where} declares unknown audit action '${cfg.audit}'`);
    for (const method of methods) {
      infos.push({
        method,
        url,
        operationId: (route.schema as { operationId?: string } | undefined)?.operationId,
        access: cfg.access,
        audit: cfg.audit,
        idempotency: isWrite(method) && cfg.idempotency !== false,
        rateLimit: cfg.rateLimit ?? 'general',
      });
    }
  });

  const cache = new TtlCache<Principal | null>(PRINCIPAL_CACHE_MS);

  async function authenticate(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) throw new DomainError('UNAUTHENTICATED', 'This route needs a bearer token (Authorization: Bearer <token>).');
    const m = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(header);
    if (!m) throw new DomainError('TOKEN_INVALID', "The Authorization header must be 'Bearer <token>'.");
    return (await authenticateToken(m[1] as string)).principal;
  }

  /** The principal behind an access token (also for the WebSocket channel, whose token comes in a message). */
  async function authenticateToken(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    const claims = await deps.tokens.verify(token, 'user', 'client');
    let principal: Principal | null;
    if (claims.typ === 'user') {
      principal = await cache.getOrLoad(`u:${claims.sub}:${claims.sid}`, () =>
        loadUserPrincipal(deps.db, claims.sub, claims.sid),
      );
    } else {
      principal = await cache.getOrLoad(`c:${claims.sub}`, () => loadClientPrincipal(deps.db, claims.sub));
    }
    if (!principal) throw new DomainError('TOKEN_INVALID', 'The session or client behind this token is no longer valid.');
    if (principal.kind === 'client' && (claims.iat ?? 0) < principal.tokensValidFrom) {
      throw new DomainError('TOKEN_INVALID', "The client's secret was rotated after this token was issued; get a new token.");
    }
    return { principal, expiresAt: (claims.exp ?? 0) * 1000 };
  }

  // Authenticate (onRequest, before the body is read) — rate limiting is registered right after,
  // then `authorize` runs.
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config?.access;
    if (!access || access === 'public') return;
    req.ctx.principal = await authenticate(req);
  });

  return { clearCache: () => cache.clear(), authenticateToken };
}

/**
 * Whether `p` may do what needs `access`: the refusal the API answers, thrown. Also for work done later on
 * a caller's behalf (an import's invoices are issued as its uploader, as POST /api/v1/invoices would).
 */
export function assertAccess(
  p: Principal,
  access: Exclude<RouteAccess, 'public'>,
  opts: { allowMfaPending?: boolean } = {},
): void {
  if (p.kind === 'user' && p.mfaPending && !opts.allowMfaPending) {
    throw new DomainError(
      'MFA_ENROLLMENT_REQUIRED',
      'Your role requires multi-factor authentication: enrol at /api/v1/auth/mfa/enroll first.',
    );
  }
  if (access !== 'authenticated' && !p.permissions.has(access)) {
    throw new DomainError('FORBIDDEN', `This action needs the permission '${access}'.`, { required: access });
  }
}

/** Permission check; runs after the rate limiter so refused calls still count. */
export function installAuthorization(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    const access = cfg?.access;
    if (!access || access === 'public') return;
    const p = req.ctx.principal;
    if (!p) throw new DomainError('UNAUTHENTICATED', 'This route needs a bearer token.');
    assertAccess(p, access, { allowMfaPending: cfg.allowMfaPending === true });
  });
}
