/**
 * API test harness: a fresh database cloned from the migrated template, the real dependencies
 * (PostgreSQL, Redis, local storage), the demo seed, and buildApp for app.inject.
 */
import { randomUUID } from 'node:crypto';
import { createDb, createPool } from '@app/db';
import { createTestDatabase, testConfig } from '@app/devkit/testing';
import { periodOf } from '@app/domain';
import { createLogger } from '@app/logger';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { seedDemo } from '../../../db/seeds/seed.ts';
import { buildApp } from '../src/app.ts';
import type { AppDeps } from '../src/context.ts';
import { createDeps } from '../src/deps.ts';

export const ADMIN = { username: 'admin', password: 'admin-password-123' };
export const POS = { clientId: 'pos-demo-01', clientSecret: 'pos-secret-0123456789abcdef' };

export type TestApp = {
  app: FastifyInstance;
  deps: AppDeps & { close: () => Promise<void> };
  dbUrl: string;
  /** Inject with JSON body, bearer token and a fresh Idempotency-Key on writes unless given. */
  call: (opts: InjectOptions & { token?: string; idempotencyKey?: string | null }) => Promise<LightMyRequestResponse>;
  login: (username?: string, password?: string) => Promise<{ accessToken: string; refreshToken: string }>;
  clientToken: (clientId?: string, secret?: string) => Promise<string>;
  close: () => Promise<void>;
};

export async function createTestApp(
  env: Record<string, string> = {},
  opts: { beforeReady?: (app: FastifyInstance) => void | Promise<void> } = {},
): Promise<TestApp> {
  const t = await createTestDatabase();
  const config = testConfig(t.url, env);
  const log = createLogger({ name: 'api-test', level: config.LOG_LEVEL });
  const seedDb = createDb(createPool({ connectionString: t.url, max: 2 }));
  await seedDemo(seedDb, { tenantCode: config.TENANT_CODE, tenantName: 'Demo', admin: ADMIN, posClient: POS });
  await seedDb.destroy();
  const deps = await createDeps(config, log);
  const app = await buildApp(deps);
  await opts.beforeReady?.(app);
  await app.ready();

  const call: TestApp['call'] = async ({ token, idempotencyKey, ...opts }) => {
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>) };
    if (token) headers.authorization = `Bearer ${token}`;
    const method = (opts.method ?? 'GET').toUpperCase();
    if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && idempotencyKey !== null) {
      headers['idempotency-key'] = idempotencyKey ?? randomUUID();
    }
    return app.inject({ ...opts, headers });
  };

  const login: TestApp['login'] = async (username = ADMIN.username, password = ADMIN.password) => {
    const r = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
    if (r.statusCode !== 200) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
    return r.json();
  };

  const clientToken: TestApp['clientToken'] = async (clientId = POS.clientId, secret = POS.clientSecret) => {
    const r = await call({
      method: 'POST',
      url: '/api/v1/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
    });
    if (r.statusCode !== 200) throw new Error(`token failed: ${r.statusCode} ${r.body}`);
    return r.json().access_token;
  };

  return {
    app,
    deps,
    dbUrl: t.url,
    call,
    login,
    clientToken,
    close: async () => {
      await app.close();
      await deps.close();
      await t.drop();
    },
  };
}

export const QR_KEY = 'FE0F50D87215F625D1248F5FDAEBA37F';

/**
 * A seller (with a QR key) and one site holding a block of `booklets` × 50 numbers of a range in the
 * current period: what a test needs before it can issue invoices.
 */
export async function setupIssuer(
  t: TestApp,
  opts: { rangeEnd?: number; booklets?: number; ban?: string; siteCode?: string; track?: string } = {},
) {
  const admin = (await t.login()).accessToken;
  const post = async (url: string, payload: object) => (await t.call({ method: 'POST', url, token: admin, payload })).json();
  const seller = await post('/api/v1/sellers', { ban: opts.ban ?? '04595257', name: 'S', address: 'A', qrAesKey: QR_KEY });
  const siteId: string = (await post(`/api/v1/sellers/${seller.id}/sites`, { code: opts.siteCode ?? 'S1', name: 'Site 1' })).id;
  const track = await t.deps.db
    .insertInto('tracks')
    .values({
      seller_id: seller.id,
      invoice_type: '07',
      year_month: periodOf(new Date()).yearMonth,
      track: opts.track ?? 'AB',
      begin_no: 0,
      end_no: opts.rangeEnd ?? 9999,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const blockId: string = (await post(`/api/v1/tracks/${track.id}/blocks`, { siteId, booklets: opts.booklets ?? 200 })).id;
  return { admin, sellerId: seller.id as string, siteId, trackId: track.id, blockId };
}
