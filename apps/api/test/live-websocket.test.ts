/**
 * The live WebSocket channel (GET /api/v1/live, LIVE_WEBSOCKET_ENABLED) through a listening server, and the
 * client library (@app/live-client) against it: off by default; authentication by the first message;
 * pushes when a view changes; heartbeat; connection limit; and the client falling back to ETag polling when
 * the socket drops or the channel is turned off, still receiving updates, then switching back.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { waitFor } from '@app/devkit';
import { testConfig } from '@app/devkit/testing';
import { createLiveStatus, type LiveMode, type ServerMessage } from '@app/live-client';
import { createLogger } from '@app/logger';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../src/app.ts';
import { createDeps } from '../src/deps.ts';
import { TokenService } from '../src/lib/tokens.ts';
import { createImportRunService, createInvoiceService } from '../src/services.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { csv, uploadImport } from './import-helpers.ts';
import { issueAt, scopedUser, setupTwoSites, summary, type TwoSites } from './live-helpers.ts';

const roomy = { LOGIN_IP_MAX_PER_MINUTE: '1000', RATE_LIMIT_GENERAL_PER_MINUTE: '100000', RATE_LIMIT_POLL_PER_MINUTE: '100000' };
const on = { ...roomy, LIVE_WEBSOCKET_ENABLED: 'true', LIVE_CACHE_MS: '100', LIVE_HEARTBEAT_SECONDS: '1' };

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

type Client = {
  ws: WebSocket;
  messages: ServerMessage[];
  /** The first message from index `from` on that `pred` accepts. */
  next: <M extends ServerMessage>(pred: (m: ServerMessage) => m is M, what: string, from?: number) => Promise<M>;
  closed: Promise<{ code: number; reason: string }>;
  send: (m: object | string) => void;
};

/** A raw protocol client (`ws`); answers pings unless told not to. */
function client(port: number, opts: { answerPings?: boolean } = {}): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`);
  const messages: ServerMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as ServerMessage;
    messages.push(m);
    if (m.type === 'ping' && opts.answerPings !== false) ws.send(JSON.stringify({ type: 'pong' }));
  });
  const send = (m: object | string) => ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  const next: Client['next'] = (pred, what, from = 0) =>
    waitFor(what, () => messages.slice(from).find(pred), 10_000, 10) as never;
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, next, closed, send }));
    ws.once('error', reject);
  });
}

const isType =
  <T extends ServerMessage['type']>(type: T, topic?: string) =>
  (m: ServerMessage): m is Extract<ServerMessage, { type: T }> =>
    m.type === type && (topic === undefined || (m as { topic?: string }).topic === topic);

async function authed(port: number, token: string, opts: { answerPings?: boolean } = {}) {
  const c = await client(port, opts);
  c.send({ type: 'auth', token });
  await c.next(isType('ready'), 'ready');
  return c;
}

describe('the live channel is off by default', () => {
  let t: TestApp;
  let s: TwoSites;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp({ ...roomy, LIVE_CACHE_MS: '100' });
    s = await setupTwoSites(t);
    port = await listen(t.app);
  });
  afterAll(() => t?.close());

  it('GET /api/v1/live is 404 naming the setting, and a WebSocket upgrade is refused with it', async () => {
    const r = await t.call({ url: '/api/v1/live' });
    expect(r.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', details: { setting: 'LIVE_WEBSOCKET_ENABLED' } });
    await expect(client(port)).rejects.toThrow('Unexpected server response: 404');
  });

  it('the client library polls instead, with If-None-Match, and still receives every change', async () => {
    const updates: { issued: number; via: string }[] = [];
    const modes: LiveMode[] = [];
    const live = createLiveStatus<{ invoices: { issued: number } }>({
      baseUrl: `http://127.0.0.1:${port}`,
      token: () => s.admin,
      topic: 'dashboard',
      WebSocket,
      pollIntervalMs: 100,
      reconnectMinMs: 100,
      reconnectMaxMs: 200,
      onUpdate: (d, meta) => updates.push({ issued: d.invoices.issued, via: meta.via }),
      onModeChange: (m) => modes.push(m),
    });
    try {
      await waitFor('a first update', () => updates.length > 0);
      expect(updates[0]).toEqual({ issued: 0, via: 'poll' });
      await issueAt(t, s.admin, s.siteA);
      await waitFor('the issued invoice', () => updates.some((u) => u.issued === 1));
      // Still polling: the socket keeps being refused; each version was delivered once.
      expect(live.mode).toBe('polling');
      expect(modes).not.toContain('websocket');
      expect(updates).toEqual([
        { issued: 0, via: 'poll' },
        { issued: 1, via: 'poll' },
      ]);
    } finally {
      live.close();
    }
    expect(live.mode).toBe('stopped');
  });
});

describe('the live channel, enabled', () => {
  let t: TestApp;
  let s: TwoSites;
  let port: number;
  let managerB: string;
  beforeAll(async () => {
    t = await createTestApp({ ...on, LIVE_MAX_CONNECTIONS_PER_USER: '3' });
    s = await setupTwoSites(t);
    managerB = await scopedUser(t, s.admin, 'manager-b', { sites: [s.siteB] });
    port = await listen(t.app);
  });
  afterAll(() => t?.close());

  it('refuses a socket without a valid token: 4401 (or 4400 for a non-protocol first message)', async () => {
    // Right tenant and claims, signed with another key.
    const me = (await t.call({ url: '/api/v1/auth/me', token: s.admin })).json();
    const forger = new TokenService(randomBytes(32).toString('hex'), t.deps.tenant.id, 900);
    const forged = await client(port);
    forged.send({ type: 'auth', token: await forger.sign({ typ: 'user', sub: me.id, sid: randomUUID(), perms: [] }) });
    expect(await forged.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^TOKEN_INVALID/) });
    const garbage = await client(port);
    garbage.send({ type: 'auth', token: 'not-a-token' });
    expect((await garbage.closed).code).toBe(4401);

    const early = await client(port);
    early.send({ type: 'subscribe', topic: 'dashboard' });
    expect(await early.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED/) });

    const junk = await client(port);
    junk.send('hello');
    expect((await junk.closed).code).toBe(4400);

    const silent = await client(port);
    const t0 = Date.now();
    expect(await silent.closed).toMatchObject({ code: 4401, reason: expect.stringContaining('within 5 s') });
    expect(Date.now() - t0).toBeGreaterThan(4_000);
    // None of them got anything but the close.
    expect([...forged.messages, ...garbage.messages, ...early.messages, ...junk.messages, ...silent.messages]).toEqual([]);
    // A plain GET is told to upgrade.
    expect((await t.call({ url: '/api/v1/live' })).json()).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
  });

  it('a socket whose session is revoked (logout) is closed 4401 at the next heartbeat', async () => {
    const { accessToken } = await t.login();
    const c = await authed(port, accessToken);
    c.send({ type: 'subscribe', topic: 'dashboard' });
    await c.next(isType('update', 'dashboard'), 'the first update');
    const out = await t.call({ method: 'POST', url: '/api/v1/auth/logout', token: accessToken });
    expect(out.statusCode, out.body).toBe(200);
    expect(await c.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^TOKEN_INVALID/) });
  });

  it('a token that expires without a fresh auth closes the socket 4401; the client library re-authenticates in time', async () => {
    // The admin's own session, in tokens that live 3 s (signed as the API signs them).
    const claims = decodeJwt(s.admin) as { sub: string; sid: string; perms: string[] };
    const shortToken = () => t.deps.tokens.sign({ typ: 'user', sub: claims.sub, sid: claims.sid, perms: claims.perms }, 3);

    const raw = await authed(port, await shortToken());
    const ready = raw.messages.find(isType('ready'));
    expect(Date.parse(ready!.expiresAt) - Date.now()).toBeLessThanOrEqual(3_000);
    expect(await raw.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/expired/) });

    // A fresh auth on the open socket moves the deadline (here: to the admin's 15-minute token).
    const renewed = await authed(port, await shortToken());
    renewed.send({ type: 'auth', token: s.admin });
    await renewed.next(
      isType('ready'),
      'the second ready',
      renewed.messages.indexOf(renewed.messages.find(isType('ready'))!) + 1,
    );
    await new Promise((r) => setTimeout(r, 3_500));
    expect(renewed.ws.readyState).toBe(WebSocket.OPEN);
    renewed.ws.close();

    // The library asks its token function again before expiry (here: after half the 3 s) and stays on the socket.
    let asked = 0;
    const modes: LiveMode[] = [];
    const live = createLiveStatus({
      baseUrl: `http://127.0.0.1:${port}`,
      token: () => {
        asked++;
        return shortToken();
      },
      topic: 'dashboard',
      WebSocket,
      onUpdate: () => {},
      onModeChange: (m) => modes.push(m),
    });
    try {
      await waitFor('the socket', () => live.mode === 'websocket');
      await new Promise((r) => setTimeout(r, 4_000));
      expect(asked).toBeGreaterThanOrEqual(3);
      expect(modes).toEqual(['websocket']);
    } finally {
      live.close();
    }
  });

  it('pushes the dashboard at once and again when an invoice is issued, with the ETag the polling route answers', async () => {
    const c = await authed(port, s.admin);
    const b = await authed(port, managerB);
    try {
      const ready = c.messages.find(isType('ready'));
      expect(ready).toMatchObject({ heartbeatSeconds: 1, topics: ['dashboard', 'import:<id>'] });
      expect(Date.parse(ready!.expiresAt)).toBeGreaterThan(Date.now());

      c.send({ type: 'subscribe', topic: 'dashboard' });
      b.send({ type: 'subscribe', topic: 'dashboard' });
      const first = await c.next(isType('update', 'dashboard'), 'the first update');
      const firstB = await b.next(isType('update', 'dashboard'), "manager B's first update");
      const before = (first.data as { invoices: { issued: number } }).invoices.issued;
      const polled = await summary(t, s.admin);
      expect(polled.headers.etag).toBe(first.etag);

      const at = c.messages.length;
      const atB = b.messages.length;
      await issueAt(t, s.admin, s.siteA);
      const pushed = await c.next(isType('update', 'dashboard'), 'the pushed update', at);
      expect((pushed.data as { invoices: { issued: number } }).invoices.issued).toBe(before + 1);
      expect(pushed.etag).not.toBe(first.etag);
      expect((await summary(t, s.admin, first.etag)).headers.etag).toBe(pushed.etag);

      // Manager B (site S2) follows its own view: the issue at S1 changed nothing in it, so nothing was pushed.
      expect((firstB.data as { invoices: { issued: number } }).invoices.issued).toBe(0);
      await issueAt(t, s.admin, s.siteB);
      const pushedB = await b.next(isType('update', 'dashboard'), "manager B's update", atB);
      expect(pushedB.data).toMatchObject({ invoices: { issued: 1 }, turnkey: null, pipeline: { outbox: null } });
      expect(b.messages.slice(atB).filter(isType('update'))).toHaveLength(1);
    } finally {
      c.ws.close();
      b.ws.close();
    }
  });

  it('import:<id> pushes the import as it runs; topics are checked like their routes', async () => {
    const up = await uploadImport(t, s.admin, {
      content: csv(['ref', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'], [['W1', 'S1', 'Y', 'x', '1', '10']]),
    });
    expect(up.statusCode, up.body).toBe(202);
    const id: string = up.json().id;
    const c = await authed(port, s.admin);
    const b = await authed(port, managerB);
    try {
      c.send({ type: 'subscribe', topic: `import:${id}` });
      const queued = await c.next(isType('update', `import:${id}`), 'the import');
      expect(queued.data).toMatchObject({ id, status: 'queued' });
      const at = c.messages.length;
      await createImportRunService({ ...t.deps, invoices: createInvoiceService(t.deps) }).run(id);
      const done = await c.next(isType('update', `import:${id}`), 'the finished import', at);
      expect(done.data).toMatchObject({ id, status: 'done', counts: { total: 1, issued: 1 } });

      // Not B's import; no such topic; a bad argument.
      b.send({ type: 'subscribe', topic: `import:${id}` });
      expect(await b.next(isType('error', `import:${id}`), 'refusal')).toMatchObject({ code: 'NOT_FOUND' });
      b.send({ type: 'subscribe', topic: 'invoices' });
      expect(await b.next(isType('error', 'invoices'), 'unknown topic')).toMatchObject({ code: 'VALIDATION_ERROR' });
      b.send({ type: 'subscribe', topic: 'import:42' });
      expect(await b.next(isType('error', 'import:42'), 'bad id')).toMatchObject({ code: 'VALIDATION_ERROR' });
      b.send({ nonsense: true });
      expect(await b.next((m): m is ServerMessage => m.type === 'error' && !('topic' in m), 'protocol error')).toMatchObject({
        code: 'VALIDATION_ERROR',
      });
      expect(b.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      c.ws.close();
      b.ws.close();
    }
    // Without the permission: an auditor (invoice.read, no import.upload).
    const auditor = await scopedUser(t, s.admin, 'auditor-ws', 'all', ['auditor']);
    const a = await authed(port, auditor);
    try {
      a.send({ type: 'subscribe', topic: `import:${id}` });
      expect(await a.next(isType('error'), 'forbidden')).toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      a.ws.close();
    }
  });

  it('heartbeat: a socket that stops answering pings is dropped; one that answers stays', async () => {
    const alive = await authed(port, s.admin);
    const dead = await authed(port, s.admin, { answerPings: false });
    alive.send({ type: 'subscribe', topic: 'dashboard' });
    await alive.next(isType('update', 'dashboard'), 'the first update');
    try {
      const t0 = Date.now();
      const gone = await dead.closed;
      // Terminated, not closed: a dead peer would never complete a close handshake.
      expect(gone.code).toBe(1006);
      expect(Date.now() - t0).toBeLessThan(4_000);
      expect(dead.messages.filter(isType('ping')).length).toBeGreaterThanOrEqual(1);
      await waitFor('two more pings to the live socket', () => alive.messages.filter(isType('ping')).length >= 3);
      expect(alive.ws.readyState).toBe(WebSocket.OPEN);
      // Each heartbeat checked the session and the topic again; the view did not change, so nothing was pushed.
      expect(alive.messages.filter(isType('update'))).toHaveLength(1);
    } finally {
      alive.ws.close();
      dead.ws.close();
    }
  });

  it('at most LIVE_MAX_CONNECTIONS_PER_USER sockets per user: one more is closed 4429; a closed one frees its place', async () => {
    const three = await Promise.all([1, 2, 3].map(() => authed(port, managerB)));
    const fourth = await client(port);
    fourth.send({ type: 'auth', token: managerB });
    expect(await fourth.closed).toMatchObject({ code: 4429, reason: expect.stringMatching(/at most 3/) });
    // Another user is not affected.
    const other = await authed(port, s.admin);
    other.ws.close();
    three[0]!.ws.close();
    await three[0]!.closed;
    const again = await authed(port, managerB);
    for (const c of [...three, again]) c.ws.close();
  });
});

/** An HTTP and WebSocket proxy in front of the API that can drop its sockets and refuse upgrades. */
async function startProxy(target: () => number) {
  const sockets = new Set<net.Socket>();
  const state = { refuseUpgrades: false };
  const server = http.createServer((req, res) => {
    const up = http.request(
      { host: '127.0.0.1', port: target(), method: req.method, path: req.url, headers: req.headers, agent: false },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (state.refuseUpgrades) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect(target(), '127.0.0.1', () => {
      const headers: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const drop = () => {
      socket.destroy();
      upstream.destroy();
      sockets.delete(socket);
      sockets.delete(upstream);
    };
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('close', drop);
      s.on('error', drop);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    state,
    /** Cut every WebSocket connection (as a network or a load balancer would). */
    dropAll: () => {
      for (const s of [...sockets]) s.destroy();
    },
    close: async () => {
      for (const s of [...sockets]) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('the client library falls back to polling when the socket drops, and switches back', () => {
  let t: TestApp;
  let s: TwoSites;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp(on);
    s = await setupTwoSites(t);
    port = await listen(t.app);
  });
  afterAll(() => t?.close());

  type Seen = { issued: number; via: 'websocket' | 'poll' };
  function follow(baseUrl: string) {
    const updates: Seen[] = [];
    const modes: LiveMode[] = [];
    const live = createLiveStatus<{ invoices: { issued: number } }>({
      baseUrl,
      token: () => s.admin,
      topic: 'dashboard',
      WebSocket,
      pollIntervalMs: 100,
      reconnectMinMs: 100,
      reconnectMaxMs: 300,
      onUpdate: (d, meta) => updates.push({ issued: d.invoices.issued, via: meta.via }),
      onModeChange: (m) => modes.push(m),
    });
    const issued = async (n: number, via: Seen['via']) =>
      waitFor(`issued=${n} via ${via}`, () => updates.find((u) => u.issued === n && u.via === via));
    return { live, updates, modes, issued };
  }

  it('the connection is cut and the channel cannot be reached: it polls and still receives updates; then the socket is back', async () => {
    const proxy = await startProxy(() => port);
    const f = follow(`http://127.0.0.1:${proxy.port}`);
    try {
      await waitFor('the socket', () => f.live.mode === 'websocket');
      const base = (await waitFor('a first update', () => f.updates[0])).issued;
      expect(f.updates[0]!.via).toBe('websocket');

      proxy.state.refuseUpgrades = true;
      proxy.dropAll();
      await waitFor('polling', () => f.live.mode === 'polling');
      await issueAt(t, s.admin, s.siteA);
      await f.issued(base + 1, 'poll');
      // It keeps polling while every upgrade is refused.
      await new Promise((r) => setTimeout(r, 500));
      expect(f.live.mode).toBe('polling');

      proxy.state.refuseUpgrades = false;
      await waitFor('the socket again', () => f.live.mode === 'websocket');
      await issueAt(t, s.admin, s.siteA);
      await f.issued(base + 2, 'websocket');
      expect(f.modes).toEqual(['websocket', 'polling', 'websocket']);
      // Each version once, whichever way it came.
      expect(f.updates.map((u) => u.issued)).toEqual([base, base + 1, base + 2]);
    } finally {
      f.live.close();
      await proxy.close();
    }
  });

  it('the API restarts with the channel turned off (sockets closed 1001, upgrades 404): it polls; turned on again, back to the socket', async () => {
    // The API's port changes across restarts; the proxy in front keeps the address, as Nginx does.
    let apiPort = 0;
    const proxy = await startProxy(() => apiPort);
    const running = new Set<{ app: FastifyInstance; close: () => Promise<void> }>();
    /** An API process on the test's database, Redis and secrets. */
    const startApi = async (enabled: boolean) => {
      const config = testConfig(t.dbUrl, {
        ...on,
        LIVE_WEBSOCKET_ENABLED: String(enabled),
        JWT_SECRET: t.deps.config.JWT_SECRET,
        APP_ENCRYPTION_KEY: t.deps.config.APP_ENCRYPTION_KEY,
        REDIS_KEY_PREFIX: t.deps.config.REDIS_KEY_PREFIX,
        STORAGE_LOCAL_ROOT: t.deps.config.STORAGE_LOCAL_ROOT,
      });
      const deps = await createDeps(config, createLogger({ name: 'api-restarted', level: 'silent' }));
      const app = await buildApp(deps);
      apiPort = await listen(app);
      const h = {
        app,
        close: async () => {
          running.delete(h);
          await app.close();
          await deps.close();
        },
      };
      running.add(h);
      return h;
    };
    const issueOn = async (app: FastifyInstance) => {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/invoices',
        headers: { authorization: `Bearer ${s.admin}`, 'idempotency-key': randomUUID() },
        payload: { siteId: s.siteA, printMark: 'Y', items: [{ description: '洗車', quantity: '1', unitPrice: '150' }] },
      });
      expect(r.statusCode, r.body).toBe(201);
    };

    let api = await startApi(true);
    const f = follow(`http://127.0.0.1:${proxy.port}`);
    try {
      await waitFor('the socket', () => f.live.mode === 'websocket');
      const base = (await waitFor('a first update', () => f.updates[0])).issued;

      // The API is restarted with the channel off: its sockets are closed 1001 (going away) as it stops.
      const closes: number[] = [];
      const watcher = await authed(apiPort, s.admin);
      watcher.closed.then((c) => closes.push(c.code));
      await api.close();
      await waitFor('the going-away close', () => closes.length > 0);
      expect(closes).toEqual([1001]);
      api = await startApi(false);
      await waitFor('polling', () => f.live.mode === 'polling');
      await issueOn(api.app);
      await f.issued(base + 1, 'poll');
      await new Promise((r) => setTimeout(r, 500)); // several reconnects refused with 404 meanwhile
      expect(f.live.mode).toBe('polling');

      // Turned on again.
      await api.close();
      api = await startApi(true);
      await waitFor('the socket again', () => f.live.mode === 'websocket');
      await issueOn(api.app);
      await f.issued(base + 2, 'websocket');
      expect(f.modes).toEqual(['websocket', 'polling', 'websocket']);
      expect(f.updates.map((u) => u.issued)).toEqual([base, base + 1, base + 2]);
    } finally {
      f.live.close();
      await proxy.close();
      for (const h of [...running]) await h.close().catch(() => {});
    }
  });
});
