/**
 * The control endpoint: a small JSON-over-HTTP API on a private port to steer the simulator from tests and
 * demos (README.md, "Control API"). Not part of what Turnkey offers; the product must never call it.
 *
 *   GET  /health          → { status: 'ok', mode, pending } (pending = uploaded messages awaiting a reply)
 *   GET  /mode            → the mode state
 *   PUT  /mode            { mode, code?, delayMs?, messageTypes?, invoiceNumbers?, stage? } → the new state
 *   POST /poll            → run one scan now; the cycle report
 *   POST /summary         { date?: 'yyyyMMdd' } → { files } (SummaryResult of that day, default today)
 *   POST /e0501           XML body, or JSON { entries: [...], routingId?, name? } → 201 { path }
 *
 * Errors: `{ statusCode, code, message }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@app/logger';
import { z } from 'zod';
import { modeInputSchema } from './modes.ts';
import { SimInputError, type TurnkeySim } from './sim.ts';

const MAX_BODY = 10 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const e0501JsonSchema = z
  .object({
    name: z.string().optional(),
    routingId: z.string().max(39).optional(),
    entries: z
      .array(
        z.object({
          ban: z.string().min(1).max(10),
          invoiceType: z.string().min(1).max(2),
          yearMonth: z.string().min(1).max(5),
          invoiceTrack: z.string().min(1).max(2),
          invoiceBeginNo: z.string().min(1).max(8),
          invoiceEndNo: z.string().min(1).max(8),
          invoiceBooklet: z.union([z.string(), z.number().int()]).transform(String),
        }),
      )
      .min(1),
  })
  .strict();

const summarySchema = z.object({ date: z.string().optional() }).strict();

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'BODY_TOO_LARGE', `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson<T>(schema: z.ZodType<T>, text: string): T {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'the body is not JSON');
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new HttpError(400, 'BAD_REQUEST', msg);
  }
  return r.data;
}

export function createControlServer(sim: TurnkeySim, log: Logger): Server {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = req.method ?? 'GET';
    const key = `${method} ${path}`;
    switch (key) {
      case 'GET /health':
        return send(res, 200, { status: 'ok', mode: sim.getMode().mode, pending: sim.pendingCount() });
      case 'GET /mode':
        return send(res, 200, sim.getMode());
      case 'PUT /mode':
      case 'POST /mode':
        return send(res, 200, await sim.setMode(parseJson(modeInputSchema, await readBody(req))));
      case 'POST /poll':
        await readBody(req);
        return send(res, 200, await sim.pollOnce());
      case 'POST /summary': {
        const { date } = parseJson(summarySchema, await readBody(req));
        return send(res, 200, { files: await sim.writeSummary(date) });
      }
      case 'POST /e0501': {
        const body = await readBody(req);
        const type = req.headers['content-type'] ?? '';
        const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? undefined;
        if (/json/i.test(type)) return send(res, 201, { path: sim.dropE0501(parseJson(e0501JsonSchema, body)) });
        if (body.trim() === '') throw new HttpError(400, 'EMPTY_BODY', 'send the E0501 XML as the body');
        return send(res, 201, { path: sim.dropE0501(name ? { xml: body, name } : { xml: body }) });
      }
      default:
        throw new HttpError(404, 'NOT_FOUND', `no route ${key}`);
    }
  }

  return createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError)
        return send(res, err.statusCode, { statusCode: err.statusCode, code: err.code, message: err.message });
      if (err instanceof SimInputError) return send(res, 400, { statusCode: 400, code: err.code, message: err.message });
      log.error({ err }, 'control request failed');
      return send(res, 500, { statusCode: 500, code: 'INTERNAL', message: 'the request failed; see the simulator log' });
    });
  });
}

/** Listens on host:port (0 = any free port); resolves with the base URL. */
export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve(`http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}
