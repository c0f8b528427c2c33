import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections. `worker`: BullMQ workers block and must retry forever (maxRetriesPerRequest null).
 * `client`: request-path use (rate limits, queue producers): fail fast when Redis is down so the API
 * keeps serving with its fallbacks instead of hanging.
 */
export function createRedis(url: string, role: 'worker' | 'client', extra: RedisOptions = {}): Redis {
  const base: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 1_000 };
  const r = new Redis(url, {
    ...base,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    ...extra,
  });
  // Errors surface on commands; an 'error' listener keeps a dropped connection from crashing the process.
  r.on('error', () => {});
  return r;
}
