/**
 * One webhook request over node:http / node:https, connected to addresses checked beforehand: the
 * request's `lookup` hands the socket exactly those addresses, so the host is not resolved a second time
 * (no DNS rebinding between check and connect) while the Host header, SNI and the certificate check still
 * use the name. One deadline covers connecting, TLS, sending, the status line and reading (at most 64 KiB
 * of) the answer. Redirects are not followed. Connections are kept alive per host (at most
 * `maxSocketsPerHost`); a request that finds its reused connection closed by the receiver meanwhile
 * (ECONNRESET before any answer) is sent once more on a fresh one, as Node's documentation advises.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { bareHostname, type ResolvedAddress } from '@app/domain';

export type SendRequest = {
  url: URL;
  /** The checked addresses of the URL's host, in the order to try them. */
  addresses: ResolvedAddress[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal: AbortSignal;
};

export type SendOutcome =
  | {
      kind: 'response';
      status: number;
      headers: http.IncomingHttpHeaders;
      /** The first KiB of the answer, as text. */
      excerpt: string;
      durationMs: number;
      address: string | null;
    }
  | { kind: 'timeout' | 'network_error' | 'aborted'; error: string; durationMs: number; address: string | null };

export type WebhookSender = { send(req: SendRequest): Promise<SendOutcome>; close(): void };

const EXCERPT_BYTES = 1024;
const READ_LIMIT_BYTES = 64 * 1024;

/** A `lookup` that answers with the checked addresses only (all of them when asked for all). */
export function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: { family?: number | string; all?: boolean }, callback: (...args: unknown[]) => void) => {
    const family = options?.family === 'IPv4' ? 4 : options?.family === 'IPv6' ? 6 : Number(options?.family ?? 0);
    const list = addresses.filter((a) => !family || a.family === family);
    if (list.length === 0) {
      const err = Object.assign(new Error(`no checked IPv${family} address`), { code: 'ENOTFOUND' });
      callback(err, options?.all ? [] : undefined, undefined);
      return;
    }
    if (options?.all)
      callback(
        null,
        list.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, list[0]!.address, list[0]!.family);
  }) as LookupFunction;
}

/** Text fit for a PostgreSQL text column (no NUL characters). */
const printable = (s: string) => s.replace(/\0/g, '');

export function createHttpSender(opts: { maxSocketsPerHost: number }): WebhookSender {
  const agentOpts = {
    keepAlive: true,
    maxSockets: opts.maxSocketsPerHost,
    maxFreeSockets: opts.maxSocketsPerHost,
    scheduling: 'lifo' as const,
  };
  const agents = { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) };

  function once(req: SendRequest, fresh: boolean): Promise<SendOutcome & { reusedReset?: boolean }> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const secure = req.url.protocol === 'https:';
    return new Promise((resolve) => {
      let address: string | null = null;
      let settled = false;
      let answered = false;
      const finish = (o: SendOutcome & { reusedReset?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const body = Buffer.from(req.body, 'utf8');
      const r = (secure ? https : http).request({
        method: 'POST',
        host: bareHostname(req.url),
        port: req.url.port || (secure ? 443 : 80),
        path: `${req.url.pathname}${req.url.search}`,
        headers: { ...req.headers, 'content-length': String(body.length) },
        agent: fresh ? false : secure ? agents.https : agents.http,
        lookup: pinnedLookup(req.addresses),
      });
      let cause: 'timeout' | 'aborted' | null = null;
      const timer = setTimeout(() => {
        cause = 'timeout';
        r.destroy(new Error(`no complete answer within ${req.timeoutMs} ms`));
      }, req.timeoutMs);
      const onAbort = () => {
        cause = 'aborted';
        r.destroy(new Error('the worker stopped the request'));
      };
      if (req.signal.aborted) queueMicrotask(onAbort);
      else req.signal.addEventListener('abort', onAbort, { once: true });

      const noteAddress = (s: Socket) => {
        address = s.remoteAddress ?? address;
      };
      r.on('socket', (s: Socket) => {
        if (s.remoteAddress) noteAddress(s);
        else s.once('connect', () => noteAddress(s));
      });
      r.on('response', (res) => {
        answered = true;
        if (res.socket) noteAddress(res.socket);
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          finish({
            kind: 'response',
            status: res.statusCode ?? 0,
            headers: res.headers,
            excerpt: printable(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8')),
            durationMs: elapsed(),
            address,
          });
        res.on('data', (c: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(c);
          size += c.length;
          // Enough read: the verdict is the status; do not let a receiver stream at us.
          if (size > READ_LIMIT_BYTES) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        // The status line came: an answer cut short (timeout, reset) still counts by its status.
        res.on('error', done);
        res.on('close', done);
      });
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return;
        const reusedReset = !fresh && r.reusedSocket && err.code === 'ECONNRESET' && cause === null;
        const kind = cause ?? 'network_error';
        finish({
          kind,
          error: printable(`${err.code ? `${err.code}: ` : ''}${err.message}`).slice(0, 1000),
          durationMs: elapsed(),
          address,
          ...(reusedReset ? { reusedReset } : {}),
        });
      });
      r.end(body);
    });
  }

  return {
    async send(req) {
      const first = await once(req, false);
      if ('reusedReset' in first && first.reusedReset) {
        // The receiver closed an idle kept-alive connection as we reused it: nothing reached it; send anew.
        const { reusedReset: _r, ...again } = await once(req, true);
        return again;
      }
      const { reusedReset: _r, ...outcome } = first as SendOutcome & { reusedReset?: boolean };
      return outcome as SendOutcome;
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
