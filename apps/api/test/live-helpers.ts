/** What the live-status tests share: a seller with two sites, users scoped to one site each, issuing. */
import { expect } from 'vitest';
import { setupIssuer, type TestApp } from './helpers.ts';

export type TwoSites = { admin: string; sellerId: string; siteA: string; siteB: string; trackId: string };

/** A seller with site S1 (from setupIssuer) and site S2, each holding a block of the current period. */
export async function setupTwoSites(t: TestApp): Promise<TwoSites> {
  const { admin, sellerId, siteId: siteA, trackId } = await setupIssuer(t, { booklets: 20 });
  const post = async (url: string, payload: object) => {
    const r = await t.call({ method: 'POST', url, token: admin, payload });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };
  const siteB: string = (await post(`/api/v1/sellers/${sellerId}/sites`, { code: 'S2', name: 'Site 2' })).id;
  await post(`/api/v1/tracks/${trackId}/blocks`, { siteId: siteB, booklets: 10 });
  return { admin, sellerId, siteA, siteB, trackId };
}

/** A signed-in user with `roles` whose data scope is the given sites (or everything). */
export async function scopedUser(
  t: TestApp,
  admin: string,
  username: string,
  scope: { sites: string[] } | 'all',
  roles: string[] = ['operator'],
): Promise<string> {
  const password = `${username}-password-1`;
  const r = await t.call({
    method: 'POST',
    url: '/api/v1/users',
    token: admin,
    payload: {
      username,
      displayName: username,
      password,
      roles,
      scope: scope === 'all' ? { all: true, sellers: [], sites: [] } : { all: false, sellers: [], sites: scope.sites },
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  return (await t.login(username, password)).accessToken;
}

/** Issue one B2C invoice at `siteId`; returns its number. */
export async function issueAt(t: TestApp, token: string, siteId: string): Promise<string> {
  const r = await t.call({
    method: 'POST',
    url: '/api/v1/invoices',
    token,
    payload: { siteId, printMark: 'Y', items: [{ description: '95無鉛汽油', quantity: '10', unitPrice: '31' }] },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().invoiceNumber;
}

export const summary = (t: TestApp, token: string, etag?: string) =>
  t.call({ url: '/api/v1/dashboard/summary', token, headers: etag ? { 'if-none-match': etag } : {} });
