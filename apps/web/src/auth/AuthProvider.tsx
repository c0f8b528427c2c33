import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { SessionTokens } from '../api/client.ts';
import { useServices } from '../app/services.tsx';

export type User = { username: string; displayName: string; permissions: string[] };
export type AuthState = { status: 'restoring' } | { status: 'signedOut' } | { status: 'signedIn'; user: User };

type LoginAnswer = SessionTokens | { mfaRequired: true; mfaToken: string; expiresIn: number };
type Me = { name: string; displayName?: string; permissions: string[] };

export type Auth = {
  state: AuthState;
  /** Signs in, or answers the token for the MFA step when the API asks for a code. */
  login(username: string, password: string): Promise<{ mfaToken: string } | null>;
  completeMfa(mfaToken: string, code: string): Promise<void>;
  logout(): Promise<void>;
};

const AuthContext = createContext<Auth | null>(null);

const userOf = (t: SessionTokens): User => ({
  username: t.user.username,
  displayName: t.user.displayName,
  permissions: t.user.permissions,
});

export function AuthProvider({ children }: { children: ReactNode }) {
  const { api } = useServices();
  const [state, setState] = useState<AuthState>(() =>
    api.hasRefreshToken() ? { status: 'restoring' } : { status: 'signedOut' },
  );

  useEffect(() => api.onSessionEnd(() => setState({ status: 'signedOut' })), [api]);

  // A reload: resume the session from the refresh token this tab kept.
  useEffect(() => {
    if (!api.hasRefreshToken()) return;
    let live = true;
    (async () => {
      try {
        if (!(await api.refresh())) throw new Error('refresh refused');
        const me = await api.get<Me>('/api/v1/auth/me');
        if (live) {
          setState({
            status: 'signedIn',
            user: { username: me.name, displayName: me.displayName ?? me.name, permissions: me.permissions },
          });
        }
      } catch {
        if (live) setState({ status: 'signedOut' });
      }
    })();
    return () => {
      live = false;
    };
  }, [api]);

  const start = useCallback(
    (t: SessionTokens) => {
      api.setSession(t);
      setState({ status: 'signedIn', user: userOf(t) });
    },
    [api],
  );

  const login = useCallback(
    async (username: string, password: string) => {
      const a = await api.post<LoginAnswer>('/api/v1/auth/login', { username, password }, { auth: false });
      if (a.mfaRequired) return { mfaToken: a.mfaToken };
      start(a);
      return null;
    },
    [api, start],
  );

  const completeMfa = useCallback(
    async (mfaToken: string, code: string) => {
      start(await api.post<SessionTokens>('/api/v1/auth/mfa/challenge', { mfaToken, code }, { auth: false }));
    },
    [api, start],
  );

  const logout = useCallback(async () => {
    try {
      await api.post('/api/v1/auth/logout');
    } catch {
      // Signed out here regardless; the session expires on the server.
    }
    api.clearSession();
    setState({ status: 'signedOut' });
  }, [api]);

  const value = useMemo<Auth>(() => ({ state, login, completeMfa, logout }), [state, login, completeMfa, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth needs an <AuthProvider> above it');
  return v;
}
