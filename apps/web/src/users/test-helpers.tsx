/** What the users area's tests share: a scripted API with sellers, sites and roles, and the area rendered signed in. */
import type { ClientDetail } from '@app/schemas/client';
import type { RoleView } from '@app/schemas/role';
import type { SellerView, SiteView } from '@app/schemas/seller';
import type { UserDetail } from '@app/schemas/user';
import { apiError, type Handler, nodeFetch, type SeenRequest, sessionTokens } from '../../test/http-server.ts';
import { apiServerPerTest, renderApp } from '../../test/render.tsx';
import UsersArea from './index.tsx';

export const S1 = '7a1c1e53-6c43-4c3e-9a43-2f0e4b1d8c01';
export const T1 = '0f6f7d7e-1d3b-4a8e-8f3e-0a4c2b6d9e11';
export const T2 = '1a7a8e8f-2e4c-4b9f-9a4f-1b5d3c7eaf22';
export const U1 = '3c9ca0a1-4a6e-4dbf-9c61-3d7f5e9a0c44';
export const C1 = '4dab1b12-5b7f-4ec0-8d72-4e806fab1d55';
export const R1 = '5ebc2c23-6c80-4fd1-9e83-5f917abc2e66';
export const R2 = '6fcd3d34-7d91-40e2-8f94-60a28bcd3f77';

let api: ReturnType<typeof apiServerPerTest> | undefined;

/** Install the per-test setup and teardown in the calling test file. */
export function setupTestServer() {
  api = apiServerPerTest();
}

const stamp = '2026-01-01T00:00:00Z';

export const seller: SellerView = {
  id: S1,
  ban: '04595257',
  name: '好市多',
  address: '台北市',
  personInCharge: null,
  telephone: null,
  email: null,
  turnkeyRoutingId: null,
  qrKeySet: true,
  qrKeyFingerprint: 'aaaa0000',
  certificateExpiresAt: null,
  status: 'active',
  createdAt: stamp,
  updatedAt: stamp,
};
const site = (id: string, code: string, name: string): SiteView => ({
  id,
  sellerId: S1,
  code,
  name,
  address: null,
  branchBan: null,
  status: 'active',
  createdAt: stamp,
  updatedAt: stamp,
});
export const sites = [site(T1, 'TPE01', '台北店'), site(T2, 'KHH01', '高雄店')];

export const role = (over: Partial<RoleView> = {}): RoleView => ({
  id: R1,
  code: 'operator',
  name: 'Back-office operator',
  description: 'Day-to-day e-invoice work',
  permissions: ['invoice.issue', 'invoice.read'],
  mfaRequired: false,
  isSystem: true,
  userCount: 3,
  clientCount: 0,
  createdAt: stamp,
  updatedAt: stamp,
  ...over,
});
export const roles = [
  role(),
  role({
    id: R2,
    code: 'cashier',
    name: '收銀員',
    description: '',
    isSystem: false,
    userCount: 0,
    permissions: ['invoice.issue'],
  }),
];

export const user = (over: Partial<UserDetail> = {}): UserDetail => ({
  id: U1,
  username: 'wang',
  displayName: '王小明',
  email: 'wang@example.com',
  status: 'active',
  roles: ['operator'],
  mfaEnabled: true,
  lockedUntil: null,
  lastLoginAt: '2026-11-20T16:30:00Z',
  passwordChangedAt: stamp,
  createdAt: stamp,
  updatedAt: stamp,
  scope: { all: false, sellers: [], sites: [T1] },
  ...over,
});

export const client = (over: Partial<ClientDetail> = {}): ClientDetail => ({
  id: C1,
  clientId: 'pos-1a2b3c4d',
  name: '台北店一號機',
  kind: 'pos',
  status: 'active',
  roles: ['cashier'],
  deviceId: null,
  lastUsedAt: null,
  secretRotatedAt: stamp,
  createdAt: stamp,
  updatedAt: stamp,
  scope: { all: false, sellers: [], sites: [T1] },
  ...over,
});

/** Sellers, sites, roles and permissions; the rest from `handler`. */
const catalog: Handler = (r) => {
  if (r.url === '/api/v1/sellers') return { body: { items: [seller] } };
  if (r.url === `/api/v1/sellers/${S1}/sites`) return { body: { items: sites } };
  if (r.method === 'GET' && r.url === '/api/v1/roles') return { body: { items: roles } };
  if (r.url === '/api/v1/permissions') {
    return {
      body: {
        items: [
          { code: 'invoice.issue', description: 'Issue invoices' },
          { code: 'invoice.read', description: 'Read invoices and their status' },
          { code: 'future.thing', description: 'A permission this screen has no words for' },
        ],
      },
    };
  }
  return apiError(404, 'NOT_FOUND', `no ${r.method} ${r.url}`);
};

const CATALOG = /^\/api\/v1\/(sellers|permissions)|^\/api\/v1\/roles$/;

export async function openUsers(path: string, handler: Handler, permissions: string[] = ['user.manage']) {
  if (!api) throw new Error('call setupTestServer() in the test file first');
  const server = await api.start((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u0', name: 'admin', permissions } };
    if (r.method === 'GET' && CATALOG.test(r.url)) return catalog(r);
    return handler(r);
  });
  const seen = server.seen;
  const view = renderApp([{ path: '/users/*', element: <UsersArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
    services: { fetch: nodeFetch },
  });
  /** The requests but the session's and the catalog's. */
  const calls = () => seen.filter((x) => !x.url.startsWith('/api/v1/auth/') && !(x.method === 'GET' && CATALOG.test(x.url)));
  return { ...view, calls };
}

export const query = (r: SeenRequest) => Object.fromEntries(new URL(r.url, 'http://x').searchParams);
export const path = (r: SeenRequest) => new URL(r.url, 'http://x').pathname;
