/**
 * Business rate limits (platform plan §3.1), on top of Nginx's per-IP limit: general API 300/min
 * per device or client (per user for people, per IP before authentication), report exports 5/hour, and
 * screens polling a live view 120/min (their own bucket, instead of the general one).
 * Headers follow the IETF RateLimit draft; a refused call is 429 with Retry-After.
 */
import { DomainError } from '@app/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../context.ts';
import type { CounterStore } from '../lib/rate-limiter.ts';
import { API_PREFIX } from './scope-injector.ts';

export type Bucket = { name: string; key: string; limit: number; windowMs: number };

/** Count a hit on each bucket; set headers for the tightest; throw 429 when any is over. */
export async function enforceBuckets(store: CounterStore, buckets: Bucket[], reply: FastifyReply): Promise<void> {
  let tightest: { b: Bucket; remaining: number; resetMs: number } | undefined;
  for (const b of buckets) {
    const { count, resetMs } = await store.hit(`${b.name}:${b.key}`, b.windowMs);
    const remaining = Math.max(0, b.limit - count);
    if (!tightest || remaining < tightest.remaining) tightest = { b, remaining, resetMs };
    if (count > b.limit) {
      const retry = Math.max(1, Math.ceil(resetMs / 1000));
      setHeaders(reply, b, 0, resetMs);
      throw new DomainError(
        'RATE_LIMITED',
        `Rate limit '${b.name}' exceeded: ${b.limit} requests per ${b.windowMs / 1000} s. Retry in ${retry} s.`,
        { limit: b.limit, windowSeconds: b.windowMs / 1000, retryAfterSeconds: retry },
        { 'retry-after': String(retry) },
      );
    }
  }
  if (tightest) setHeaders(reply, tightest.b, tightest.remaining, tightest.resetMs);
}

function setHeaders(reply: FastifyReply, b: Bucket, remaining: number, resetMs: number) {
  reply.header('ratelimit-limit', String(b.limit));
  reply.header('ratelimit-remaining', String(remaining));
  reply.header('ratelimit-reset', String(Math.max(0, Math.ceil(resetMs / 1000))));
  reply.header('ratelimit-policy', `${b.limit};w=${b.windowMs / 1000}`);
}

export function callerKey(req: FastifyRequest): string {
  const p = req.ctx.principal;
  return p ? `${p.kind}:${p.id}` : `ip:${req.ip}`;
}

export function installRateLimiter(app: FastifyInstance, deps: AppDeps): void {
  const { config } = deps;
  app.addHook('onRequest', async (req, reply) => {
    if (!req.routeOptions.url?.startsWith(API_PREFIX)) return;
    const key = callerKey(req);
    // Screens polling a live view (every 5 s) have their own budget instead of the general one.
    if (req.routeOptions.config?.rateLimit === 'poll') {
      await enforceBuckets(
        deps.limiter,
        [{ name: 'poll', key, limit: config.RATE_LIMIT_POLL_PER_MINUTE, windowMs: 60_000 }],
        reply,
      );
      return;
    }
    const buckets: Bucket[] = [{ name: 'general', key, limit: config.RATE_LIMIT_GENERAL_PER_MINUTE, windowMs: 60_000 }];
    if (req.routeOptions.config?.rateLimit === 'export') {
      buckets.push({ name: 'export', key, limit: config.RATE_LIMIT_EXPORT_PER_HOUR, windowMs: 3_600_000 });
    }
    // Error reports from the web app: per address, whoever is signed in there (a crash loop must not flood the table).
    if (req.routeOptions.config?.rateLimit === 'client-error') {
      buckets.push({
        name: 'client-error',
        key: `ip:${req.ip}`,
        limit: config.CLIENT_ERROR_REPORTS_PER_MINUTE,
        windowMs: 60_000,
      });
    }
    await enforceBuckets(deps.limiter, buckets, reply);
  });
}
