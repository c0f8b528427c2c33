import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { SessionTokens } from '../api/client.ts';
import { useServices } from '../app/services.tsx';

/** The signed-in user: `id` is the API's user id (what other records name a user by). */
export type User = { id: string; username: string; displayName: string; permissions: string[] };
export type AuthState =
  | { status: 'restoring' }
  | { status: 'signedOut' }
  | {
      status: 'signedIn';
      user: User;
      /**
       * The user's role requires MFA and they have none yet: nothing but enrolment answers until they enrol
       * (the login answer's `mfaEnrollmentRequired`, or GET /api/v1/auth/me's `mfaPending` on a resumed
       * session). As of the sign-in: not updated by an enrolment made since.
       */
      mfaEnrollmentRequired: boolean;
    };

type LoginAnswer = SessionTokens | { mfaRequired: true; mfaToken: string; expiresIn: number };
/** GET /api/v1/auth/me (meResponse in packages/schemas/src/auth.ts), the parts used here. */
type Me = { id: string; name: string; displayName?: string; permissions: string[]; mfaPending: boolean };
/** The second factor of an MFA sign-in: the authenticator's code, or one of the user's recovery codes. */
export type SecondFactor = { code: string } | { recoveryCode: string };

export type Auth = {
  state: AuthState;
  /** Signs in, or answers the token for the MFA step when the API asks for a code. */
  login(username: string, password: string): Promise<{ mfaToken: string } | null>;
  /** The MFA step (POST /api/v1/auth/mfa/challenge): signs in with a TOTP code or a recovery code. */
  completeMfa(mfaToken: string, factor: SecondFactor): Promise<void>;
  logout(): Promise<void>;
};

const AuthContext = createContext<Auth | null>(null);

const signedIn = (t: SessionTokens): AuthState => ({
  status: 'signedIn',
  user: { id: t.user.id, username: t.user.username, displayName: t.user.displayName, permissions: t.user.permissions },
  mfaEnrollmentRequired: t.mfaEnrollmentRequired,
});

/**
 * Who is signed in, and signing in and out. Whenever a session ends (logout, or the API refusing the refresh)
 * or a new one starts, the query cache is emptied: the next user of this tab never sees the last one's data.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [state, setState] = useState<AuthState>(() =>
    api.hasRefreshToken() ? { status: 'restoring' } : { status: 'signedOut' },
  );

  const signOut = useCallback(() => {
    queryClient.clear();
    setState({ status: 'signedOut' });
  }, [queryClient]);

  useEffect(() => api.onSessionEnd(signOut), [api, signOut]);

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
            user: { id: me.id, username: me.name, displayName: me.displayName ?? me.name, permissions: me.permissions },
            mfaEnrollmentRequired: me.mfaPending === true,
          });
        }
      } catch {
        if (live) signOut();
      }
    })();
    return () => {
      live = false;
    };
  }, [api, signOut]);

  const start = useCallback(
    (t: SessionTokens) => {
      queryClient.clear();
      api.setSession(t);
      setState(signedIn(t));
    },
    [api, queryClient],
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
    async (mfaToken: string, factor: SecondFactor) => {
      const body = 'code' in factor ? { mfaToken, code: factor.code } : { mfaToken, recoveryCode: factor.recoveryCode };
      start(await api.post<SessionTokens>('/api/v1/auth/mfa/challenge', body, { auth: false }));
    },
    [api, start],
  );

  const logout = useCallback(async () => {
    try {
      await api.post('/api/v1/auth/logout');
    } catch {
      // Signed out here regardless; the session expires on the server.
    }
    // Ends the session (its listener, signOut, empties the cache); and again here when none was held.
    api.clearSession();
    signOut();
  }, [api, signOut]);

  const value = useMemo<Auth>(() => ({ state, login, completeMfa, logout }), [state, login, completeMfa, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth needs an <AuthProvider> above it');
  return v;
}
