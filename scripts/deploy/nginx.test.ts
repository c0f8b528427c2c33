/**
 * The gateway's shipped configuration (deploy/nginx/) run by a real nginx: rendered with only addresses and
 * paths changed (nginx-render.ts), checked with `nginx -t`, then started on private ports in front of a small
 * Node server standing in for the API, and spoken to over HTTP and HTTPS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, isAlive, stopPid, waitFor } from '@app/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { checkNginxConfig, nginxArgs, nginxBin, nginxLogFile, renderNginxConfig } from './nginx-render.ts';

const HSTS = 'max-age=63072000';
const INDEX_HTML = '<!doctype html><title>einvoice</title><div id="root"></div>\n';
const ASSET_JS = 'console.log("asset");\n';

type Seen = { url: string; headers: IncomingMessage['headers']; connection: number };
type Reply = { status: number; headers: IncomingMessage['headers']; rawHeaders: string[]; body: string };
type Gateway = { conf: string; pid: number; http: number; https: number };

let root: string;
let api: Server;
let wss: WebSocketServer;
const seen: Seen[] = [];
let open: Gateway;
let denied: Gateway;

/** The API stand-in: answers like the real one would (helmet's headers included), numbering its connections. */
function startApi(): Promise<number> {
  const ids = new WeakMap<Socket, number>();
  let next = 0;
  const connectionOf = (s: Socket) => {
    if (!ids.has(s)) ids.set(s, ++next);
    return ids.get(s)!;
  };
  api = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers, connection: connectionOf(req.socket) });
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('strict-transport-security', 'max-age=15552000; includeSubDomains');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('x-request-id', String(req.headers['x-request-id'] ?? 'none'));
      res.end(JSON.stringify({ ok: true, url: req.url }));
    });
  });
  wss = new WebSocketServer({ noServer: true });
  api.on('upgrade', (req, socket, head) => {
    seen.push({ url: req.url ?? '', headers: req.headers, connection: connectionOf(socket as Socket) });
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
  });
  return new Promise((resolve) => api.listen(0, '127.0.0.1', () => resolve((api.address() as { port: number }).port)));
}

async function startGateway(name: string, upstream: number, allowlist?: string): Promise<Gateway> {
  const [http, https] = [await freePort(), await freePort()];
  const conf = renderNginxConfig({
    outDir: join(root, name),
    upstream: `127.0.0.1:${upstream}`,
    httpPort: http,
    httpsPort: https,
    certDir: join(root, 'certs'),
    webRoot: join(root, 'web'),
    acmeRoot: join(root, 'acme'),
    ...(allowlist === undefined ? {} : { allowlist }),
  });
  const fd = openSync(nginxLogFile(conf), 'w');
  const child = spawn(nginxBin(), nginxArgs(conf, ['-g', 'daemon off;']), { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid!;
  try {
    await waitFor(
      `nginx (${name}) answering on port ${http}`,
      async () => {
        if (!isAlive(pid) || child.exitCode !== null) {
          throw new Error(`nginx (${name}) exited: ${readFileSync(nginxLogFile(conf), 'utf8')}`);
        }
        return (await call('http', http, '/nginx-health').catch(() => null))?.status === 200;
      },
      10_000,
    );
  } catch (e) {
    await stopPid(pid);
    throw e;
  }
  return { conf, pid, http, https };
}

function call(
  scheme: 'http' | 'https',
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; agent?: HttpsAgent; sendBody?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = (scheme === 'https' ? httpsRequest : httpRequest)(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ...(scheme === 'https' ? { rejectUnauthorized: false, agent: opts.agent ?? false } : { agent: false }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body });
          // A request whose body nginx refused is still open on our side.
          if (opts.sendBody === false) req.destroy();
        });
      },
    );
    req.on('error', reject);
    if (opts.sendBody === false) req.flushHeaders();
    else req.end();
  });
}

/** Every value of one response header, as sent (Node joins repeated headers in `headers`). */
function headerValues(r: Reply, name: string): string[] {
  return r.rawHeaders.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name ? [r.rawHeaders[i + 1]!] : []));
}

function expectGatewayHeaders(r: Reply): void {
  expect(headerValues(r, 'strict-transport-security')).toEqual([HSTS]);
  expect(headerValues(r, 'x-content-type-options')).toEqual(['nosniff']);
}

function seenSince(mark: number, url: string): Seen[] {
  return seen.slice(mark).filter((s) => s.url === url);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'einv-nginx-'));
  // nginx, started as root, serves files as `nobody`: the folders must be readable by everyone.
  chmodSync(root, 0o755);
  for (const dir of ['certs', 'web/assets', 'acme/.well-known/acme-challenge']) mkdirSync(join(root, dir), { recursive: true });
  const certs = join(root, 'certs');
  execFileSync(
    'openssl',
    [
      ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost'.split(' '),
      ...['-keyout', join(certs, 'privkey.pem'), '-out', join(certs, 'fullchain.pem')],
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(join(root, 'web', 'index.html'), INDEX_HTML);
  writeFileSync(join(root, 'web', 'assets', 'index-3f2a1b.js'), ASSET_JS);
  writeFileSync(join(root, 'acme', '.well-known', 'acme-challenge', 'token-abc'), 'token-abc.key-auth');
  const upstream = await startApi();
  open = await startGateway('open', upstream);
  denied = await startGateway('denied', upstream, 'deny all;\n');
}, 30_000);

afterAll(async () => {
  await Promise.all([open, denied].filter(Boolean).map((g) => stopPid(g.pid)));
  for (const client of wss?.clients ?? []) client.terminate();
  await new Promise((resolve) => (api ? api.close(resolve) : resolve(null)));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('deploy/nginx (rendered, run by a real nginx)', () => {
  it('passes nginx -t, as shipped and with an allowlist that denies everyone', () => {
    for (const g of [open, denied]) {
      const r = checkNginxConfig(g.conf);
      expect(r.output).toContain('test is successful');
      // No complaint about the config; the machine's open-file limit is not the config's business.
      const complaints = r.output
        .split('\n')
        .filter((l) => /\[(warn|emerg|alert)\]/.test(l) && !/open file resource limit/.test(l));
      expect(complaints).toEqual([]);
      expect(r.status).toBe(0);
    }
  });

  it('plain HTTP: redirects to HTTPS, except the healthcheck and the ACME challenge', async () => {
    const mark = seen.length;
    const redirect = await call('http', open.http, '/invoices?page=2', { headers: { host: 'tenant.example.com' } });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://tenant.example.com/invoices?page=2');
    const apiCall = await call('http', open.http, '/api/v1/invoices', { headers: { host: 'tenant.example.com' } });
    expect(apiCall.status).toBe(301);
    expect(apiCall.headers.location).toBe('https://tenant.example.com/api/v1/invoices');
    expect(seen.length).toBe(mark);

    const health = await call('http', open.http, '/nginx-health');
    expect([health.status, health.body]).toEqual([200, 'ok\n']);
    const acme = await call('http', open.http, '/.well-known/acme-challenge/token-abc');
    expect([acme.status, acme.body]).toEqual([200, 'token-abc.key-auth']);
    expect((await call('http', open.http, '/.well-known/acme-challenge/missing')).status).toBe(404);
  });

  it('HTTPS: proxies /api/ with the client address and request id, and sends its own HSTS once', async () => {
    const mark = seen.length;
    const r = await call('https', open.https, '/api/v1/ping?x=1', { headers: { 'x-request-id': 'req-gw-1' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, url: '/api/v1/ping?x=1' });
    expectGatewayHeaders(r);
    expect(r.headers['x-request-id']).toBe('req-gw-1');
    const [hit] = seenSince(mark, '/api/v1/ping?x=1');
    expect(hit?.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-request-id': 'req-gw-1',
    });

    // Without a client id, nginx makes one and the API gets it.
    const own = await call('https', open.https, '/api/v1/ping?x=2');
    const ownId = seenSince(mark, '/api/v1/ping?x=2')[0]?.headers['x-request-id'];
    expect(ownId).toMatch(/^[0-9a-f]{32}$/);
    expect(own.headers['x-request-id']).toBe(ownId);
  });

  it('keeps upstream connections alive: two requests reuse one connection to the API', async () => {
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    try {
      const mark = seen.length;
      expect((await call('https', open.https, '/api/v1/keepalive-1', { agent })).status).toBe(200);
      expect((await call('https', open.https, '/api/v1/keepalive-2', { agent })).status).toBe(200);
      const [a] = seenSince(mark, '/api/v1/keepalive-1');
      const [b] = seenSince(mark, '/api/v1/keepalive-2');
      expect(a?.headers.connection ?? '').not.toMatch(/close/i);
      expect(b?.connection).toBe(a?.connection);
    } finally {
      agent.destroy();
    }
  });

  it('refuses a body over 20 MB with 413 in the API error shape, without troubling the API', async () => {
    const mark = seen.length;
    const r = await call('https', open.https, '/api/v1/imports', {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'content-length': String(21 * 1024 * 1024), 'x-request-id': 'req-big' },
      sendBody: false,
    });
    expect(r.status).toBe(413);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toMatchObject({ requestId: 'req-big', statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expectGatewayHeaders(r);
    expect(seenSince(mark, '/api/v1/imports')).toEqual([]);
  });

  it('serves the web app: hashed assets cached a year, every other path is index.html, never cached', async () => {
    const asset = await call('https', open.https, '/assets/index-3f2a1b.js');
    expect([asset.status, asset.body]).toEqual([200, ASSET_JS]);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectGatewayHeaders(asset);
    expect((await call('https', open.https, '/assets/missing.js')).status).toBe(404);

    const screen = await call('https', open.https, '/invoices/AB12345678');
    expect([screen.status, screen.body]).toEqual([200, INDEX_HTML]);
    expect(screen.headers['content-type']).toMatch(/^text\/html/);
    expect(screen.headers['cache-control']).toBe('no-cache');
    expectGatewayHeaders(screen);
  });

  it('passes the WebSocket upgrade of /api/v1/live through to the API', async () => {
    const mark = seen.length;
    const ws = new WebSocket(`wss://127.0.0.1:${open.https}/api/v1/live`, {
      rejectUnauthorized: false,
      headers: { 'x-request-id': 'req-live' },
    });
    try {
      const upgradeStatus = new Promise<number>((resolve) => ws.once('upgrade', (res) => resolve(res.statusCode ?? 0)));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      expect(await upgradeStatus).toBe(101);
      const echoed = new Promise<string>((resolve) => ws.once('message', (m) => resolve(m.toString())));
      ws.send('hello');
      expect(await echoed).toBe('echo:hello');
    } finally {
      ws.terminate();
    }
    const [hit] = seenSince(mark, '/api/v1/live');
    expect(hit?.headers.upgrade).toBe('websocket');
    expect(hit?.headers.connection).toMatch(/upgrade/i);
    expect(hit?.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-request-id': 'req-live' });
  });

  it('with `deny all;` in allowlist.conf, refuses the API and the app with 403, but not the healthcheck', async () => {
    const mark = seen.length;
    for (const path of ['/api/v1/ping', '/', '/assets/index-3f2a1b.js']) {
      const r = await call('https', denied.https, path, { headers: { 'x-request-id': 'req-denied' } });
      expect(r.status, path).toBe(403);
      expect(JSON.parse(r.body), path).toMatchObject({ requestId: 'req-denied', statusCode: 403, code: 'FORBIDDEN' });
      expectGatewayHeaders(r);
    }
    expect(seen.length).toBe(mark);
    expect((await call('http', denied.http, '/nginx-health')).status).toBe(200);
    // The shipped allowlist lets everyone in (the other tests went through it).
    expect((await call('https', open.https, '/')).status).toBe(200);
  });

  // Last: it uses up this address's burst.
  it('limits each address to 50 requests/s with bursts of 20: the excess gets 429 RATE_LIMITED', async () => {
    await sleep(500); // let the earlier tests' requests drain from the bucket
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 80 }, () => call('https', open.https, '/api/v1/burst')));
    const elapsedS = (Date.now() - started) / 1000;
    const ok = replies.filter((r) => r.status === 200).length;
    const limited = replies.filter((r) => r.status === 429);
    expect(ok + limited.length).toBe(80);
    // One request plus the burst of 20 pass at once; 50/s more come free while the burst lasts.
    expect(ok).toBeGreaterThanOrEqual(21);
    expect(ok).toBeLessThanOrEqual(21 + Math.ceil(50 * elapsedS) + 1);
    expect(limited.length).toBeGreaterThan(0);
    const sample = limited[0]!;
    expect(JSON.parse(sample.body)).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(sample.headers['retry-after']).toBe('1');
    expectGatewayHeaders(sample);
  });
});
