/**
 * For the tracks and imports component tests: a real HTTP server on 127.0.0.1 like test/http-server.ts, but
 * one that also takes file uploads (that one parses every body as JSON, which a multipart body is not) and
 * signs the user in with the permissions a test names. Requests other than sign-in are recorded with the
 * body as JSON when it is JSON, else as the raw text.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Answer, sessionTokens } from '../../test/http-server.ts';

export type AreaRequest = { method: string; url: string; headers: IncomingHttpHeaders; body: unknown; raw: string };
export type AreaHandler = (req: AreaRequest) => Answer | Promise<Answer>;

export async function startAreaServer(permissions: string[], handler: AreaHandler) {
  const seen: AreaRequest[] = [];
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
    let body: unknown = raw || undefined;
    if (raw && String(req.headers['content-type'] ?? '').startsWith('application/json')) body = JSON.parse(raw);
    const r: AreaRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, raw };
    try {
      let a: Answer;
      if (r.url === '/api/v1/auth/refresh') a = { body: sessionTokens(2) };
      else if (r.url === '/api/v1/auth/me') a = { body: { kind: 'user', id: 'u1', name: 'alice', permissions } };
      else {
        seen.push(r);
        a = await handler(r);
      }
      const status = a.status ?? 200;
      const payload = a.body === undefined ? '' : JSON.stringify(a.body);
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
    /** The requests besides sign-in, in order. */
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const notFound = (url: string): Answer => ({
  status: 404,
  body: { requestId: 'req-404', statusCode: 404, code: 'NOT_FOUND', message: `Nothing at ${url} in this test.` },
});
