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
    { path: '/account', element: <p>account page</p> },
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

  it('signs in with a recovery code instead, sent as recoveryCode', async () => {
    const { seen, api, router } = await renderLogin((r) => {
      if (r.url === '/api/v1/auth/login') return { body: { mfaRequired: true, mfaToken: 'mfa-token-123', expiresIn: 300 } };
      const body = r.body as { recoveryCode?: string };
      return body.recoveryCode === 'k3p9-x7q2'
        ? { body: sessionTokens(2) }
        : apiError(401, 'MFA_CODE_INVALID', 'The code is wrong, expired or already used.');
    });
    type('帳號', 'alice');
    type('密碼', 'correct-password');
    submit();
    fireEvent.click(await screen.findByRole('button', { name: '使用復原碼' }));
    expect(screen.queryByLabelText('驗證碼')).toBeNull();
    const field = input('復原碼');
    expect(field.autocomplete).toBe('off');
    expect(document.activeElement).toBe(field);
    const verify = () => fireEvent.submit(screen.getByRole('button', { name: '驗證' }).closest('form')!);

    fireEvent.change(field, { target: { value: 'ab' } });
    verify();
    expect(errorOf(input('復原碼'))).toBe('復原碼為 4 至 32 個字元');
    expect(seen).toHaveLength(1);

    fireEvent.change(input('復原碼'), { target: { value: 'used-code' } });
    verify();
    await waitFor(() => expect(errorOf(input('復原碼'))).toBe('驗證碼錯誤、已過期或已使用'));
    expect(seen.at(-1)!.body).toEqual({ mfaToken: 'mfa-token-123', recoveryCode: 'used-code' });

    // Back to the authenticator's code, and to the recovery code again.
    fireEvent.click(screen.getByRole('button', { name: '改用驗證碼' }));
    expect(input('驗證碼')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '使用復原碼' }));

    // Signed in here (no page load): the session is the client's, and the page goes where the user was going.
    fireEvent.change(input('復原碼'), { target: { value: '  k3p9-x7q2 ' } });
    verify();
    expect(await screen.findByText('home page')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/');
    expect(seen.at(-1)!.url).toBe('/api/v1/auth/mfa/challenge');
    expect(seen.at(-1)!.body).toEqual({ mfaToken: 'mfa-token-123', recoveryCode: 'k3p9-x7q2' });
    expect(seen).toHaveLength(3);
    expect(api.hasRefreshToken()).toBe(true);
    expect(await api.freshAccessToken()).toBe('access-2');
  });

  it('sends a user whose role requires MFA to their account to enrol (from the login answer), others where they were going', async () => {
    let pending = true;
    const { seen, router } = await renderLogin((r) =>
      r.url === '/api/v1/auth/login'
        ? { body: { ...sessionTokens(1), mfaEnrollmentRequired: pending } }
        : apiError(404, 'ROUTE_NOT_FOUND', 'no'),
    );
    type('帳號', 'alice');
    type('密碼', 'correct-password');
    submit();
    expect(await screen.findByText('account page')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/account');
    // Nothing asked besides the sign-in itself.
    expect(seen.map((r) => r.url)).toEqual(['/api/v1/auth/login']);
    cleanup();
    await server?.close();

    pending = false;
    const next = await renderLogin((r) =>
      r.url === '/api/v1/auth/login' ? { body: sessionTokens(1) } : apiError(404, 'ROUTE_NOT_FOUND', 'no'),
    );
    type('帳號', 'alice');
    type('密碼', 'correct-password');
    submit();
    expect(await screen.findByText('home page')).toBeTruthy();
    expect(next.router.state.location.pathname).toBe('/');
    expect(next.seen.map((r) => r.url)).toEqual(['/api/v1/auth/login']);
  });
});
