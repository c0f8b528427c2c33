/**
 * Follow one live view of the API — the dashboard summary or an import's status — from a browser or Node.
 *
 *   const live = createLiveStatus({ baseUrl: 'https://einvoice.example.com', token: () => auth.accessToken(),
 *                                   topic: 'dashboard', onUpdate: (summary) => render(summary) });
 *   …
 *   live.close();
 *
 * It uses the WebSocket channel (GET /api/v1/live) when it can: a `WebSocket` class is available (the
 * browser's, or `ws` in Node — pass it as `WebSocket`) and the API has the channel on. Whenever the socket
 * cannot connect, drops, or goes quiet (no answer within 5 s of opening, then nothing for 2.5 heartbeats), it
 * polls the view's route with If-None-Match every `pollIntervalMs` (5 s), and keeps trying the socket again
 * with exponential backoff (1 s … 30 s, jittered); once a socket is back and has delivered the view, polling
 * stops. `onUpdate` is called once per distinct version of the view (its ETag), whichever way it came.
 *
 * Pass `token` as a function when the access token is refreshed: it is asked again for every connection
 * and poll, and for a fresh `auth` on an open socket a minute before the previous token expires.
 */
import { type ClientMessage, LIVE_PATH, type LiveTopicName, pollPathOf, type ServerMessage } from './protocol.ts';

export * from './protocol.ts';

/** How the view currently arrives. */
export type LiveMode = 'connecting' | 'websocket' | 'polling' | 'stopped';

/** A problem worth showing or logging; the client keeps going (polling, reconnecting) regardless. */
export class LiveError extends Error {
  override readonly name = 'LiveError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The browser's WebSocket or `ws`'s: anything constructed with a URL that has the browser's API. */
export type WebSocketClass = new (url: string) => object;

export type LiveStatusOptions<T> = {
  /** The API's origin, e.g. `https://einvoice.example.com` (no trailing path). */
  baseUrl: string;
  /** The access token, or a function returning the current one. */
  token: string | (() => string | Promise<string>);
  topic: LiveTopicName;
  onUpdate: (data: T, meta: { etag: string; via: 'websocket' | 'poll' }) => void;
  onError?: (error: LiveError) => void;
  onModeChange?: (mode: LiveMode) => void;
  /** Default: `globalThis.WebSocket`; `null`: always poll. */
  WebSocket?: WebSocketClass | null;
  /** Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Between polls; 5,000 ms (the platform plan's 5 s). */
  pollIntervalMs?: number;
  /** Socket reconnect backoff: first delay and cap; 1,000 and 30,000 ms. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How long a socket may take to deliver the view before the client polls meanwhile; 5,000 ms. */
  connectTimeoutMs?: number;
};

export type LiveStatus = {
  readonly mode: LiveMode;
  /** Stop everything: the socket is closed (1000), polling ends, no more callbacks. */
  close(): void;
};

type Socket = {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
};

const OPEN = 1;

export function createLiveStatus<T = unknown>(opts: LiveStatusOptions<T>): LiveStatus {
  const WS = opts.WebSocket === undefined ? (globalThis as { WebSocket?: WebSocketClass }).WebSocket : opts.WebSocket;
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const pollEvery = opts.pollIntervalMs ?? 5_000;
  const minDelay = opts.reconnectMinMs ?? 1_000;
  const maxDelay = opts.reconnectMaxMs ?? 30_000;
  const connectTimeout = opts.connectTimeoutMs ?? 5_000;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const pollUrl = base + pollPathOf(opts.topic);
  const socketUrl = base.replace(/^http(s?):/i, 'ws$1:') + LIVE_PATH;

  let mode: LiveMode = 'connecting';
  let lastEtag: string | null = null;
  let socket: Socket | null = null;
  let attempts = 0;
  /** Bumped whenever polling stops, so a poll in flight does not schedule the next. */
  let pollRun = 0;
  const timers = { poll: undefined, reconnect: undefined, watchdog: undefined, reauth: undefined } as Record<
    'poll' | 'reconnect' | 'watchdog' | 'reauth',
    ReturnType<typeof setTimeout> | undefined
  >;

  const clear = (k: keyof typeof timers) => {
    clearTimeout(timers[k]);
    timers[k] = undefined;
  };
  const report = (e: LiveError) => opts.onError?.(e);
  const token = async () => (typeof opts.token === 'function' ? await opts.token() : opts.token);
  const setMode = (m: LiveMode) => {
    if (mode === m) return;
    mode = m;
    opts.onModeChange?.(m);
  };
  const deliver = (data: unknown, etag: string, via: 'websocket' | 'poll') => {
    if (mode === 'stopped' || etag === lastEtag) return;
    lastEtag = etag;
    opts.onUpdate(data as T, { etag, via });
  };

  // ----- polling

  function startPolling() {
    if (mode === 'stopped' || mode === 'polling') return;
    setMode('polling');
    const run = ++pollRun;
    void poll(run);
  }

  function stopPolling() {
    pollRun++;
    clear('poll');
  }

  async function poll(run: number) {
    let wait = pollEvery;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${await token()}`, accept: 'application/json' };
      if (lastEtag) headers['if-none-match'] = lastEtag;
      const r = await doFetch(pollUrl, { headers });
      if (run !== pollRun) return;
      if (r.status === 200) {
        const etag = r.headers.get('etag');
        const data = await r.json();
        if (etag) deliver(data, etag, 'poll');
      } else if (r.status !== 304) {
        const body = (await r.json().catch(() => ({}))) as { code?: string; message?: string };
        report(new LiveError(body.code ?? 'HTTP_ERROR', body.message ?? `GET ${pollUrl} answered ${r.status}`, r.status));
        const retry = Number(r.headers.get('retry-after'));
        if (r.status === 429 && retry > 0) wait = Math.max(wait, retry * 1000);
      }
    } catch (e) {
      if (run === pollRun) report(new LiveError('NETWORK_ERROR', (e as Error).message));
    }
    if (run !== pollRun || mode !== 'polling') return;
    timers.poll = setTimeout(() => void poll(run), wait);
  }

  // ----- the socket

  function scheduleReconnect() {
    if (mode === 'stopped' || !WS || timers.reconnect) return;
    const cap = Math.min(maxDelay, minDelay * 2 ** attempts);
    attempts++;
    timers.reconnect = setTimeout(
      () => {
        timers.reconnect = undefined;
        openSocket();
      },
      Math.round(cap * (0.5 + Math.random() / 2)),
    );
  }

  /** Stop listening to a socket (an error it still emits goes nowhere: `ws` throws errors nobody listens to). */
  function detach(s: Socket) {
    s.onopen = s.onmessage = s.onclose = null;
    s.onerror = () => {};
  }

  /** The socket is gone (closed, failed, or given up on): poll meanwhile and try again later. */
  function dropped(s: Socket) {
    if (socket !== s) return;
    socket = null;
    detach(s);
    clear('watchdog');
    clear('reauth');
    if (mode === 'stopped') return;
    startPolling();
    scheduleReconnect();
  }

  /** Give up on a socket that went quiet: do not wait for a close handshake a dead peer never answers. */
  function abandon(s: Socket, reason: string) {
    try {
      s.close(4000, reason);
    } catch {
      // already closing
    }
    dropped(s);
  }

  function watch(s: Socket, ms: number, reason: string) {
    clear('watchdog');
    timers.watchdog = setTimeout(() => abandon(s, reason), ms);
  }

  const send = (s: Socket, m: ClientMessage) => {
    if (s.readyState === OPEN) s.send(JSON.stringify(m));
  };

  function openSocket() {
    if (mode === 'stopped' || !WS || socket) return;
    let s: Socket;
    try {
      s = new WS(socketUrl) as Socket;
    } catch (e) {
      report(new LiveError('WEBSOCKET_UNAVAILABLE', (e as Error).message));
      startPolling();
      scheduleReconnect();
      return;
    }
    socket = s;
    let heartbeatMs = 0;
    let subscribed = false;
    watch(s, connectTimeout, 'no answer');
    s.onopen = async () => {
      try {
        send(s, { type: 'auth', token: await token() });
      } catch (e) {
        report(new LiveError('TOKEN_UNAVAILABLE', (e as Error).message));
        abandon(s, 'no token');
      }
    };
    s.onmessage = (ev) => {
      let m: ServerMessage;
      try {
        m = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (heartbeatMs) watch(s, heartbeatMs * 2.5, 'no heartbeat');
      if (m.type === 'ping') {
        send(s, { type: 'pong' });
      } else if (m.type === 'ready') {
        heartbeatMs = m.heartbeatSeconds * 1000;
        watch(s, Math.max(connectTimeout, heartbeatMs * 2.5), 'no heartbeat');
        // Again after each re-auth: the subscription stands (the server checks it again itself).
        if (!subscribed) send(s, { type: 'subscribe', topic: opts.topic });
        subscribed = true;
        scheduleReauth(s, Date.parse(m.expiresAt));
      } else if (m.type === 'update' && m.topic === opts.topic) {
        if (mode !== 'websocket') {
          stopPolling();
          attempts = 0;
          setMode('websocket');
        }
        deliver(m.data, m.etag, 'websocket');
      } else if (m.type === 'error') {
        report(new LiveError(m.code, m.message));
        // Refused for our topic (no permission, no such import): polling reports the same, at its pace.
        if (m.topic === opts.topic) abandon(s, 'topic refused');
      }
    };
    s.onerror = () => {};
    s.onclose = (ev) => {
      if (ev.code === 4401) report(new LiveError('UNAUTHENTICATED', ev.reason || 'the live channel refused the token'));
      dropped(s);
    };
  }

  function scheduleReauth(s: Socket, expiresAt: number) {
    clear('reauth');
    if (typeof opts.token !== 'function' || !Number.isFinite(expiresAt)) return;
    const left = expiresAt - Date.now();
    timers.reauth = setTimeout(
      async () => {
        try {
          send(s, { type: 'auth', token: await token() });
        } catch (e) {
          report(new LiveError('TOKEN_UNAVAILABLE', (e as Error).message));
        }
      },
      Math.max(1_000, Math.min(left - 60_000, left / 2)),
    );
  }

  if (WS) openSocket();
  else startPolling();

  return {
    get mode() {
      return mode;
    },
    close() {
      if (mode === 'stopped') return;
      setMode('stopped');
      stopPolling();
      for (const k of Object.keys(timers) as (keyof typeof timers)[]) clear(k);
      const s = socket;
      socket = null;
      if (s) {
        detach(s);
        try {
          s.close(1000, 'closed by the client');
        } catch {
          // not open yet
        }
      }
    },
  };
}
