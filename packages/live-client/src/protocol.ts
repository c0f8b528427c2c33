/**
 * The live channel's protocol (GET /api/v1/live; docs/integration-guide.md §9), shared by the API and the
 * client below. JSON text frames, one message each.
 *
 *   client → server                           server → client
 *   {type:'auth', token}        (first, ≤5 s)  {type:'ready', heartbeatSeconds, expiresAt, topics}
 *   {type:'subscribe', topic}                  {type:'update', topic, etag, data}   (at once, then on change)
 *   {type:'unsubscribe', topic}                {type:'error', topic?, code, message}
 *   {type:'pong'}                (to a ping)   {type:'ping'}                        (every heartbeatSeconds)
 *
 * `auth` may be sent again on an open socket with a fresh token of the same caller before `expiresAt`.
 */

/** Where the channel listens, under the API's base URL. */
export const LIVE_PATH = '/api/v1/live';

/** Close codes the server uses (4xxx mirror the HTTP statuses of the same meaning). */
export const LIVE_CLOSE = {
  /** The client closed, or unsubscribed from everything and closed. */
  normal: 1000,
  /** The API process is shutting down (a restart or deploy): reconnect. */
  goingAway: 1001,
  /** Before authentication: anything but an `auth` message; at any time: a binary frame. */
  badMessage: 4400,
  /** No valid `auth` within 5 s, an invalid or expired token, or the session was revoked. */
  unauthenticated: 4401,
  /** The caller already has LIVE_MAX_CONNECTIONS_PER_USER sockets open on this API process. */
  tooManyConnections: 4429,
  /** A message larger than LIVE_MAX_MESSAGE_BYTES (the WebSocket standard's code). */
  messageTooBig: 1009,
  /** The server failed handling a message (logged with the socket's request id). */
  internalError: 1011,
} as const;

/** How long after the upgrade the server waits for the `auth` message. */
export const LIVE_AUTH_TIMEOUT_MS = 5_000;
/** Largest message the server accepts. */
export const LIVE_MAX_MESSAGE_BYTES = 16 * 1024;
/** Most topics one socket may follow. */
export const LIVE_MAX_TOPICS = 20;

/** `dashboard`, or `import:<id>`. */
export type LiveTopicName = 'dashboard' | `import:${string}`;

export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; topic: string }
  | { type: 'unsubscribe'; topic: string }
  | { type: 'pong' };

export type ServerMessage =
  | { type: 'ready'; heartbeatSeconds: number; expiresAt: string; topics: string[] }
  | { type: 'update'; topic: string; etag: string; data: unknown }
  | { type: 'error'; topic?: string; code: string; message: string }
  | { type: 'ping' };

/** The polling route that serves the same view as a topic (same body, same ETag). */
export function pollPathOf(topic: LiveTopicName): string {
  if (topic === 'dashboard') return '/api/v1/dashboard/summary';
  if (topic.startsWith('import:')) return `/api/v1/imports/${encodeURIComponent(topic.slice('import:'.length))}/status`;
  throw new Error(`unknown live topic '${topic}'`);
}
