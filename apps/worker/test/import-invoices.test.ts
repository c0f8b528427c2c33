/**
 * The import.invoices wiring in the worker (the run itself is tested with the API: apps/api/test/import*.test.ts):
 * an ImportQueued event adds exactly one job per import, however often it is delivered; other events add
 * none; a worker without the API's services cannot run the job and says so without retrying.
 */
import { randomUUID } from 'node:crypto';
import { testConfig } from '@app/devkit/testing';
import { createQueues, createRedis, type JobContext, type Queues, queueFor } from '@app/jobs';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportInvoicesHandler, importJobId, importQueuedSubscriber } from '../src/jobs/import.invoices.ts';
import type { OutboxEvent } from '../src/subscribers.ts';
import { captureLogger } from './helpers.ts';

describe('import.invoices wiring', () => {
  const config = testConfig('postgres://unused@127.0.0.1:1/unused');
  let redis: Redis;
  let queues: Queues;

  const event = (type: string, payload: unknown): OutboxEvent => ({
    outboxId: '1',
    eventId: randomUUID(),
    type,
    version: 1,
    aggregateType: 'import_file',
    aggregateId: null,
    payload,
    requestId: null,
    occurredAt: new Date(),
  });

  beforeAll(() => {
    redis = createRedis(config.REDIS_URL, 'client');
    queues = createQueues(redis, config.REDIS_KEY_PREFIX);
  });
  afterAll(async () => {
    await queues[queueFor('import.invoices')].obliterate({ force: true });
    await queues.close();
    redis.disconnect();
  });

  it('ImportQueued adds one job under the import id, in the P3 queue, however often it is delivered', async () => {
    const importId = randomUUID();
    const subscriber = importQueuedSubscriber(queues);
    const queued = {
      importId,
      filename: 'a.csv',
      format: 'csv',
      encoding: 'utf8',
      sha256: 'a'.repeat(64),
      sizeBytes: 10,
      createdBy: `user:${randomUUID()}`,
    };
    const signal = new AbortController().signal;
    await subscriber(event('ImportQueued', queued), signal);
    await subscriber(event('ImportQueued', queued), signal);
    await subscriber(event('ImportStarted', { importId }), signal);
    await subscriber(event('UserCreated', { userId: randomUUID(), username: 'x', roles: [] }), signal);
    const queue = queues[queueFor('import.invoices')];
    expect(queue.name).toBe('p3-scheduled');
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.map((j) => [j.id, j.name, j.data])).toEqual([[importJobId(importId), 'import.invoices', { importId }]]);
    // A malformed ImportQueued is an error (the dispatch is retried and dead-lettered), not a silent no-op.
    await expect(subscriber(event('ImportQueued', { importId: 'nope' }), signal)).rejects.toThrow();
  });

  it('without the API services the job fails at once, unrecoverably', async () => {
    const ctx: JobContext = { jobId: 'j', attempt: 1, signal: new AbortController().signal, log: captureLogger().log };
    const run = createImportInvoicesHandler({})({ importId: randomUUID() }, ctx);
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
