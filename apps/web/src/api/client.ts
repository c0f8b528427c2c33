/**
 * The one way the web app talks to the API. The access token lives in memory only; the refresh token is kept
 * in `sessionStorage` (this tab, until it closes) so a reload does not sign the user out. A 401 on a call
 * made with a token that says the access token is missing, expired or invalid is answered by one refresh
 * (shared by concurrent calls) and one retry; any other 401 (a wrong password or MFA code) is the answer.
 * Writes carry an `Idempotency-Key`, the same one on that retry.
 */
import { ApiError, isErrorBody } from './errors.ts';

export { ApiError, type FieldProblem } from './errors.ts';

export type SessionTokens = {
  mfaRequired: false;
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  mfaEnrollmentRequired: boolean;
  user: { id: string; username: string; displayName: string; permissions: string[]; mfaEnabled: boolean };
};

export type RequestOptions = {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the access token and refresh on 401 (default true). */
  auth?: boolean;
  /** 'text' answers the body as a string (CSV, XML); default JSON. */
  responseType?: 'json' | 'text';
};

export type ApiClientOptions = {
  /** The API's origin; '' (the default) means this page's, through the dev proxy or the same host. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Where the refresh token is kept; default `sessionStorage`, null for nowhere (tests, memory only). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** Called when the session is gone (refresh refused, logout): show the login screen. */
  onSessionEnd?: () => void;
  /** Refresh this long before the access token expires (default 30 s). */
  refreshMarginMs?: number;
  now?: () => number;
  newKey?: () => string;
};

export const REFRESH_STORAGE_KEY = 'einvoice.refreshToken';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * The 401 codes about the access token itself, which a refresh may cure: no (usable) bearer token, or one that
 * is malformed, expired or revoked (apps/api/src/plugins/scope-injector.ts, packages/domain/src/errors.ts).
 * Other 401s — INVALID_CREDENTIALS, MFA_CODE_INVALID, REFRESH_TOKEN_* — answer the call's own content: sent
 * again they would fail the same way (and count twice against the sign-in throttle).
 */
const ACCESS_TOKEN_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'TOKEN_INVALID']);

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(opts: ApiClientOptions = {}) {
  const base = (opts.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const storage = opts.storage === undefined ? defaultStorage() : opts.storage;
  const margin = opts.refreshMarginMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const newKey = opts.newKey ?? (() => crypto.randomUUID());

  let accessToken: string | null = null;
  let accessExpiresAt = 0;
  let refreshing: Promise<boolean> | null = null;
  const endListeners = new Set<() => void>(opts.onSessionEnd ? [opts.onSessionEnd] : []);

  const readRefresh = () => {
    try {
      return storage?.getItem(REFRESH_STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
  };
  const writeRefresh = (v: string | null) => {
    try {
      if (v) storage?.setItem(REFRESH_STORAGE_KEY, v);
      else storage?.removeItem(REFRESH_STORAGE_KEY);
    } catch {
      // storage unavailable: the session lasts for this page only
    }
  };
  let refreshToken: string | null = readRefresh();

  function setSession(tokens: Pick<SessionTokens, 'accessToken' | 'expiresIn' | 'refreshToken'>) {
    accessToken = tokens.accessToken;
    accessExpiresAt = now() + tokens.expiresIn * 1000;
    refreshToken = tokens.refreshToken;
    writeRefresh(tokens.refreshToken);
  }

  function clearSession() {
    const had = accessToken !== null || refreshToken !== null;
    accessToken = null;
    accessExpiresAt = 0;
    refreshToken = null;
    writeRefresh(null);
    if (had) for (const l of endListeners) l();
  }

  async function send(method: string, path: string, o: RequestOptions, token: string | null, key: string | null) {
    let url = base + path;
    if (o.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(o.query)) if (v !== undefined) q.set(k, String(v));
      const s = q.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    const form = typeof FormData !== 'undefined' && o.body instanceof FormData;
    const headers: Record<string, string> = { accept: o.responseType === 'text' ? '*/*' : 'application/json', ...o.headers };
    // A FormData body (a file upload) sets its own multipart content type with the boundary.
    if (o.body !== undefined && !form) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    if (key) headers['idempotency-key'] = key;
    try {
      return await doFetch(url, {
        method,
        headers,
        body: o.body === undefined ? undefined : form ? (o.body as FormData) : JSON.stringify(o.body),
        signal: o.signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError({ status: 0, code: 'NETWORK_ERROR', message: (e as Error).message });
    }
  }

  async function parse<T>(r: Response, responseType: RequestOptions['responseType'] = 'json'): Promise<T> {
    return answer<T>(r, await r.text(), responseType);
  }

  /** The answer of a response whose body was read as `text`: the value, or the API's error thrown. */
  function answer<T>(r: Response, text: string, responseType: RequestOptions['responseType'] = 'json'): T {
    if (r.ok && responseType === 'text') return text as T;
    const data = parseJson(text);
    if (r.ok) return data as T;
    if (isErrorBody(data)) {
      throw new ApiError({
        status: r.status,
        code: data.code,
        message: data.message,
        requestId: data.requestId ?? r.headers.get('x-request-id'),
        details: data.details,
      });
    }
    throw new ApiError({
      status: r.status,
      code: 'HTTP_ERROR',
      message: `${r.status} ${r.statusText}`.trim(),
      requestId: r.headers.get('x-request-id'),
    });
  }

  /** Rotate the refresh token; false (and the session cleared) when the API refuses. One at a time. */
  function refresh(): Promise<boolean> {
    if (!refreshToken) return Promise.resolve(false);
    refreshing ??= (async () => {
      try {
        const r = await send('POST', '/api/v1/auth/refresh', { body: { refreshToken } }, null, null);
        setSession(await parse<SessionTokens>(r));
        return true;
      } catch (e) {
        // A network failure keeps the refresh token for a later try; a refusal ends the session.
        if (e instanceof ApiError && e.status !== 0) clearSession();
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /** The access token, refreshed first when it is (nearly) expired; null when signed out. */
  async function freshAccessToken(): Promise<string | null> {
    if (accessToken && now() < accessExpiresAt - margin) return accessToken;
    if (refreshToken) await refresh();
    return accessToken;
  }

  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const auth = o.auth ?? true;
    const key = WRITES.has(method.toUpperCase()) ? newKey() : null;
    const token = auth ? await freshAccessToken() : null;
    let r = await send(method, path, o, token, key);
    if (r.status === 401 && auth && refreshToken) {
      // Only a 401 about the access token is worth a refresh; any other is this call's answer.
      const text = await r.text();
      const data = parseJson(text);
      if (!(isErrorBody(data) && ACCESS_TOKEN_CODES.has(data.code)) || !(await refresh())) {
        return answer<T>(r, text, o.responseType);
      }
      r = await send(method, path, o, accessToken, key);
    }
    return parse<T>(r, o.responseType);
  }

  return {
    request,
    get: <T>(path: string, o?: Omit<RequestOptions, 'body'>) => request<T>('GET', path, o),
    post: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>('POST', path, { ...o, body }),
    put: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>('PUT', path, { ...o, body }),
    patch: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>('PATCH', path, { ...o, body }),
    delete: <T>(path: string, o?: RequestOptions) => request<T>('DELETE', path, o),
    setSession,
    clearSession,
    refresh,
    freshAccessToken,
    /** Be told when the session ends (refresh refused, logout); answers the unsubscribe. */
    onSessionEnd(listener: () => void) {
      endListeners.add(listener);
      return () => void endListeners.delete(listener);
    },
    /** Whether a session may be resumed (a refresh token is held). */
    hasRefreshToken: () => refreshToken !== null,
    baseUrl: base,
  };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function defaultStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
