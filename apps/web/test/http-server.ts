/**
 * A real HTTP server on 127.0.0.1 for the web app's tests: each test scripts the API's answers and reads the
 * requests that came. CORS is open so happy-dom's fetch (which enforces it) can call it from a component test.
 */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SeenRequest = { method: string; url: string; headers: IncomingHttpHeaders; body: unknown };
export type Answer = { status?: number; body?: unknown; headers?: Record<string, string> };
export type Handler = (req: SeenRequest) => Answer | Promise<Answer>;

export async function startApiServer(handler: Handler) {
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
    const text = Buffer.concat(chunks).toString('utf8');
    const seenReq: SeenRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    seen.push(seenReq);
    try {
      const a = await handler(seenReq);
      const status = a.status ?? 200;
      const payload = a.body === undefined || status === 304 ? '' : JSON.stringify(a.body);
      res.writeHead(status, { ...cors, ...(payload ? { 'content-type': 'application/json' } : {}), ...a.headers });
      res.end(payload);
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
