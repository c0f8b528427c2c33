// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import { LoginPage } from './LoginPage.tsx';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

async function renderLogin(handler: Handler) {
  server = await startApiServer(handler);
  const routes = [
    { path: '/login', element: <LoginPage /> },
    { path: '/', element: <p>home page</p> },
  ];
  return { ...renderApp(routes, { baseUrl: server.baseUrl, path: '/login' }), seen: server.seen };
}

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
/** The error text tied to an input through aria-describedby. */
const errorOf = (el: HTMLElement) => {
  const id = el.getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
};
const submit = () => fireEvent.submit(screen.getByRole('button', { name: '登入' }).closest('form')!);
const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });

describe('LoginPage', () => {
  it('has labelled inputs in zh-TW and checks required fields before calling the API', async () => {
    const { seen } = await renderLogin(() => ({ body: {} }));
    expect(screen.getByRole('heading', { name: '登入' })).toBeTruthy();
    expect(input('帳號').autocomplete).toBe('username');
    expect(input('密碼').type).toBe('password');

    submit();
    expect(errorOf(input('帳號'))).toBe('請輸入帳號');
    expect(errorOf(input('密碼'))).toBe('請輸入密碼');
    expect(input('帳號').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input('帳號'));

    type('帳號', 'alice');
    submit();
    expect(errorOf(input('帳號'))).toBeNull();
    expect(errorOf(input('密碼'))).toBe('請輸入密碼');
    expect(document.activeElement).toBe(input('密碼'));
    expect(seen).toHaveLength(0);
  });

  it("shows the API's field error next to the field it names", async () => {
    const { seen } = await renderLogin(() =>
      apiError(400, 'VALIDATION_ERROR', 'Invalid body.', [{ field: 'body.username', message: 'Too big: at most 64 characters' }]),
    );
    type('帳號', 'a'.repeat(65));
    type('密碼', 'secret-password');
    submit();
    await waitFor(() => expect(errorOf(input('帳號'))).toBe('Too big: at most 64 characters'));
    expect(errorOf(input('密碼'))).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(seen[0]!.body).toEqual({ username: 'a'.repeat(65), password: 'secret-password' });
  });

  it('shows a wrong password as a message for the form, in the chosen language', async () => {
    await renderLogin(() => apiError(401, 'INVALID_CREDENTIALS', 'Invalid username or password.'));
    fireEvent.change(screen.getByLabelText('語言'), { target: { value: 'en' } });
    expect(document.documentElement.lang).toBe('en');
    type('Username', 'alice');
    type('Password', 'wrong-password');
    fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form')!);
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong username or password');
  });

  it('asks for the MFA code when the API wants one, then signs in', async () => {
    const { seen, router } = await renderLogin((r) => {
      if (r.url === '/api/v1/auth/login') return { body: { mfaRequired: true, mfaToken: 'mfa-token-123', expiresIn: 300 } };
      const code = (r.body as { code: string }).code;
      return code === '123456' ? { body: sessionTokens(1) } : apiError(401, 'MFA_CODE_INVALID', 'The code is wrong.');
    });
    type('帳號', 'alice');
    type('密碼', 'correct-password');
    submit();
    const code = (await screen.findByLabelText('驗證碼')) as HTMLInputElement;
    expect(code.autocomplete).toBe('one-time-code');
    const verify = () => fireEvent.submit(screen.getByRole('button', { name: '驗證' }).closest('form')!);

    fireEvent.change(code, { target: { value: '12ab' } });
    verify();
    expect(errorOf(input('驗證碼'))).toBe('驗證碼為 6 位數字');

    fireEvent.change(input('驗證碼'), { target: { value: '000000' } });
    verify();
    await waitFor(() => expect(errorOf(input('驗證碼'))).toBe('驗證碼錯誤、已過期或已使用'));

    fireEvent.change(input('驗證碼'), { target: { value: '123456' } });
    verify();
    expect(await screen.findByText('home page')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/');
    expect(seen.at(-1)!.body).toEqual({ mfaToken: 'mfa-token-123', code: '123456' });
  });
});
