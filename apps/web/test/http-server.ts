/**
 * A real HTTP server on 127.0.0.1 for the web app's tests: each test scripts the API's answers and reads the
 * requests that came. CORS is open so happy-dom's fetch (which enforces it) can call it from a component test.
 */

import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';

/**
 * A request as it came: `body` is the parsed JSON when the body is JSON, else its text (a multipart upload,
 * a form), undefined when there was none; `raw` is always the text.
 */
export type SeenRequest = { method: string; url: string; headers: IncomingHttpHeaders; body: unknown; raw: string };
/**
 * An answer: `body` is sent as JSON; `text` as it is (`text/plain` unless `headers` name a content type, as
 * `{ text: csv, headers: { 'content-type': 'text/csv; charset=utf-8' } }`). Status 200 unless told.
 */
export type Answer = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };
export type Handler = (req: SeenRequest) => Answer | Promise<Answer>;

export type ServerOptions = {
  /**
   * A signed-in user with these permissions, for screens rendered with `session` (whose AuthProvider resumes
   * it): POST /api/v1/auth/refresh and GET /api/v1/auth/me are answered here (as alice, `sessionTokens`) and
   * left out of `seen`, which then holds the screen's own requests only.
   */
  signedIn?: { permissions: string[] };
};

export async function startApiServer(handler: Handler, opts: ServerOptions = {}) {
  const seen: SeenRequest[] = [];
  const server = createServer(async (req, res) => {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': '*',
      'access-control-expose-headers': '*',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const seenReq: SeenRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: bodyOf(raw),
      raw,
    };
    try {
      let a: Answer;
      const session = opts.signedIn && sessionAnswer(seenReq, opts.signedIn.permissions);
      if (session) a = session;
      else {
        seen.push(seenReq);
        a = await handler(seenReq);
      }
      const status = a.status ?? 200;
      const empty = status === 304 || status === 204;
      const [payload, type] =
        a.text !== undefined
          ? [a.text, 'text/plain; charset=utf-8']
          : [a.body === undefined ? '' : JSON.stringify(a.body), 'application/json'];
      res.writeHead(status, { ...cors, ...(payload && !empty ? { 'content-type': type } : {}), ...a.headers });
      res.end(empty ? '' : payload);
    } catch (e) {
      res.writeHead(500, cors).end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function bodyOf(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The sign-in answers of `ServerOptions.signedIn`, or null for any other request. */
function sessionAnswer(r: SeenRequest, permissions: string[]): Answer | null {
  if (r.method === 'POST' && r.url === '/api/v1/auth/refresh') return { body: sessionTokens(2) };
  if (r.method === 'GET' && r.url === '/api/v1/auth/me') return { body: meAnswer(permissions) };
  return null;
}

/** GET /api/v1/auth/me for alice (`sessionTokens`'s user) holding `permissions`. */
export const meAnswer = (permissions: string[], over: { mfaEnabled?: boolean; mfaPending?: boolean } = {}) => ({
  kind: 'user' as const,
  id: 'u1',
  name: 'alice',
  displayName: 'Alice Wang',
  permissions,
  scope: { all: true, sellers: [] as string[], sites: [] as string[] },
  mfaEnabled: false,
  mfaPending: false,
  ...over,
});

/** A 404 NOT_FOUND as the API answers it, for what a test does not script. */
export const notFound = (url: string): Answer => ({
  status: 404,
  body: { requestId: 'req-404', statusCode: 404, code: 'NOT_FOUND', message: `Nothing at ${url} in this test.` },
});

/** An error answer shaped like the API's error handler's. */
export const apiError = (statusCode: number, code: string, message: string, details?: unknown): Answer => ({
  status: statusCode,
  body: { requestId: 'req-test-1', statusCode, code, message, ...(details === undefined ? {} : { details }) },
});

export const sessionTokens = (n: number) => ({
  mfaRequired: false as const,
  accessToken: `access-${n}`,
  tokenType: 'Bearer' as const,
  expiresIn: 900,
  refreshToken: `refresh-token-${n}`,
  refreshExpiresIn: 86_400,
  mfaEnrollmentRequired: false,
  user: { id: 'u1', username: 'alice', displayName: 'Alice Wang', permissions: ['invoice.read'], mfaEnabled: false },
});

/**
 * A fetch straight over node:http, for code that conditional-GETs (the live client): happy-dom's fetch keeps
 * its own response cache and fails on a 304 to a request that set If-None-Match itself (21.0: "ResponseCache:
 * Cached response not found"), where a browser hands the 304 to the page.
 */
export const nodeFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  new Promise<Response>((resolve, reject) => {
    const req = request(
      new URL(String(input)),
      { method: init?.method ?? 'GET', headers: (init?.headers ?? {}) as Record<string, string> },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          const body = status === 304 || status === 204 ? null : Buffer.concat(chunks).toString('utf8');
          resolve(new Response(body, { status, headers }));
        });
      },
    );
    req.on('error', reject);
    if (typeof init?.body === 'string') req.write(init.body);
    req.end();
  })) as typeof fetch;

/**
 * Counts the requests the screens make (through the global fetch) from each test's start, so the test can
 * let them be answered before it closes its server (no connection resets at teardown). Call once at a test
 * file's top level; `settle()` in its afterEach, before the server closes.
 */
export function trackFetches() {
  const pending = new Set<Promise<Response>>();
  const realFetch = globalThis.fetch;
  beforeEach(() => {
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      const p = realFetch(input, init);
      pending.add(p);
      void p.catch(() => undefined).finally(() => pending.delete(p));
      return p;
    }) as typeof fetch;
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });
  return {
    /** Wait for the requests under way (and those their answers start) to finish. */
    async settle() {
      for (let i = 0; i < 5; i++) {
        await Promise.allSettled([...pending]);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
