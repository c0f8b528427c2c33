// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { Link, Outlet } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Handler, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import {
  DEVICE_ID_KEY,
  GlobalErrorBoundary,
  PageErrorBoundary,
  RenderErrorTrigger,
  SUPPORT_EMAIL,
  TEST_HOOKS_KEY,
  testHooksEnabled,
} from './ErrorBoundary.tsx';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => {
  localStorage.clear();
  // React reports caught render errors on the console; they are expected here.
  vi.spyOn(console, 'error').mockImplementation(() => {});
  window.history.replaceState(null, '', '/');
});
afterEach(async () => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

function Boom({ message = 'kaboom' }: { message?: string }): never {
  throw new Error(message);
}

/** A child that renders fine until told to throw. */
function Fuse() {
  const [lit, setLit] = useState(false);
  if (lit) throw new Error('lit fuse');
  return (
    <button type="button" onClick={() => setLit(true)}>
      light
    </button>
  );
}

/** A shell-like frame: a menu, and the pages behind the page-level boundary. */
function Layout() {
  return (
    <div>
      <nav aria-label="menu">
        <Link to="/ok">ok page</Link>
      </nav>
      <PageErrorBoundary />
    </div>
  );
}

/** The app as App.tsx wraps it: the outermost boundary, with the test hook. */
function HookedApp() {
  return (
    <GlobalErrorBoundary testHooks>
      <p>the app</p>
      <Outlet />
    </GlobalErrorBoundary>
  );
}

const reports = () => server!.seen.filter((r) => r.url === '/api/v1/client-errors');

async function open(
  element: React.ReactNode,
  handler: Handler = () => ({ status: 202, body: { id: 'ce-42' } }),
  session = false,
) {
  server = await startApiServer((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions: [] } };
    return handler(r);
  });
  return renderApp([{ path: '/*', element }], { baseUrl: server.baseUrl, ...(session ? { session: sessionTokens(1) } : {}) });
}

describe('GlobalErrorBoundary', () => {
  it('shows the panel for a render error and reports it once, with every field, sending the token when signed in', async () => {
    await open(
      <GlobalErrorBoundary>
        <p>before</p>
        <Fuse />
      </GlobalErrorBoundary>,
      undefined,
      true,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'light' }));
    const panel = screen.getByRole('alert');
    expect(within(panel).getByRole('heading', { name: '畫面發生錯誤' })).toBeTruthy();
    expect(screen.queryByText('before')).toBeNull();
    const reload = vi.fn();
    vi.spyOn(window, 'location', 'get').mockReturnValue({ ...window.location, reload } as Location);
    fireEvent.click(within(panel).getByRole('button', { name: '重新載入' }));
    expect(reload).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const contact = within(panel).getByRole('link', { name: '聯絡客服' });
    expect(contact.getAttribute('href')).toMatch(new RegExp(`^mailto:${SUPPORT_EMAIL.replace('.', '\\.')}\\?subject=`));

    // The API's id for the report, for support.
    expect(await within(panel).findByText('已自動回報，錯誤回報編號：ce-42')).toBeTruthy();
    expect(decodeURIComponent(contact.getAttribute('href')!)).toContain('編號 ce-42');

    await waitFor(() => expect(reports()).toHaveLength(1));
    const r = reports()[0]!;
    expect(r.method).toBe('POST');
    expect(r.headers.authorization).toBe('Bearer access-1');
    expect(r.headers['idempotency-key']).toBeTruthy();
    const body = r.body as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(
      ['appVersion', 'componentStack', 'deviceId', 'message', 'occurredAt', 'stack', 'url', 'userAgent'].sort(),
    );
    expect(body.message).toBe('lit fuse');
    expect(body.stack).toContain('lit fuse');
    expect(body.componentStack).toContain('Fuse');
    expect(body.url).toBe(window.location.href);
    expect(body.userAgent).toBe(navigator.userAgent);
    expect(Date.now() - Date.parse(body.occurredAt ?? '')).toBeLessThan(10_000);
    expect(body.occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(body.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(localStorage.getItem(DEVICE_ID_KEY)).toBe(body.deviceId);
    expect(body.appVersion).toBe(import.meta.env.VITE_APP_VERSION ?? 'dev');
    // Nothing more is sent for the same error.
    await new Promise((r) => setTimeout(r, 50));
    expect(reports()).toHaveLength(1);
  });

  it('keeps the device id across reports, and works without a session', async () => {
    localStorage.setItem(DEVICE_ID_KEY, 'dev-kept-1');
    await open(
      <GlobalErrorBoundary>
        <Boom />
      </GlobalErrorBoundary>,
    );
    expect(await screen.findByRole('alert')).toBeTruthy();
    await waitFor(() => expect(reports()).toHaveLength(1));
    expect((reports()[0]!.body as { deviceId: string }).deviceId).toBe('dev-kept-1');
    expect(reports()[0]!.headers.authorization).toBeUndefined();
  });

  it('does not crash when the report fails (refused, rate limited or no server)', async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: PromiseRejectionEvent | unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      await open(
        <GlobalErrorBoundary>
          <Boom message="first" />
        </GlobalErrorBoundary>,
        () => ({ status: 429, body: { requestId: 'r', statusCode: 429, code: 'RATE_LIMITED', message: 'Too many.' } }),
      );
      const panel = await screen.findByRole('alert');
      await waitFor(() => expect(reports()).toHaveLength(1));
      await new Promise((r) => setTimeout(r, 50));
      expect(panel.textContent).not.toContain('已自動回報');
      cleanup();
      await server!.close();

      // The server is gone: the network error is swallowed too.
      await open(
        <GlobalErrorBoundary>
          <Boom message="second" />
        </GlobalErrorBoundary>,
      );
      const url = server!.seen;
      await server!.close();
      expect(await screen.findByRole('alert')).toBeTruthy();
      await new Promise((r) => setTimeout(r, 100));
      expect(screen.getByRole('button', { name: '重新載入' })).toBeTruthy();
      expect(url.length).toBeLessThanOrEqual(1);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('inside the shell: a failing page leaves the menu, and going elsewhere clears the panel', async () => {
    server = await startApiServer(() => ({ status: 202, body: { id: 'ce-1' } }));
    const { router } = renderApp(
      [
        {
          path: '/',
          element: <Layout />,
          children: [
            { path: 'bad', element: <Boom message="page failed" /> },
            { path: 'ok', element: <p>fine page</p> },
          ],
        },
      ],
      { baseUrl: server.baseUrl, path: '/bad' },
    );
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'menu' })).toBeTruthy();
    fireEvent.click(screen.getByRole('link', { name: 'ok page' }));
    expect(await screen.findByText('fine page')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/ok');
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(reports()).toHaveLength(1));
    expect((reports()[0]!.body as { message: string }).message).toBe('page failed');
  });
});

describe('the render-error test hook', () => {
  it('throws on /?__throw=render in a dev build, and only then', async () => {
    expect(import.meta.env.DEV).toBe(true);
    expect(testHooksEnabled()).toBe(true);
    await open(<HookedApp />);
    expect(await screen.findByText('the app')).toBeTruthy();
    cleanup();
    await server!.close();

    window.history.replaceState(null, '', '/?__throw=render');
    await open(<HookedApp />);
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.queryByText('the app')).toBeNull();
    await waitFor(() => expect(reports()).toHaveLength(1));
    const body = reports()[0]!.body as { message: string; url: string; componentStack: string };
    expect(body.message).toBe('Test render error (__throw=render)');
    expect(body.url).toMatch(/\/\?__throw=render$/);
    expect(body.componentStack).toContain('RenderErrorTrigger');
  });

  it('in a production build answers only when localStorage einvoice.testHooks is 1', () => {
    vi.stubEnv('DEV', false);
    window.history.replaceState(null, '', '/?__throw=render');
    expect(testHooksEnabled()).toBe(false);
    expect(RenderErrorTrigger()).toBeNull();
    localStorage.setItem(TEST_HOOKS_KEY, '1');
    expect(testHooksEnabled()).toBe(true);
    expect(() => RenderErrorTrigger()).toThrow('Test render error (__throw=render)');
    localStorage.setItem(TEST_HOOKS_KEY, 'yes');
    expect(testHooksEnabled()).toBe(false);
  });
});
