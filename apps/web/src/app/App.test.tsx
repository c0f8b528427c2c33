// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFetch, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import { routes } from './App.tsx';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

describe('App routes', () => {
  it('sends a signed-out user to login, then shows the shell; logout ends the session', async () => {
    server = await startApiServer((r) => {
      if (r.url === '/api/v1/auth/login') return { body: sessionTokens(1) };
      if (r.url === '/api/v1/auth/logout') return { body: { loggedOut: true } };
      return { status: 503, body: { requestId: 'r', statusCode: 503, code: 'UNAVAILABLE', message: 'down' } };
    });
    const { router } = renderApp(routes, { baseUrl: server.baseUrl, path: '/', services: { fetch: nodeFetch } });
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));

    fireEvent.change(screen.getByLabelText('帳號'), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('密碼'), { target: { value: 'correct-password' } });
    fireEvent.submit(screen.getByRole('button', { name: '登入' }).closest('form')!);

    expect(await screen.findByRole('navigation', { name: '主選單' })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/');
    expect(screen.getByRole('navigation', { name: '使用者' })).toBeTruthy();
    expect(screen.getByRole('main')).toBeTruthy();
    expect(screen.getByRole('link', { name: '總覽' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByText('登入身分：Alice Wang')).toBeTruthy();
    // The dashboard's error state, since this server has no summary.
    expect((await screen.findByRole('alert')).textContent).toBe('無法載入總覽：down');

    fireEvent.change(screen.getByLabelText('語言'), { target: { value: 'en' } });
    expect(screen.getByRole('navigation', { name: 'Main menu' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    const logout = server.seen.find((r) => r.url === '/api/v1/auth/logout')!;
    expect(logout.headers.authorization).toBe('Bearer access-1');
    expect(logout.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
