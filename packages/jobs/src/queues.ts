import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  JOBS,
  type JobName,
  type JobPayload,
  jobOptions,
  QUEUE_NAMES,
  type QueueName,
  queueFor,
  type RetryPolicy,
} from './registry.ts';

/** One BullMQ Queue per priority class, keyed by queue name (`p1-interactive` … `p4-maintenance`). */
export type Queues = Record<QueueName, Queue> & { close: () => Promise<void> };

/** The BullMQ key prefix under the tenant's REDIS_KEY_PREFIX; producers and workers must agree on it. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;

/**
 * One BullMQ Queue per queue name, all on `connection`, keys under `prefix`. `onError` receives the
 * queues' connection errors (without a listener BullMQ prints them to the console).
 */
export function createQueues(
  connection: Redis,
  prefix: string,
  opts: { onError?: (err: Error, queue: QueueName) => void } = {},
): Queues {
  const entries = QUEUE_NAMES.map((n) => {
    const q = new Queue(n, { connection, prefix: bullPrefix(prefix) });
    // Always listen: without a listener BullMQ prints connection errors to the console.
    q.on('error', (err) => opts.onError?.(err, n));
    return [n, q] as const;
  });
  const queues = Object.fromEntries(entries) as Record<QueueName, Queue>;
  return Object.assign(queues, {
    close: async () => {
      await Promise.all(entries.map(([, q]) => q.close()));
    },
  });
}

/** Add a job to the queue of its priority class after validating its payload against the registry. */
export async function addJob<N extends JobName>(
  queues: Queues,
  name: N,
  payload: JobPayload<N>,
  opts: { jobId?: string; retry?: RetryPolicy } = {},
) {
  return queues[queueFor(name)].add(name, JOBS[name].payload.parse(payload), jobOptions(name, opts));
}
