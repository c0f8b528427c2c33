/**
 * Live status for screens (platform plan §4: poll by default, WebSocket as an enterprise option).
 *
 * - `LiveCache`: the short server-side cache (LIVE_CACHE_MS, 1.5 s by default) behind every live view. One
 *   entry per key — the key says whose data it is (e.g. the caller's data scope), never who asked — and
 *   loads are single-flight: however many screens poll at once, one load per key runs.
 * - `LiveTopics`: the views a screen can follow (`dashboard`, `import:<id>`). Modules register theirs; the
 *   polling routes and the WebSocket channel (modules/live) read them the same way, through the same cache.
 * - `replyLive`: the polling contract — a strong ETag of the body's bytes, `If-None-Match` → 304 with no
 *   body, `Cache-Control: private, no-cache`.
 */
import { createHash } from 'node:crypto';
import type { DataScope, Permission } from '@app/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../context.ts';

export type LiveSnapshot = {
  /** The body as sent. */
  json: string;
  /** Strong entity tag of `json`: `"<27 characters of base64url SHA-256>"`. */
  etag: string;
};

export const snapshotOf = (body: unknown): LiveSnapshot => {
  const json = JSON.stringify(body);
  return { json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"` };
};

/** Whether an If-None-Match header names `etag` (RFC 9110 §13.1.2: a list or `*`; weak comparison, `W/` ignored). */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  return value
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .includes(etag);
}

/** Answer a live view: 304 when the caller has these bytes already, else the JSON with its ETag. */
export function replyLive(req: FastifyRequest, reply: FastifyReply, snap: LiveSnapshot): FastifyReply {
  reply.header('etag', snap.etag).header('cache-control', 'private, no-cache').header('vary', 'Authorization');
  if (ifNoneMatchHits(req.headers['if-none-match'], snap.etag)) return reply.code(304).send();
  // A string with a JSON content type is sent as it is: the bytes the ETag was computed from.
  return reply.type('application/json; charset=utf-8').send(snap.json);
}

/** A short key naming a data scope: callers with equal scopes share cached bodies, others never do. */
export function scopeKey(scope: DataScope): string {
  if (scope.all) return 'all';
  const text = `sellers=${[...scope.sellers].sort().join(',')};sites=${[...scope.sites].sort().join(',')}`;
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export class LiveCache {
  private readonly entries = new Map<string, { value: unknown; until: number }>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Loads run (not answered from the cache): the metrics and tests read it. */
  loads = 0;

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return Promise.resolve(hit.value as T);
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    this.loads++;
    const p = load()
      .then((value) => {
        if (this.entries.size >= this.maxEntries) this.sweep();
        this.entries.set(key, { value, until: this.now() + this.ttlMs });
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private sweep() {
    const t = this.now();
    for (const [k, v] of this.entries) if (v.until <= t) this.entries.delete(k);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
  }
}

/** A view a screen can follow. */
export type LiveTopic = {
  /** The permission needed (checked again on every WebSocket subscription). */
  access: Permission;
  /** `import:<id>` takes an argument: this checks it (a UUID); topics without one refuse any. */
  argPattern?: RegExp;
  /** Callers with equal keys see the same body: one cache entry and, on the WebSocket, one check loop. */
  key(ctx: RequestContext, arg: string): string;
  /** The body for this caller; throws a DomainError when it may not see it (NOT_FOUND, FORBIDDEN). */
  read(ctx: RequestContext, arg: string): Promise<unknown>;
};

export class LiveTopics {
  private readonly topics = new Map<string, LiveTopic>();
  constructor(readonly cache: LiveCache) {}

  register(name: string, topic: LiveTopic): void {
    if (this.topics.has(name)) throw new Error(`live topic '${name}' registered twice`);
    this.topics.set(name, topic);
  }

  /** `dashboard` or `import:<id>` → its topic and argument; null when no such topic (or a bad argument). */
  resolve(topic: string): { name: string; topic: LiveTopic; arg: string } | null {
    const i = topic.indexOf(':');
    const name = i < 0 ? topic : topic.slice(0, i);
    const arg = i < 0 ? '' : topic.slice(i + 1);
    const t = this.topics.get(name);
    if (!t) return null;
    if (t.argPattern ? !t.argPattern.test(arg) : arg !== '') return null;
    return { name, topic: t, arg };
  }

  names(): string[] {
    return [...this.topics.entries()].map(([n, t]) => (t.argPattern ? `${n}:<id>` : n)).sort();
  }
}
