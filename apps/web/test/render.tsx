import { render } from '@testing-library/react';
import { createMemoryRouter, type RouteObject, RouterProvider } from 'react-router';
import { createApiClient, type SessionTokens } from '../src/api/client.ts';
import { AppProviders } from '../src/app/App.tsx';
import type { Services } from '../src/app/services.tsx';

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
