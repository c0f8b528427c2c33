import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createBrowserRouter, Navigate, type RouteObject, RouterProvider } from 'react-router';
import { ApiError } from '../api/errors.ts';
import { AuthProvider } from '../auth/AuthProvider.tsx';
import { LoginPage } from '../auth/LoginPage.tsx';
import { RequirePermission } from '../auth/permissions.tsx';
import { DashboardPage } from '../dashboard/DashboardPage.tsx';
import { I18nProvider } from '../i18n/index.ts';
import { RequireAuth } from '../shell/RequireAuth.tsx';
import { Shell } from '../shell/Shell.tsx';
import { GlobalErrorBoundary, PageErrorBoundary, RouteErrorPanel } from './ErrorBoundary.tsx';
import { SECTIONS } from './sections.ts';
import { type Services, ServicesProvider } from './services.tsx';

export const routes: RouteObject[] = [
  { path: '/login', element: <LoginPage />, errorElement: <RouteErrorPanel /> },
  {
    path: '/',
    element: (
      <RequireAuth>
        <Shell />
      </RequireAuth>
    ),
    // The router catches what fails in its routes itself: the shell's and login's errors show the same panel.
    errorElement: <RouteErrorPanel />,
    children: [
      {
        // Pages fail alone: the panel takes the page's place, the menu stays, navigating clears it.
        element: <PageErrorBoundary />,
        errorElement: <RouteErrorPanel />,
        children: [
          {
            index: true,
            element: (
              <RequirePermission permission="invoice.read">
                <DashboardPage />
              </RequirePermission>
            ),
          },
          ...SECTIONS.map(
            (s): RouteObject => ({
              path: `${s.path}/*`,
              lazy: async () => {
                const { default: Area } = await s.load();
                return {
                  element: s.permission ? (
                    <RequirePermission permission={s.permission}>
                      <Area />
                    </RequirePermission>
                  ) : (
                    <Area />
                  ),
                };
              },
            }),
          ),
        ],
      },
    ],
  },
  { path: '*', element: <Navigate to="/" replace /> },
];

/** For the screens' data (react-query): no retry of a client error, which would fail the same way again. */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}

/** The providers every screen relies on, around a router (the browser's, or a memory one in tests). */
export function AppProviders({ services, children }: { services: Services; children: React.ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <ServicesProvider services={services}>
      <I18nProvider>
        <QueryClientProvider client={queryClient}>
          <AuthProvider>{children}</AuthProvider>
        </QueryClientProvider>
      </I18nProvider>
    </ServicesProvider>
  );
}

export function App({ services }: { services: Services }) {
  const [router] = useState(() => createBrowserRouter(routes));
  return (
    <AppProviders services={services}>
      <GlobalErrorBoundary testHooks>
        <RouterProvider router={router} />
      </GlobalErrorBoundary>
    </AppProviders>
  );
}
