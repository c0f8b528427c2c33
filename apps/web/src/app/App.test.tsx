// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
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

    // The two navigations hold what they are for: the pages, and the user's own controls.
    const main = await screen.findByRole('navigation', { name: '主選單' });
    expect(within(main).getByRole('link', { name: '總覽' }).getAttribute('href')).toBe('/');
    // The menu follows permissions: this user holds only invoice.read.
    expect(
      within(main)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href')),
    ).toEqual(['/', '/invoices', '/tracks', '/approvals', '/sellers', '/account']);
    expect(router.state.location.pathname).toBe('/');
    const userNav = screen.getByRole('navigation', { name: '使用者' });
    expect(within(userNav).getByRole('button', { name: '登出' })).not.toBeNull();
    expect(userNav.textContent).toContain('Alice Wang');
    expect(screen.getByRole('main').contains(main)).toBe(false);
    expect(screen.getByRole('link', { name: '總覽' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByText('登入身分：Alice Wang')).toBeTruthy();
    // The dashboard's error state, since this server has no summary.
    expect((await screen.findByRole('alert')).textContent).toBe('無法載入總覽：down');

    fireEvent.change(screen.getByLabelText('語言'), { target: { value: 'en' } });
    expect(within(screen.getByRole('navigation', { name: 'Main menu' })).getAllByRole('link')[0]?.textContent).toBe('Dashboard');

    fireEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    const logout = server.seen.find((r) => r.url === '/api/v1/auth/logout')!;
    expect(logout.headers.authorization).toBe('Bearer access-1');
    expect(logout.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
