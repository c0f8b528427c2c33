/**
 * Test peers for webhooks: real HTTP receivers on 127.0.0.1 that record every request, and an independent
 * Standard Webhooks verifier — written from the specification (HMAC-SHA256 over `id.timestamp.body` with the
 * base64 key after `whsec_`, `v1,<base64>` signatures separated by spaces, a timestamp tolerance), sharing no
 * code with the sender. Its own test checks it against the published reference vector.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedRequest = {
  at: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
};

export type Reply = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number };

export type Receiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Requests being answered right now, and the most ever at once. */
  active: () => number;
  maxActive: () => number;
  /** Change how it answers. */
  respond(fn: (r: ReceivedRequest, n: number) => Reply | Promise<Reply>): void;
  close(): Promise<void>;
};

/** A receiver on 127.0.0.1 (on `port`, or a free one). Answers 204 unless told otherwise. */
export async function startReceiver(port = 0, path = '/hook'): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let answer: (r: ReceivedRequest, n: number) => Reply | Promise<Reply> = () => ({ status: 204 });
  let active = 0;
  let maxActive = 0;
  const server = http.createServer((req, res) => {
    active++;
    maxActive = Math.max(maxActive, active);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const r: ReceivedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(r);
      let reply: Reply;
      try {
        reply = await answer(r, requests.length);
      } catch {
        reply = { status: 500 };
      }
      const send = () => {
        active--;
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 204, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  // Long keep-alive so the sender's pooled connections are not closed under it during a test.
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}${path}`,
    port: actual,
    requests,
    active: () => active,
    maxActive: () => maxActive,
    respond(fn) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Verdict = { ok: true; id: string; timestamp: number; matched: number[] } | { ok: false; why: string };

/**
 * Verify one request as a Standard Webhooks consumer would: the three headers present, the timestamp within
 * `toleranceSec` of `nowSec`, and at least one `v1` signature equal (constant-time) to the HMAC of
 * `id.timestamp.body` under one of `secrets`. `matched` lists which secrets matched.
 */
export function verifyStandardWebhook(
  headers: Record<string, string | string[] | undefined>,
  body: string,
  secrets: string[],
  nowSec: number,
  toleranceSec = 300,
): Verdict {
  const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
  const id = one(headers['webhook-id']);
  const ts = one(headers['webhook-timestamp']);
  const sig = one(headers['webhook-signature']);
  if (!id || !ts || !sig) return { ok: false, why: 'missing header' };
  if (!/^\d+$/.test(ts)) return { ok: false, why: 'bad timestamp' };
  const timestamp = Number(ts);
  if (Math.abs(nowSec - timestamp) > toleranceSec) return { ok: false, why: 'timestamp outside tolerance' };
  const signed = Buffer.from(`${id}.${ts}.${body}`, 'utf8');
  const given = sig
    .split(' ')
    .map((part) => part.split(','))
    .filter(([version, value]) => version === 'v1' && value)
    .map(([, value]) => Buffer.from(value as string, 'base64'));
  const matched: number[] = [];
  secrets.forEach((secret, i) => {
    const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    const expected = createHmac('sha256', key).update(signed).digest();
    if (given.some((g) => g.length === expected.length && timingSafeEqual(g, expected))) matched.push(i);
  });
  return matched.length > 0 ? { ok: true, id, timestamp, matched } : { ok: false, why: 'no signature matches' };
}
