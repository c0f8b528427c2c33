// @vitest-environment happy-dom
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, meAnswer, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import { useApiQuery } from '../api/hooks.ts';
import { RequireAuth } from '../shell/RequireAuth.tsx';
import { useAuth } from './AuthProvider.tsx';
import { LoginPage } from './LoginPage.tsx';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
let queryClient: QueryClient | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
  queryClient = undefined;
});

/** A signed-in page: who the auth state says is signed in, and a private GET of theirs (cached by react-query). */
function Home() {
  const { state, logout } = useAuth();
  queryClient = useQueryClient();
  const secret = useApiQuery<{ secret: string }>('/api/v1/secret');
  if (state.status !== 'signedIn') return null;
  return (
    <>
      <p>
        user {state.user.id} {state.user.username} enrol {String(state.mfaEnrollmentRequired)}
      </p>
      <p>{secret.data ? `secret ${secret.data.secret}` : 'loading secret'}</p>
      <button type="button" onClick={() => void logout()}>
        log out
      </button>
    </>
  );
}

const routes = [
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: (
      <RequireAuth>
        <Home />
      </RequireAuth>
    ),
  },
  { path: '/account', element: <p>account page</p> },
];

async function open(handler: Handler, session?: ReturnType<typeof sessionTokens>) {
  server = await startApiServer(handler);
  return { ...renderApp(routes, { baseUrl: server.baseUrl, path: '/', session }), seen: server.seen };
}

async function signIn(username: string) {
  fireEvent.change(await screen.findByLabelText('帳號'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('密碼'), { target: { value: 'correct-password' } });
  fireEvent.submit(screen.getByRole('button', { name: '登入' }).closest('form')!);
}

const bob = () => ({
  ...sessionTokens(3),
  user: { id: 'u2', username: 'bob', displayName: 'Bob Lin', permissions: [], mfaEnabled: false },
});

describe('AuthProvider', () => {
  it("keeps the user's id; logout empties the query cache, so the next user never sees the last one's data", async () => {
    let releaseBob: () => void = () => {};
    const bobsSecret = new Promise<void>((resolve) => {
      releaseBob = resolve;
    });
    const { router, seen } = await open(async (r) => {
      const who = r.headers.authorization;
      if (r.url === '/api/v1/auth/login') {
        return { body: (r.body as { username: string }).username === 'bob' ? bob() : sessionTokens(1) };
      }
      if (r.url === '/api/v1/auth/logout') return { body: { loggedOut: true } };
      if (r.url === '/api/v1/secret' && who === 'Bearer access-1') return { body: { secret: 'alice-private' } };
      if (r.url === '/api/v1/secret' && who === 'Bearer access-3') {
        await bobsSecret;
        return { body: { secret: 'bob-private' } };
      }
      return apiError(401, 'UNAUTHENTICATED', 'no token');
    });

    await signIn('alice');
    expect(await screen.findByText('secret alice-private')).toBeTruthy();
    expect(screen.getByText('user u1 alice enrol false')).toBeTruthy();
    expect(queryClient!.getQueryCache().getAll()).toHaveLength(1);

    fireEvent.click(screen.getByRole('button', { name: 'log out' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    expect(queryClient!.getQueryCache().getAll()).toHaveLength(0);

    // Bob, in the same tab: his answer is held back, and alice's is not shown meanwhile.
    await signIn('bob');
    expect(await screen.findByText('user u2 bob enrol false')).toBeTruthy();
    expect(screen.getByText('loading secret')).toBeTruthy();
    expect(screen.queryByText(/alice-private/)).toBeNull();
    releaseBob();
    expect(await screen.findByText('secret bob-private')).toBeTruthy();
    expect(screen.queryByText(/alice-private/)).toBeNull();
    expect(seen.filter((r) => r.url === '/api/v1/secret').map((r) => r.headers.authorization)).toEqual([
      'Bearer access-1',
      'Bearer access-3',
    ]);
  });

  it('empties the cache when the API ends the session (refresh refused), and resumes a session with the id from /auth/me', async () => {
    let expired = false;
    const { router, seen } = await open((r) => {
      if (r.url === '/api/v1/auth/refresh') {
        return expired ? apiError(401, 'REFRESH_TOKEN_INVALID', 'sign in again') : { body: sessionTokens(2) };
      }
      if (r.url === '/api/v1/auth/me') return { body: meAnswer(['invoice.read'], { mfaPending: true }) };
      if (r.url === '/api/v1/secret' && !expired) return { body: { secret: 'alice-private' } };
      return apiError(401, 'TOKEN_INVALID', 'The token has expired.');
    }, sessionTokens(1));

    // Resumed (refresh, then GET /auth/me): the id, and whether MFA enrolment is pending, come from /auth/me.
    expect(await screen.findByText('secret alice-private')).toBeTruthy();
    expect(screen.getByText('user u1 alice enrol true')).toBeTruthy();
    expect(seen.slice(0, 2).map((r) => r.url)).toEqual(['/api/v1/auth/refresh', '/api/v1/auth/me']);

    expired = true;
    await queryClient!.refetchQueries();
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    expect(queryClient!.getQueryCache().getAll()).toHaveLength(0);
    expect(seen.slice(-2).map((r) => r.url)).toEqual(['/api/v1/secret', '/api/v1/auth/refresh']);
  });
});
