import { afterEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { ApiError, createApiClient } from './client.ts';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(handler: Handler, opts: Parameters<typeof createApiClient>[0] = {}) {
  server = await startApiServer(handler);
  const ended: number[] = [];
  const store = new Map<string, string>();
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  };
  const api = createApiClient({ baseUrl: server.baseUrl, storage, onSessionEnd: () => ended.push(1), ...opts });
  return { api, seen: server.seen, ended, store };
}

const bearer = (h: { authorization?: string }) => h.authorization ?? null;

describe('api client', () => {
  it('sends the access token and JSON, and answers the parsed body', async () => {
    const { api, seen } = await setup((r) =>
      r.url.startsWith('/api/v1/things') ? { body: { ok: true, q: r.url } } : { status: 404, body: {} },
    );
    api.setSession(sessionTokens(1));
    const r = await api.get<{ ok: boolean; q: string }>('/api/v1/things', { query: { a: 1, b: undefined, c: 'x y' } });
    expect(r).toEqual({ ok: true, q: '/api/v1/things?a=1&c=x+y' });
    expect(bearer(seen[0]!.headers)).toBe('Bearer access-1');
    expect(seen[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('puts a fresh Idempotency-Key on every write, none on reads', async () => {
    const { api, seen } = await setup(() => ({ body: {} }));
    api.setSession(sessionTokens(1));
    await api.post('/api/v1/a', { x: 1 });
    await api.put('/api/v1/a', { x: 1 });
    await api.patch('/api/v1/a', { x: 1 });
    await api.delete('/api/v1/a');
    await api.get('/api/v1/a');
    const keys = seen.map((r) => r.headers['idempotency-key']);
    expect(keys.slice(0, 4).every((k) => typeof k === 'string' && /^[0-9a-f-]{36}$/.test(k))).toBe(true);
    expect(new Set(keys.slice(0, 4)).size).toBe(4);
    expect(keys[4]).toBeUndefined();
    expect(seen[0]!.body).toEqual({ x: 1 });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('throws a typed ApiError with code, request id and field details', async () => {
    const { api } = await setup(() =>
      apiError(400, 'VALIDATION_ERROR', 'Invalid body.', [
        { field: 'body.username', message: 'Too small' },
        { field: 'body.username', message: 'second problem' },
        { field: 'query.page', message: 'Expected number' },
      ]),
    );
    const e = await api.post('/api/v1/auth/login', { username: '' }, { auth: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    const err = e as ApiError;
    expect([err.status, err.code, err.message, err.requestId]).toEqual([400, 'VALIDATION_ERROR', 'Invalid body.', 'req-test-1']);
    expect(err.fieldErrors()).toEqual({ username: 'Too small' });
    expect(err.fieldProblems).toHaveLength(3);
  });

  it('reads a single-object details and a non-JSON error', async () => {
    let n = 0;
    const { api } = await setup(() =>
      n++ === 0
        ? apiError(409, 'IDEMPOTENCY_KEY_INVALID', 'bad key', { field: 'headers.idempotency-key' })
        : { status: 502, body: undefined },
    );
    const a = (await api.post('/api/v1/x', {}).catch((x: unknown) => x)) as ApiError;
    expect(a.fieldProblems).toEqual([{ field: 'headers.idempotency-key', message: 'bad key' }]);
    const b = (await api.get('/api/v1/x').catch((x: unknown) => x)) as ApiError;
    expect([b.status, b.code]).toEqual([502, 'HTTP_ERROR']);
  });

  it('reports a server that is not there as NETWORK_ERROR', async () => {
    const { api } = await setup(() => ({ body: {} }));
    await server!.close();
    server = undefined;
    const e = (await api.get('/api/v1/x').catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.code]).toEqual([0, 'NETWORK_ERROR']);
  });

  it('on 401 refreshes once and retries with the same Idempotency-Key', async () => {
    const { api, seen, store } = await setup((r) => {
      if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(2) };
      return bearer(r.headers) === 'Bearer access-2' ? { body: { done: true } } : apiError(401, 'UNAUTHENTICATED', 'expired');
    });
    api.setSession(sessionTokens(1));
    expect(await api.post('/api/v1/invoices', { a: 1 })).toEqual({ done: true });
    expect(seen.map((r) => r.url)).toEqual(['/api/v1/invoices', '/api/v1/auth/refresh', '/api/v1/invoices']);
    expect(seen[1]!.body).toEqual({ refreshToken: 'refresh-token-1' });
    expect(seen[1]!.headers['idempotency-key']).toBeUndefined();
    expect(seen[2]!.headers['idempotency-key']).toBe(seen[0]!.headers['idempotency-key']);
    expect(store.get('einvoice.refreshToken')).toBe('refresh-token-2');
  });

  it('refreshes on a 401 for an expired or revoked token (TOKEN_INVALID) too', async () => {
    const { api, seen } = await setup((r) => {
      if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(2) };
      return bearer(r.headers) === 'Bearer access-2'
        ? { body: { me: 1 } }
        : apiError(401, 'TOKEN_INVALID', 'The token has expired.');
    });
    api.setSession(sessionTokens(1));
    expect(await api.get('/api/v1/auth/me')).toEqual({ me: 1 });
    expect(seen.map((r) => r.url)).toEqual(['/api/v1/auth/me', '/api/v1/auth/refresh', '/api/v1/auth/me']);
  });

  it('answers a 401 that is not about the token (a wrong code or password) as it is: sent once, no refresh', async () => {
    const { api, seen, store, ended } = await setup((r) => {
      if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(2) };
      if (r.url === '/api/v1/auth/mfa/disable') return apiError(401, 'MFA_CODE_INVALID', 'The code is wrong.');
      if (r.url === '/api/v1/auth/password') return apiError(401, 'INVALID_CREDENTIALS', 'The current password is wrong.');
      return { status: 401, text: 'Unauthorized', headers: { 'content-type': 'text/plain' } };
    });
    api.setSession(sessionTokens(1));

    const a = (await api.post('/api/v1/auth/mfa/disable', { code: '000000' }).catch((x: unknown) => x)) as ApiError;
    expect([a.status, a.code, a.message]).toEqual([401, 'MFA_CODE_INVALID', 'The code is wrong.']);
    const b = (await api
      .post('/api/v1/auth/password', { currentPassword: 'wrong', newPassword: 'long-enough-1' })
      .catch((x: unknown) => x)) as ApiError;
    expect([b.status, b.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    // A 401 without the API's error body (not the API's, so not known to be about the token) is not retried either.
    const c = (await api.get('/api/v1/elsewhere').catch((x: unknown) => x)) as ApiError;
    expect([c.status, c.code]).toEqual([401, 'HTTP_ERROR']);

    expect(seen.map((r) => r.url)).toEqual(['/api/v1/auth/mfa/disable', '/api/v1/auth/password', '/api/v1/elsewhere']);
    expect(seen.every((r) => r.headers.authorization === 'Bearer access-1')).toBe(true);
    // The session is untouched: same tokens, not ended.
    expect(store.get('einvoice.refreshToken')).toBe('refresh-token-1');
    expect(await api.freshAccessToken()).toBe('access-1');
    expect(ended).toEqual([]);
  });

  it('shares one refresh between concurrent 401s', async () => {
    const { api, seen } = await setup(async (r) => {
      if (r.url === '/api/v1/auth/refresh') {
        await new Promise((res) => setTimeout(res, 30));
        return { body: sessionTokens(2) };
      }
      return bearer(r.headers) === 'Bearer access-2' ? { body: { u: r.url } } : apiError(401, 'UNAUTHENTICATED', 'expired');
    });
    api.setSession(sessionTokens(1));
    const rs = await Promise.all([api.get('/api/v1/a'), api.get('/api/v1/b'), api.get('/api/v1/c')]);
    expect(rs).toEqual([{ u: '/api/v1/a' }, { u: '/api/v1/b' }, { u: '/api/v1/c' }]);
    expect(seen.filter((r) => r.url === '/api/v1/auth/refresh')).toHaveLength(1);
  });

  it('does not loop: a second 401 is thrown, and a refused refresh ends the session', async () => {
    const { api, seen, ended, store } = await setup((r) =>
      r.url === '/api/v1/auth/refresh'
        ? apiError(401, 'REFRESH_TOKEN_REUSED', 'reused')
        : apiError(401, 'UNAUTHENTICATED', 'expired'),
    );
    api.setSession(sessionTokens(1));
    const e = (await api.get('/api/v1/a').catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(seen).toHaveLength(2);
    expect(ended).toEqual([1]);
    expect(store.has('einvoice.refreshToken')).toBe(false);
    expect(api.hasRefreshToken()).toBe(false);
  });

  it('refreshes before a call when the access token is about to expire, and resumes from storage', async () => {
    let t = 1_000_000;
    const { api, seen, store } = await setup(
      (r) => (r.url === '/api/v1/auth/refresh' ? { body: sessionTokens(2) } : { body: { who: bearer(r.headers) } }),
      { now: () => t },
    );
    api.setSession(sessionTokens(1));
    t += 900_000 - 10_000; // 10 s left, inside the 30 s margin
    expect(await api.get('/api/v1/me')).toEqual({ who: 'Bearer access-2' });
    expect(seen.map((r) => r.url)).toEqual(['/api/v1/auth/refresh', '/api/v1/me']);

    // A new page (client) with the stored refresh token resumes the session.
    const again = createApiClient({
      baseUrl: server!.baseUrl,
      storage: { getItem: (k) => store.get(k) ?? null, setItem: () => {}, removeItem: () => {} },
    });
    expect(again.hasRefreshToken()).toBe(true);
    expect(await again.freshAccessToken()).toBe('access-2');
  });
});
