/**
 * buildApp(deps) builds the Fastify instance (tests use it with app.inject); server.ts runs it.
 * Order: external plugins (helmet, form bodies, OpenAPI) → app plugins (errors, request context,
 * scope injector, rate limits, authorization, idempotency, audit, metrics) → module routes.
 */
import { randomUUID } from 'node:crypto';
import { ERROR_CODES } from '@app/domain';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppDeps } from './context.ts';
import { LiveCache, LiveTopics } from './lib/live-status.ts';
import { adminRoutes } from './modules/admin/admin.routes.ts';
import { allowanceRoutes } from './modules/allowance/allowance.routes.ts';
import { approvalRoutes } from './modules/approval/approval.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { clientRoutes } from './modules/client/client.routes.ts';
import { clientErrorRoutes } from './modules/client-error/client-error.routes.ts';
import { dashboardRoutes } from './modules/dashboard/dashboard.routes.ts';
import { deadLetterRoutes } from './modules/dead-letter/dead-letter.routes.ts';
import { deviceRoutes } from './modules/device/device.routes.ts';
import { healthRoutes } from './modules/health/health.routes.ts';
import { importRoutes } from './modules/import/import.routes.ts';
import { invoiceRoutes } from './modules/invoice/invoice.routes.ts';
import { invoiceLifecycleRoutes } from './modules/invoice/lifecycle.routes.ts';
import { liveRoutes } from './modules/live/live.routes.ts';
import { notificationRoutes } from './modules/notification/notification.routes.ts';
import { roleRoutes } from './modules/role/role.routes.ts';
import { sellerRoutes } from './modules/seller/seller.routes.ts';
import { trackRoutes } from './modules/track/track.routes.ts';
import { turnkeyRoutes } from './modules/turnkey/turnkey.routes.ts';
import { userRoutes } from './modules/user/user.routes.ts';
import { webhookRoutes } from './modules/webhook/webhook.routes.ts';
import { installAudit } from './plugins/audit.ts';
import { installErrorHandling } from './plugins/errors.ts';
import { installIdempotency } from './plugins/idempotency.ts';
import { installMetrics } from './plugins/metrics.ts';
import { installRateLimiter } from './plugins/rate-limiter.ts';
import { installNulGuard, installRequestContext, REQUEST_ID_RE } from './plugins/request-context.ts';
import { installAuthorization, installScopeInjector, type TokenAuthenticator } from './plugins/scope-injector.ts';
import { installWebApp } from './plugins/web-app.ts';
import { installWriteGuard } from './plugins/write-guard.ts';

export const API_VERSION = '0.1.0';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    trustProxy: deps.config.TRUST_PROXY,
    // Our genReqId reads X-Request-Id itself, keeping a caller's id only when it is sane.
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID_RE.test(h) ? h : randomUUID();
    },
    // Refuse prototype-poisoning keys in JSON bodies instead of silently stripping them.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 200 },
  });
  // JSON (and form bodies for the OAuth token endpoint) only: text/plain is a 415, not a string body.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // External plugins.
  await app.register(helmet, { contentSecurityPolicy: false, global: true });
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'E-invoice stack API',
        version: API_VERSION,
        description:
          'Every write under /api/v1 needs an Idempotency-Key header. Errors are JSON {requestId, statusCode, code, message, details?}; ' +
          `codes: ${Object.keys(ERROR_CODES).join(', ')}.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // App plugins, in hook order.
  installErrorHandling(app);
  installRequestContext(app);
  installNulGuard(app);
  const scope = installScopeInjector(app, deps);
  installRateLimiter(app, deps);
  installAuthorization(app);
  const writeGuard = installWriteGuard(app, deps);
  const idem = installIdempotency(app, deps);
  installAudit(app, deps, idem.completeIn);
  const metrics = installMetrics(app);

  // Modules.
  // In-process caches (principals, issuing targets and blocks) are dropped together after writes they depend on.
  const cacheClearers: (() => void)[] = [scope.clearCache];
  const moduleDeps: ModuleDeps = {
    ...deps,
    metrics,
    clearCaches: () => {
      for (const clear of cacheClearers) clear();
    },
    onClearCaches: (clear) => cacheClearers.push(clear),
    live: new LiveTopics(new LiveCache(deps.config.LIVE_CACHE_MS)),
    authenticateToken: scope.authenticateToken,
    writeGuard,
  };
  await app.register(async (i) => healthRoutes(i, deps));
  await app.register(async (i) => authRoutes(i, moduleDeps));
  await app.register(async (i) => userRoutes(i, moduleDeps));
  await app.register(async (i) => roleRoutes(i, moduleDeps));
  await app.register(async (i) => clientRoutes(i, moduleDeps));
  await app.register(async (i) => sellerRoutes(i, moduleDeps));
  await app.register(async (i) => deviceRoutes(i, moduleDeps));
  await app.register(async (i) => trackRoutes(i, moduleDeps));
  await app.register(async (i) => invoiceRoutes(i, moduleDeps));
  await app.register(async (i) => invoiceLifecycleRoutes(i, moduleDeps));
  await app.register(async (i) => importRoutes(i, moduleDeps));
  await app.register(async (i) => allowanceRoutes(i, moduleDeps));
  await app.register(async (i) => turnkeyRoutes(i, moduleDeps));
  await app.register(async (i) => auditRoutes(i, moduleDeps));
  await app.register(async (i) => adminRoutes(i, moduleDeps));
  await app.register(async (i) => deadLetterRoutes(i, moduleDeps));
  await app.register(async (i) => webhookRoutes(i, moduleDeps));
  await app.register(async (i) => notificationRoutes(i, moduleDeps));
  await app.register(async (i) => dashboardRoutes(i, moduleDeps));
  await app.register(async (i) => liveRoutes(i, moduleDeps));
  await app.register(async (i) => approvalRoutes(i, moduleDeps));
  await app.register(async (i) => clientErrorRoutes(i, moduleDeps));
  if (deps.config.WEB_DIST_DIR) await app.register(async (i) => installWebApp(i, deps.config.WEB_DIST_DIR as string));
  return app;
}

export type ModuleDeps = AppDeps & {
  metrics: ReturnType<typeof installMetrics>;
  /** Drop every in-process cache (after a committed write they depend on). */
  clearCaches: () => void;
  /** Register a cache to drop with the others. */
  onClearCaches: (clear: () => void) => void;
  /** The views screens follow (polled with ETags, or over the WebSocket channel) and their short cache. */
  live: LiveTopics;
  /** The principal behind an access token sent other than in the Authorization header (the WebSocket channel). */
  authenticateToken: TokenAuthenticator;
  /** Maintenance mode and the license (plugins/write-guard.ts): `refresh` after changing them here. */
  writeGuard: { refresh: () => void };
};
