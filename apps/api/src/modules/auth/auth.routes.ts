import { DomainError } from '@app/domain';
import {
  loginBody,
  loginResponse,
  meResponse,
  mfaActivateBody,
  mfaChallengeBody,
  mfaDisableBody,
  passwordChangeBody,
  refreshBody,
  sessionTokens,
  tokenBody,
  tokenResponse,
} from '@app/schemas/auth';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModuleDeps } from '../../app.ts';
import { transactClearingCaches } from '../../lib/transact-clearing-caches.ts';
import { createAuthService } from './auth.service.ts';

const tags = ['auth'];

export async function authRoutes(root: FastifyInstance, deps: ModuleDeps) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = createAuthService(deps);

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public', audit: 'auth.login', idempotency: false },
      schema: {
        operationId: 'login',
        tags,
        security: [],
        summary: 'Sign in with username and password',
        description: 'Answers tokens, or `mfaRequired: true` with an mfaToken for POST /auth/mfa/challenge.',
        body: loginBody,
        response: { 200: loginResponse },
      },
    },
    (req) => svc.login(req.ctx, req.body),
  );

  app.post(
    '/api/v1/auth/mfa/challenge',
    {
      config: { access: 'public', audit: 'auth.mfa_challenge', idempotency: false },
      schema: { operationId: 'mfaChallenge', tags, security: [], body: mfaChallengeBody, response: { 200: sessionTokens } },
    },
    async (req) => ({ mfaRequired: false as const, ...(await svc.completeMfa(req.ctx, req.body)) }),
  );

  app.post(
    '/api/v1/auth/refresh',
    {
      config: { access: 'public', audit: 'auth.token_refresh', idempotency: false },
      schema: {
        operationId: 'refreshToken',
        tags,
        security: [],
        summary: 'Rotate a refresh token',
        description: 'Each refresh token works once. Presenting a used one revokes the whole session (REFRESH_TOKEN_REUSED).',
        body: refreshBody,
        response: { 200: sessionTokens },
      },
    },
    async (req) => ({ mfaRequired: false as const, ...(await svc.refresh(req.ctx, req.body.refreshToken)) }),
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'authenticated', audit: 'auth.logout', allowMfaPending: true },
      schema: { operationId: 'logout', tags, response: { 200: z.object({ loggedOut: z.literal(true) }) } },
    },
    (req, reply) =>
      transactClearingCaches(reply, deps.clearCaches, 200, async (trx) => {
        await svc.logout(trx, req.ctx);
        return { loggedOut: true as const };
      }),
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { access: 'authenticated', allowMfaPending: true },
      schema: { operationId: 'getMe', tags, response: { 200: meResponse } },
    },
    (req) => svc.me(req.ctx),
  );

  app.post(
    '/api/v1/auth/password',
    {
      config: { access: 'authenticated', audit: 'auth.password_change' },
      schema: {
        operationId: 'changePassword',
        tags,
        body: passwordChangeBody,
        response: { 200: z.object({ changed: z.literal(true) }) },
      },
    },
    (req, reply) => transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.changePassword(trx, req.ctx, req.body)),
  );

  app.post(
    '/api/v1/auth/mfa/enroll',
    {
      config: { access: 'authenticated', audit: 'auth.mfa_enroll', allowMfaPending: true, sensitiveResponse: true },
      schema: {
        operationId: 'mfaEnroll',
        tags,
        summary: 'Start TOTP enrolment: returns the secret and an otpauth:// URI for the authenticator app',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
      },
    },
    (req, reply) => reply.transact(200, (trx) => svc.enrollMfa(trx, req.ctx)),
  );

  app.post(
    '/api/v1/auth/mfa/activate',
    {
      config: { access: 'authenticated', audit: 'auth.mfa_activate', allowMfaPending: true, sensitiveResponse: true },
      schema: {
        operationId: 'mfaActivate',
        tags,
        summary: 'Confirm enrolment with a code; returns ten one-time recovery codes (shown once)',
        body: mfaActivateBody,
        response: { 200: z.object({ enabled: z.literal(true), recoveryCodes: z.array(z.string()) }) },
      },
    },
    (req, reply) => transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.activateMfa(trx, req.ctx, req.body.code)),
  );

  app.post(
    '/api/v1/auth/mfa/disable',
    {
      config: { access: 'authenticated', audit: 'auth.mfa_disable' },
      schema: {
        operationId: 'mfaDisable',
        tags,
        body: mfaDisableBody,
        response: { 200: z.object({ enabled: z.literal(false) }) },
      },
    },
    (req, reply) => transactClearingCaches(reply, deps.clearCaches, 200, (trx) => svc.disableMfa(trx, req.ctx, req.body)),
  );

  app.post(
    '/api/v1/oauth/token',
    {
      config: { access: 'public', audit: 'oauth.token', idempotency: false },
      schema: {
        operationId: 'oauthToken',
        tags,
        security: [],
        summary: 'OAuth2 client credentials: a 15-minute token for a machine client (POS, ERP)',
        description: 'Form-encoded or JSON body; client_id/client_secret in the body or as HTTP Basic.',
        body: tokenBody,
        response: { 200: tokenResponse },
      },
    },
    async (req, reply) => {
      let { client_id: clientId, client_secret: clientSecret } = req.body;
      const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
      if (basic) {
        const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) {
          clientId = decodeURIComponent(decoded.slice(0, i));
          clientSecret = decodeURIComponent(decoded.slice(i + 1));
        }
      }
      if (!clientId || !clientSecret) {
        throw new DomainError('VALIDATION_ERROR', 'client_id and client_secret are required (body or HTTP Basic).', [
          ...(clientId ? [] : [{ field: 'body.client_id', message: 'required' }]),
          ...(clientSecret ? [] : [{ field: 'body.client_secret', message: 'required' }]),
        ]);
      }
      reply.header('cache-control', 'no-store');
      return svc.clientToken(req.ctx, { clientId, clientSecret });
    },
  );
}
