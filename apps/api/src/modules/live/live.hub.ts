/**
 * The WebSocket channel's connections (GET /api/v1/live, an enterprise option: LIVE_WEBSOCKET_ENABLED).
 * Protocol and close codes: packages/live-client/src/protocol.ts; docs/integration-guide.md §9.
 *
 * - Authentication: the first message carries the access token (`{type:'auth', token}`) — browsers cannot
 *   set headers on a WebSocket, and a token in the URL would land in access logs and browser history. A
 *   socket that has not authenticated within 5 s is closed (4401); one whose token expires without a fresh
 *   `auth` is closed (4401); every heartbeat checks again that the session or client is still valid.
 * - Topics are the views of LiveTopics (`dashboard`, `import:<id>`), each checked against the caller's
 *   permission and scope as the polling route checks it. Subscribers with the same view (same topic key:
 *   e.g. the same data scope) share one group with one check loop every LIVE_CACHE_MS that reads the view
 *   through the same cache as the polling routes and pushes it when its ETag changes.
 * - Heartbeat: every LIVE_HEARTBEAT_SECONDS a `{type:'ping'}`; a socket that sent nothing since the previous
 *   ping is terminated (a dead peer never completes a close handshake).
 * - At most LIVE_MAX_CONNECTIONS_PER_USER sockets per user or client in this process (4429 for one more).
 */
import { DomainError } from '@app/domain';
import { LIVE_AUTH_TIMEOUT_MS, LIVE_CLOSE, LIVE_MAX_TOPICS, type ServerMessage } from '@app/live-client/protocol';
import { clientMessage } from '@app/schemas/live';
import type { WebSocket } from 'ws';
import type { ModuleDeps } from '../../app.ts';
import type { Principal, RequestContext } from '../../context.ts';
import { type LiveTopic, snapshotOf } from '../../lib/live-status.ts';
import { assertAccess } from '../../plugins/scope-injector.ts';

type Deps = Pick<ModuleDeps, 'live' | 'config' | 'log' | 'authenticateToken'>;

type Conn = {
  ws: WebSocket;
  requestId: string;
  ip: string;
  userAgent: string | null;
  principal: Principal | null;
  token: string | null;
  /** Sent something since the last ping. */
  alive: boolean;
  /** Topic as the client named it → its group. */
  subs: Map<string, Group>;
  timers: { auth?: NodeJS.Timeout; expiry?: NodeJS.Timeout };
  /** Messages are handled one after the other. */
  queue: Promise<void>;
  closed: boolean;
};

type Group = {
  id: string;
  topic: LiveTopic;
  arg: string;
  /** The context the view is read with: any member's (they all see the same view, by the key). */
  ctx: RequestContext;
  /** Member → the topic as that member named it. */
  members: Map<Conn, string>;
  lastEtag: string | null;
  timer: NodeJS.Timeout;
  busy: boolean;
};

const userKey = (p: Principal) => `${p.kind}:${p.id}`;
/** A close reason may hold at most 123 bytes. */
const reasonOf = (s: string) =>
  Buffer.from(s)
    .subarray(0, 123)
    .toString()
    .replace(/\uFFFD+$/, '');

export function createLiveHub(deps: Deps) {
  const { config, log } = deps;
  const conns = new Set<Conn>();
  const perUser = new Map<string, number>();
  const groups = new Map<string, Group>();
  const heartbeatMs = config.LIVE_HEARTBEAT_SECONDS * 1000;
  const checkEveryMs = Math.max(250, config.LIVE_CACHE_MS);

  const ctxOf = (c: Conn): RequestContext => ({
    requestId: c.requestId,
    ip: c.ip,
    userAgent: c.userAgent,
    principal: c.principal,
    audit: {},
  });

  function send(c: Conn, m: ServerMessage | string) {
    if (c.closed || c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }
  const updateFrame = (topic: string, etag: string, json: string) =>
    `{"type":"update","topic":${JSON.stringify(topic)},"etag":${JSON.stringify(etag)},"data":${json}}`;

  function closeConn(c: Conn, code: number, reason: string) {
    if (c.closed) return;
    c.ws.close(code, reasonOf(reason));
    cleanup(c);
  }

  function cleanup(c: Conn) {
    if (c.closed) return;
    c.closed = true;
    clearTimeout(c.timers.auth);
    clearTimeout(c.timers.expiry);
    for (const topic of [...c.subs.keys()]) leave(c, topic);
    if (c.principal) {
      const k = userKey(c.principal);
      const n = (perUser.get(k) ?? 1) - 1;
      if (n > 0) perUser.set(k, n);
      else perUser.delete(k);
    }
    conns.delete(c);
  }

  // ----- groups

  function leave(c: Conn, topic: string) {
    const g = c.subs.get(topic);
    if (!g) return;
    c.subs.delete(topic);
    g.members.delete(c);
    if (g.members.size === 0) {
      clearInterval(g.timer);
      groups.delete(g.id);
    }
  }

  async function tick(g: Group) {
    if (g.busy || g.members.size === 0) return;
    g.busy = true;
    try {
      const snap = snapshotOf(await g.topic.read(g.ctx, g.arg));
      if (snap.etag === g.lastEtag) return;
      g.lastEtag = snap.etag;
      for (const [c, topic] of g.members) send(c, updateFrame(topic, snap.etag, snap.json));
    } catch (err) {
      if (err instanceof DomainError) {
        // The view is gone for this group (it cannot become visible to some members and not others).
        for (const [c, topic] of [...g.members]) {
          send(c, { type: 'error', topic, code: err.code, message: err.message });
          leave(c, topic);
        }
      } else {
        log.warn({ err, group: g.id }, 'live: reading a view failed; trying again at the next check');
      }
    } finally {
      g.busy = false;
    }
  }

  /**
   * Check and join one topic for `c`, answering its current view. `recheck`: the caller's principal was
   * loaded again (fresh token, heartbeat) — check the topic again, move it to another group if its key
   * changed (e.g. the data scope did), and answer only then.
   */
  async function subscribe(c: Conn, topicName: string, recheck = false) {
    const p = c.principal;
    if (!p || (recheck && !c.subs.has(topicName))) return;
    const resolved = deps.live.resolve(topicName);
    if (!resolved) {
      send(c, {
        type: 'error',
        topic: topicName,
        code: 'VALIDATION_ERROR',
        message: `No topic '${topicName}'; topics: ${deps.live.names().join(', ')}.`,
      });
      return;
    }
    if (!c.subs.has(topicName) && c.subs.size >= LIVE_MAX_TOPICS) {
      send(c, { type: 'error', topic: topicName, code: 'VALIDATION_ERROR', message: `At most ${LIVE_MAX_TOPICS} topics.` });
      return;
    }
    const { topic, arg } = resolved;
    const ctx = ctxOf(c);
    let json: string;
    let etag: string;
    try {
      assertAccess(p, topic.access);
      ({ json, etag } = snapshotOf(await topic.read(ctx, arg)));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      leave(c, topicName);
      send(c, { type: 'error', topic: topicName, code: err.code, message: err.message });
      return;
    }
    if (c.closed) return;
    const id = `${resolved.name}|${topic.key(ctx, arg)}`;
    const moved = c.subs.get(topicName)?.id !== id;
    if (moved) {
      leave(c, topicName);
      let g = groups.get(id);
      if (!g) {
        const created: Group = {
          id,
          topic,
          arg,
          ctx,
          members: new Map(),
          lastEtag: etag,
          busy: false,
          timer: setInterval(() => void tick(created), checkEveryMs),
        };
        g = created;
        groups.set(id, g);
      }
      g.members.set(c, topicName);
      c.subs.set(topicName, g);
    }
    if (moved || !recheck) send(c, updateFrame(topicName, etag, json));
  }

  // ----- authentication

  /** Take a verified principal for the connection: the first time, or a fresh token, or a heartbeat's check. */
  async function authenticate(c: Conn, token: string, announce: boolean) {
    if (c.closed) return;
    let r: Awaited<ReturnType<Deps['authenticateToken']>>;
    try {
      r = await deps.authenticateToken(token);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      closeConn(c, LIVE_CLOSE.unauthenticated, `${err.code}: ${err.message}`);
      return;
    }
    if (c.closed) return;
    const before = c.principal;
    if (before && userKey(before) !== userKey(r.principal)) {
      closeConn(c, LIVE_CLOSE.unauthenticated, 'TOKEN_INVALID: the token is for another caller than this socket');
      return;
    }
    if (!before) {
      const k = userKey(r.principal);
      const n = perUser.get(k) ?? 0;
      if (n >= config.LIVE_MAX_CONNECTIONS_PER_USER) {
        closeConn(
          c,
          LIVE_CLOSE.tooManyConnections,
          `RATE_LIMITED: at most ${config.LIVE_MAX_CONNECTIONS_PER_USER} live sockets per user; close one or poll`,
        );
        return;
      }
      perUser.set(k, n + 1);
      clearTimeout(c.timers.auth);
    }
    c.principal = r.principal;
    c.token = token;
    clearTimeout(c.timers.expiry);
    c.timers.expiry = setTimeout(
      () => closeConn(c, LIVE_CLOSE.unauthenticated, 'TOKEN_INVALID: the token expired; send a fresh auth before expiresAt'),
      // setTimeout holds at most 2^31-1 ms; a token never lives that long here (ACCESS_TOKEN_TTL_SECONDS ≤ 1 day).
      Math.min(Math.max(0, r.expiresAt - Date.now()), 2_147_483_647),
    );
    if (announce) {
      send(c, {
        type: 'ready',
        heartbeatSeconds: config.LIVE_HEARTBEAT_SECONDS,
        expiresAt: new Date(r.expiresAt).toISOString(),
        topics: deps.live.names(),
      });
    }
    // Permissions or scope may have changed: every topic is checked again (and regrouped by its new key).
    if (before) for (const topic of [...c.subs.keys()]) await subscribe(c, topic, true);
  }

  async function handle(c: Conn, raw: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const m = clientMessage.safeParse(parsed);
    if (!m.success) {
      if (!c.principal) closeConn(c, LIVE_CLOSE.badMessage, 'BAD_REQUEST: the first message must be {"type":"auth","token":…}');
      else send(c, { type: 'error', code: 'VALIDATION_ERROR', message: 'Not a message of the live protocol.' });
      return;
    }
    const msg = m.data;
    if (msg.type === 'auth') return authenticate(c, msg.token, true);
    if (!c.principal) {
      closeConn(c, LIVE_CLOSE.unauthenticated, 'UNAUTHENTICATED: send {"type":"auth","token":…} first');
      return;
    }
    if (msg.type === 'subscribe') return subscribe(c, msg.topic);
    if (msg.type === 'unsubscribe') leave(c, msg.topic);
    // pong: being alive is all it says.
  }

  // ----- heartbeat

  const heartbeat = setInterval(() => {
    for (const c of conns) {
      // Not yet authenticated: the 5 s auth deadline deals with it.
      if (!c.principal) continue;
      if (!c.alive) {
        log.debug({ requestId: c.requestId }, 'live: socket missed its heartbeat; dropped');
        c.ws.terminate();
        cleanup(c);
        continue;
      }
      c.alive = false;
      send(c, { type: 'ping' });
      // The session or client may have been revoked, its permissions or scope changed: check again, with the
      // token current when the check runs (a fresh `auth` may come first).
      c.queue = c.queue
        .then(() => (c.token && !c.closed ? authenticate(c, c.token, false) : undefined))
        .catch((err) => log.error({ err, requestId: c.requestId }, 'live: re-check failed'));
    }
  }, heartbeatMs);

  return {
    /** Take an upgraded socket. */
    accept(ws: WebSocket, req: { id: string; ip: string; userAgent: string | null }) {
      const c: Conn = {
        ws,
        requestId: req.id,
        ip: req.ip,
        userAgent: req.userAgent,
        principal: null,
        token: null,
        alive: true,
        subs: new Map(),
        timers: {},
        queue: Promise.resolve(),
        closed: false,
      };
      conns.add(c);
      c.timers.auth = setTimeout(
        () => closeConn(c, LIVE_CLOSE.unauthenticated, 'UNAUTHENTICATED: no auth message within 5 s'),
        LIVE_AUTH_TIMEOUT_MS,
      );
      ws.on('message', (data, isBinary) => {
        c.alive = true;
        if (isBinary) {
          closeConn(c, LIVE_CLOSE.badMessage, 'BAD_REQUEST: text frames only');
          return;
        }
        const text = Array.isArray(data)
          ? Buffer.concat(data).toString()
          : Buffer.isBuffer(data)
            ? data.toString()
            : Buffer.from(new Uint8Array(data)).toString();
        c.queue = c.queue
          .then(() => handle(c, text))
          .catch((err) => {
            log.error({ err, requestId: c.requestId }, 'live: message handling failed');
            closeConn(c, LIVE_CLOSE.internalError, 'internal error');
          });
      });
      ws.on('pong', () => {
        c.alive = true;
      });
      ws.on('close', () => cleanup(c));
      ws.on('error', (err) => log.debug({ err, requestId: c.requestId }, 'live: socket error'));
    },

    /** Close every socket as the process stops (1001: clients reconnect elsewhere or later). */
    async close(): Promise<void> {
      clearInterval(heartbeat);
      const open = [...conns];
      for (const c of open) closeConn(c, LIVE_CLOSE.goingAway, 'server shutting down');
      for (const g of groups.values()) clearInterval(g.timer);
      groups.clear();
      // A peer that does not answer the close handshake is cut off after a second.
      const closed = open.map((c) => (c.ws.readyState === c.ws.CLOSED ? null : new Promise((r) => c.ws.once('close', r))));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closed), new Promise((r) => (timer = setTimeout(r, 1_000)))]);
      clearTimeout(timer);
      for (const c of open) if (c.ws.readyState !== c.ws.CLOSED) c.ws.terminate();
    },
  };
}

export type LiveHub = ReturnType<typeof createLiveHub>;
