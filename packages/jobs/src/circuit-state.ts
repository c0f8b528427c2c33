/**
 * Circuit breaker states shared through Redis: the worker writes a breaker's snapshot when its state
 * changes; the API's metrics read them. One hash field per breaker name; with several worker processes
 * the latest change wins (each process keeps its own breaker; see circuit-breaker.ts).
 */
import type { Redis } from 'ioredis';
import type { CircuitBreakerSnapshot } from './circuit-breaker.ts';

export const circuitStateKey = (prefix: string): string => `${prefix}:circuit-breakers`;

export type PublishedCircuitState = CircuitBreakerSnapshot & { updatedAt: string; worker: string };

export async function publishCircuitState(
  redis: Redis,
  prefix: string,
  snapshot: CircuitBreakerSnapshot,
  meta: { worker: string; at: Date },
): Promise<void> {
  const value: PublishedCircuitState = { ...snapshot, updatedAt: meta.at.toISOString(), worker: meta.worker };
  await redis.hset(circuitStateKey(prefix), snapshot.name, JSON.stringify(value));
}

export async function readCircuitStates(redis: Redis, prefix: string): Promise<PublishedCircuitState[]> {
  const all = await redis.hgetall(circuitStateKey(prefix));
  return Object.keys(all)
    .sort()
    .flatMap((name) => {
      try {
        return [JSON.parse(all[name]!) as PublishedCircuitState];
      } catch {
        return [];
      }
    });
}
