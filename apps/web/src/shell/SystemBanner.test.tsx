// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import { SystemBanner } from './SystemBanner.tsx';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

const status = (over: { maintenance?: object; license?: object } = {}) => ({
  maintenance: { enabled: false, reason: null, since: null, by: null, ...over.maintenance },
  license: {
    status: 'active',
    plan: 'standard',
    expiresAt: '2027-11-21T00:00:00.000Z',
    readOnlyFrom: '2027-12-05T00:00:00.000Z',
    ...over.license,
  },
});

async function show(body: unknown) {
  server = await startApiServer((r) => (r.url === '/api/v1/system/status' ? { body } : { status: 404 }), {
    signedIn: { permissions: [] },
  });
  renderApp([{ path: '/', element: <SystemBanner /> }], { baseUrl: server.baseUrl, session: sessionTokens(1) });
}

describe('the system banner', () => {
  it('says maintenance is on, with its reason, and that the license is in its grace period (Taipei times)', async () => {
    await show(
      status({
        maintenance: { enabled: true, reason: '搬遷至地端主機', since: '2026-11-21T12:00:00.000Z', by: 'user:admin' },
        license: { status: 'grace', expiresAt: '2026-11-20T16:00:00.000Z', readOnlyFrom: '2026-12-04T16:00:00.000Z' },
      }),
    );
    const banner = await screen.findByRole('status');
    expect(banner.textContent).toContain('系統維護中（唯讀）：搬遷至地端主機。');
    // Intl puts its own space between date and time.
    expect(banner.textContent).toMatch(/授權已於 2026\/11\/21\s00:00:00 到期；2026\/12\/05\s00:00:00 起系統將改為唯讀。/);
  });

  it('says the system is read-only once the license has expired', async () => {
    await show(status({ license: { status: 'expired' } }));
    expect((await screen.findByRole('status')).textContent).toBe('授權已到期且寬限期已過，系統目前為唯讀。請聯絡我們續約。');
  });

  it('shows nothing when all is well', async () => {
    await show(status());
    await new Promise((r) => setTimeout(r, 200));
    expect(server?.seen.some((r) => r.url === '/api/v1/system/status')).toBe(true);
    expect(screen.queryByRole('status')).toBeNull();
  });
});
