import { cleanup, render } from '@testing-library/react';
import { createMemoryRouter, type RouteObject, RouterProvider } from 'react-router';
import { afterEach, beforeEach } from 'vitest';
import { createApiClient, type SessionTokens } from '../src/api/client.ts';
import { AppProviders } from '../src/app/App.tsx';
import type { Services } from '../src/app/services.tsx';
import { startApiServer, trackFetches } from './http-server.ts';

/** Renders routes inside the app's providers, with an API client pointed at `baseUrl` (a test server). */
export function renderApp(
  routes: RouteObject[],
  opts: { baseUrl: string; path?: string; services?: Partial<Services>; session?: SessionTokens },
) {
  const api = createApiClient({ baseUrl: opts.baseUrl, storage: null });
  if (opts.session) api.setSession(opts.session);
  const router = createMemoryRouter(routes, { initialEntries: [opts.path ?? '/'] });
  const services: Services = { api, liveBaseUrl: opts.baseUrl, WebSocket: null, ...opts.services };
  const view = render(
    <AppProviders services={services}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...view, api, router };
}

/**
 * For a test file whose tests each script their own API: a fresh localStorage before each test; after it the
 * render cleaned up, the requests under way finished (so the server is not closed under them), the server closed.
 * `start` starts this test's server.
 */
export function apiServerPerTest() {
  let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
  const fetches = trackFetches();
  beforeEach(() => localStorage.clear());
  afterEach(async () => {
    cleanup();
    await fetches.settle();
    await server?.close();
    server = undefined;
  });
  return {
    start: async (...args: Parameters<typeof startApiServer>) => {
      server = await startApiServer(...args);
      return server;
    },
  };
}
