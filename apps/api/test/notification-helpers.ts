/**
 * The world of the notification tests: two sellers with a site each, and users of every kind of reach —
 * scoped to a seller or a site or all, with and without the kinds' permissions, without an address,
 * disabled — created through the API as an administrator would.
 */
import { createCircuitBreaker, type JobContext } from '@app/jobs';
import { expect } from 'vitest';
import { SMTP_BREAKER_OPTIONS } from '../../worker/src/jobs/notification.ts';
import type { TestApp } from './helpers.ts';

export const SMTP_USER = 'mailer';
export const SMTP_PASSWORD = 'smtp-secret-0123';
export const PUBLIC_URL = 'https://einvoice.example.com';
export const FROM = '電子發票 <einvoice@example.com>';
export const PASSWORD = 'user-password-123';

/** The config that turns e-mail on against the test SMTP server on `port`. */
export const emailEnv = (port: number): Record<string, string> => ({
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(port),
  SMTP_USER,
  SMTP_PASSWORD,
  SMTP_FROM: FROM,
  APP_PUBLIC_URL: PUBLIC_URL,
});

export type World = {
  admin: string;
  sellerA: string;
  siteA: string;
  sellerB: string;
  siteB: string;
  users: Record<string, string>;
};

type UserSpec = {
  roles: string[];
  scope: { all: boolean; sellers?: string[]; sites?: string[] };
  email?: string;
  displayName?: string;
};

export async function createUser(t: TestApp, admin: string, username: string, spec: UserSpec): Promise<string> {
  const r = await t.call({
    method: 'POST',
    url: '/api/v1/users',
    token: admin,
    payload: {
      username,
      displayName: spec.displayName ?? username,
      ...(spec.email ? { email: spec.email } : {}),
      password: PASSWORD,
      roles: spec.roles,
      scope: { all: spec.scope.all, sellers: spec.scope.sellers ?? [], sites: spec.scope.sites ?? [] },
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id;
}

export async function setupWorld(t: TestApp): Promise<World> {
  const admin = (await t.login()).accessToken;
  const post = async (url: string, payload: object) => {
    const r = await t.call({ method: 'POST', url, token: admin, payload });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };
  const sellerA: string = (await post('/api/v1/sellers', { ban: '04595257', name: '甲公司', address: '台北市' })).id;
  const siteA: string = (await post(`/api/v1/sellers/${sellerA}/sites`, { code: 'A1', name: '甲一店' })).id;
  const sellerB: string = (await post('/api/v1/sellers', { ban: '22099131', name: '乙公司', address: '台中市' })).id;
  const siteB: string = (await post(`/api/v1/sellers/${sellerB}/sites`, { code: 'B1', name: '乙一店' })).id;
  // webhook.manage and seller.manage, which no built-in role but admin has.
  await post('/api/v1/roles', { code: 'integrations', name: 'Integrations', permissions: ['webhook.manage', 'seller.manage'] });

  const users: Record<string, string> = {};
  const add = async (name: string, spec: UserSpec) => {
    users[name] = await createUser(t, admin, name, spec);
  };
  // operator: invoice.read, track.manage, turnkey.manage (and more); auditor: invoice.read only.
  await add('ops-a', {
    roles: ['operator'],
    scope: { all: false, sellers: [sellerA] },
    email: 'ops-a@example.com',
    displayName: '甲營運',
  });
  await add('site-b', { roles: ['operator'], scope: { all: false, sites: [siteB] }, email: 'site-b@example.com' });
  await add('auditor', { roles: ['auditor'], scope: { all: true }, email: 'auditor@example.com' });
  await add('hooks-b', { roles: ['integrations'], scope: { all: false, sellers: [sellerB] }, email: 'hooks-b@example.com' });
  await add('quiet', { roles: ['operator', 'integrations'], scope: { all: true }, email: 'quiet@example.com' });
  await add('digest', { roles: ['operator'], scope: { all: true }, email: 'digest@example.com' });
  await add('no-email', { roles: ['operator', 'integrations'], scope: { all: true } });
  await add('no-scope', { roles: ['operator', 'integrations'], scope: { all: false }, email: 'no-scope@example.com' });
  await add('disabled', { roles: ['operator', 'integrations'], scope: { all: true }, email: 'disabled@example.com' });
  const off = await t.call({
    method: 'PATCH',
    url: `/api/v1/users/${users.disabled}`,
    token: admin,
    payload: { status: 'disabled' },
  });
  expect(off.statusCode, off.body).toBe(200);

  // Preferences, set by each user for themselves.
  const prefs = async (username: string, body: object) => {
    const token = (await t.login(username, PASSWORD)).accessToken;
    const r = await t.call({ method: 'PUT', url: '/api/v1/me/notification-preferences', token, payload: body });
    expect(r.statusCode, r.body).toBe(200);
  };
  await prefs('quiet', { kinds: { invoice_rejected: 'off' } });
  await prefs('digest', {
    kinds: { invoice_rejected: 'digest', deadline_at_risk: 'digest', track_low: 'digest' },
    // Daily, at an hour that is always at least 22 hours back from now: nothing recorded now is due yet.
    digest: { frequency: 'daily', hour: (new Date(Date.now() + 8 * 3_600_000).getUTCHours() + 2) % 24 },
  });
  return { admin, sellerA, siteA, sellerB, siteB, users };
}

/** A job context for calling handlers directly. */
export function jobContext(): JobContext {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return { jobId: 'test', attempt: 1, signal: new AbortController().signal, log: quiet };
}

/** An smtp breaker of the test's own, closed, opening for `openMs`. */
export const testBreaker = (openMs = 30_000) => createCircuitBreaker({ ...SMTP_BREAKER_OPTIONS, openMs });
