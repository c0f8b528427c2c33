/**
 * Against the test Redis: jobs left in the queues of the version before the priority classes move to
 * their class's queue under the same id; requeueJob puts a failed job back under the same id and never
 * adds a second copy of one that is pending.
 */
import { testConfig } from '@app/devkit/testing';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveLegacyJobs } from '../src/legacy-queues.ts';
import { bullPrefix, createQueues, type Queues } from '../src/queues.ts';
import { createRedis } from '../src/redis.ts';
import { jobOptions, queueFor } from '../src/registry.ts';
import { requeueJob } from '../src/requeue.ts';

const config = testConfig('postgres://unused@127.0.0.1:1/unused');
const prefix = config.REDIS_KEY_PREFIX;
let redis: Redis;
let queues: Queues;
const extra: Queue[] = [];
const queue = (name: string) => {
  const q = new Queue(name, { connection: redis, prefix: bullPrefix(prefix) });
  extra.push(q);
  return q;
};

beforeAll(() => {
  redis = createRedis(config.REDIS_URL, 'worker');
  queues = createQueues(redis, prefix);
});
afterAll(async () => {
  for (const q of [...extra, ...Object.values(queues).filter((q): q is Queue => q instanceof Queue)]) {
    await q.obliterate({ force: true }).catch(() => {});
  }
  await Promise.all(extra.map((q) => q.close()));
  await queues.close();
  redis.disconnect();
});

/** Run the jobs of `q` that are waiting with a processor that always fails unrecoverably; wait until they have failed. */
async function failAll(q: Queue, count: number) {
  const w = new Worker(
    q.name,
    async () => {
      throw new UnrecoverableError('broken');
    },
    { connection: redis.duplicate(), prefix: bullPrefix(prefix) },
  );
  while ((await q.getFailedCount()) < count) await new Promise((r) => setTimeout(r, 20));
  await w.close();
  await w.disconnect();
}

describe('moveLegacyJobs', () => {
  it('moves pending jobs of the old `events` and `maintenance` queues to their class queues and drops old schedulers', async () => {
    const events = queue('events');
    const maintenance = queue('maintenance');
    const payload = { outboxId: '7', eventId: '5b3a3c9e-7a59-4c29-9a8f-2a0a3a8e4f11', eventType: 'UserCreated' };
    await events.add('event.dispatch', payload, { jobId: 'outbox-5b3a3c9e', attempts: 10 });
    const auto = await maintenance.add('period.close', {}, { priority: 2 });
    await maintenance.add('maintenance.cleanup', {}, { delay: 60_000, jobId: 'later' });
    await maintenance.add('report.old', {}, {}); // a type this version does not know: left alone
    await maintenance.upsertJobScheduler('maintenance-cleanup-hourly', { every: 3_600_000 }, { name: 'maintenance.cleanup' });

    const r = await moveLegacyJobs(redis, prefix);
    // Three jobs, plus the run the scheduler had already queued (it runs once in the new queue).
    expect(r).toEqual({ moved: 4, schedulersRemoved: 1, unknown: 1 });

    const moved = await queues[queueFor('event.dispatch')].getJob('outbox-5b3a3c9e');
    expect(moved?.data).toEqual(payload);
    expect(moved?.opts).toMatchObject({ attempts: 10, removeOnFail: { age: 7 * 24 * 3600 } });
    expect(await events.getJob('outbox-5b3a3c9e')).toBeUndefined();
    // An auto-numbered id cannot be reused as a custom id: it gets a new one in P3.
    const closes = await queues[queueFor('period.close')].getJobs(['waiting']);
    expect(closes.map((j) => j.name)).toEqual(['period.close']);
    expect(await maintenance.getJob(auto.id!)).toBeUndefined();
    // A delayed job keeps (about) its remaining delay.
    const later = await queues[queueFor('maintenance.cleanup')].getJob('later');
    expect(await later?.getState()).toBe('delayed');
    expect(later!.delay).toBeGreaterThan(50_000);
    expect(await maintenance.getJobSchedulers()).toEqual([]);
    expect((await maintenance.getJobs(['waiting'])).map((j) => j.name)).toEqual(['report.old']);

    // Again: nothing left to move.
    expect(await moveLegacyJobs(redis, prefix)).toEqual({ moved: 0, schedulersRemoved: 0, unknown: 1 });
  });
});

describe('requeueJob', () => {
  const payload = { outboxId: '1', eventId: '0f8e5a52-3f4f-4b8e-9a7d-0d6f2b1c9e01', eventType: 'X' };
  const target = () => queues[queueFor('event.dispatch')];

  it('retries a failed job in place under its id, attempts reset; a second call finds it pending', async () => {
    const q = target();
    await q.add('event.dispatch', payload, jobOptions('event.dispatch', { jobId: 'outbox-a' }));
    await failAll(q, 1);
    const d = { queue: q.name, jobId: 'outbox-a', name: 'event.dispatch' as const, payload, fallbackJobId: 'dead-letter-1' };
    const first = await requeueJob(queues, d);
    expect(first).toEqual({ outcome: 'retried', jobId: 'outbox-a', queue: 'p2-workflow', state: 'waiting' });
    const job = await q.getJob('outbox-a');
    expect(job?.attemptsMade).toBe(0);
    expect(await requeueJob(queues, d)).toEqual({
      outcome: 'pending',
      jobId: 'outbox-a',
      queue: 'p2-workflow',
      state: 'waiting',
    });
    expect(await q.getWaitingCount()).toBe(1);
  });

  it('adds a job that is gone again under its id (or the fallback id for an auto-numbered one), once', async () => {
    const q = target();
    await q.obliterate({ force: true });
    const gone = { queue: q.name, jobId: 'outbox-b', name: 'event.dispatch' as const, payload, fallbackJobId: 'dead-letter-2' };
    expect(await requeueJob(queues, gone)).toMatchObject({ outcome: 'added', jobId: 'outbox-b', state: 'waiting' });
    const auto = { ...gone, jobId: '42', fallbackJobId: 'dead-letter-3' };
    expect(await requeueJob(queues, auto)).toMatchObject({ outcome: 'added', jobId: 'dead-letter-3' });
    expect(await requeueJob(queues, auto)).toMatchObject({ outcome: 'pending', jobId: 'dead-letter-3' });
    expect(await q.getWaitingCount()).toBe(2);
  });

  it('moves a job that failed in another queue (its type changed class) to its class queue under the same id', async () => {
    const old = queue('p4-maintenance-old');
    await old.add('event.dispatch', payload, jobOptions('event.dispatch', { jobId: 'outbox-c' }));
    await failAll(old, 1);
    // requeueJob only knows our queues: a row naming p4-maintenance whose job now belongs in P2.
    const p4 = queues['p4-maintenance'];
    await p4.add('event.dispatch', payload, jobOptions('event.dispatch', { jobId: 'outbox-c' }));
    await failAll(p4, 1);
    const r = await requeueJob(queues, {
      queue: 'p4-maintenance',
      jobId: 'outbox-c',
      name: 'event.dispatch',
      payload,
      fallbackJobId: 'dead-letter-4',
    });
    expect(r).toMatchObject({ outcome: 'added', jobId: 'outbox-c', queue: 'p2-workflow', state: 'waiting' });
    expect(await p4.getJob('outbox-c')).toBeUndefined();
  });
});
