/**
 * The job worker: hard per-job timeouts with retries and backoff, payload validation without retries,
 * outcomes recorded as the job's return value, and a graceful close that lets a running job finish.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { testConfig } from '@app/devkit/testing';
import { bullPrefix, createRedis, type JobHandler, type JobHandlers, jobOptions, KEEP_FAILED_SECONDS, queueFor } from '@app/jobs';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, startWorker } from '../src/worker.ts';
import { captureLogger, skippingHandlers, waitFor } from './helpers.ts';

const payload = () => ({ outboxId: String(Math.floor(Math.random() * 1e9)), eventId: randomUUID(), eventType: 'UserCreated' });

describe('job worker', () => {
  // No database here: the handlers under test are stand-ins; the worker itself only needs Redis.
  const config = testConfig('postgres://unused@127.0.0.1:1/unused');
  let connection: Redis;
  let producer: Redis;
  let events: Queue;
  let worker: RunningWorker | undefined;

  const start = (handler: JobHandler<'event.dispatch'>, timeoutMs: number) => {
    const handlers: JobHandlers = { ...skippingHandlers(), 'event.dispatch': handler };
    const { log, lines } = captureLogger();
    worker = startWorker({
      connection,
      prefix: config.REDIS_KEY_PREFIX,
      handlers,
      timeouts: { general: timeoutMs, report: 60_000 },
      concurrency: 4,
      log,
    });
    return lines;
  };
  const stateOf = async (id: string) => (await events.getJob(id))?.getState();

  beforeAll(() => {
    connection = createRedis(config.REDIS_URL, 'worker');
    producer = createRedis(config.REDIS_URL, 'client');
    events = new Queue(queueFor('event.dispatch'), { connection: producer, prefix: bullPrefix(config.REDIS_KEY_PREFIX) });
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });
  afterAll(async () => {
    await events.obliterate({ force: true });
    await events.close();
    connection.disconnect();
    producer.disconnect();
  });

  it('fails a handler that ignores its deadline with a timeout error, retries with exponential backoff, keeps it failed', async () => {
    const starts: number[] = [];
    const aborts: number[] = [];
    start(async (_p, { signal }) => {
      starts.push(Date.now());
      signal.addEventListener('abort', () => aborts.push(Date.now()));
      return new Promise<never>(() => {}); // never finishes, never looks at the signal
    }, 200);
    const backoff = { type: 'exponential' as const, delay: 100 };
    const job = await events.add('event.dispatch', payload(), { ...jobOptions('event.dispatch'), attempts: 3, backoff });

    await waitFor('the job to end in failed', async () => (await stateOf(job.id!)) === 'failed', 15_000);
    const failed = (await events.getJob(job.id!)) as Job;
    expect(failed.attemptsMade).toBe(3);
    expect(failed.failedReason).toMatch(/timed out after 200 ms/);
    expect(failed.opts.removeOnFail).toEqual({ age: KEEP_FAILED_SECONDS }); // kept 7 days
    expect(KEEP_FAILED_SECONDS).toBe(7 * 24 * 3600);
    expect(starts).toHaveLength(3);
    // Each try was cut at the deadline, and its signal aborted then.
    expect(aborts).toHaveLength(3);
    for (const [i, s] of starts.entries()) {
      expect(aborts[i]! - s).toBeGreaterThanOrEqual(195);
      expect(aborts[i]! - s).toBeLessThan(1_500);
    }
    // Retry n waits 100 ms × 2^(n-1) after the timeout: ≥ 200 + 100, then ≥ 200 + 200.
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(290);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(390);
  });

  it('fails a payload that breaks the schema, and an unknown job name, at once and without retries', async () => {
    const runs: unknown[] = [];
    start(async (p) => {
      runs.push(p);
      return 'done';
    }, 5_000);
    // The registry gives event.dispatch 10 attempts; validation failures must not use them.
    const bad = await events.add('event.dispatch', { outboxId: 'not-a-number', eventId: 'x' }, jobOptions('event.dispatch'));
    const unknown = await events.add('event.nonexistent', { x: 1 }, { attempts: 5 });
    const good = await events.add('event.dispatch', payload(), jobOptions('event.dispatch'));

    await waitFor('the invalid jobs to fail and the valid one to complete', async () => {
      const states = await Promise.all([stateOf(bad.id!), stateOf(unknown.id!), stateOf(good.id!)]);
      return states.join() === 'failed,failed,completed';
    });
    const badJob = (await events.getJob(bad.id!)) as Job;
    expect(badJob.opts.attempts).toBe(10);
    expect(badJob.attemptsMade).toBe(1);
    expect(badJob.failedReason).toMatch(/invalid payload for event\.dispatch/);
    expect(badJob.failedReason).toMatch(/outboxId/);
    const unknownJob = (await events.getJob(unknown.id!)) as Job;
    expect(unknownJob.attemptsMade).toBe(1);
    expect(unknownJob.failedReason).toMatch(/unknown job "event.nonexistent"/);
    expect(runs).toEqual([good.data]); // the handler only ever saw the valid payload
    expect((await events.getJob(good.id!))?.returnvalue).toBe('done');
  });

  it('records the outcome a handler reports as the job result and logs it with the job id', async () => {
    const lines = start(async (p) => (p.eventType === 'Again' ? 'skipped' : 'done'), 5_000);
    const done = await events.add('event.dispatch', payload(), jobOptions('event.dispatch'));
    const skipped = await events.add('event.dispatch', { ...payload(), eventType: 'Again' }, jobOptions('event.dispatch'));
    await waitFor(
      'both jobs to complete',
      async () => (await stateOf(done.id!)) === 'completed' && (await stateOf(skipped.id!)) === 'completed',
    );
    expect((await events.getJob(done.id!))?.returnvalue).toBe('done');
    expect((await events.getJob(skipped.id!))?.returnvalue).toBe('skipped');
    const finished = lines.filter((l) => l.msg === 'job finished');
    expect(finished.map((l) => [l.jobId, l.job, l.outcome]).toSorted()).toEqual(
      [
        [done.id, 'event.dispatch', 'done'],
        [skipped.id, 'event.dispatch', 'skipped'],
      ].toSorted(),
    );
  });

  it('close() lets the running job finish before it resolves', async () => {
    let startedAt = 0;
    let finishedAt = 0;
    let abortedDuringWork: boolean | undefined;
    start(async (_p, { signal }) => {
      startedAt = Date.now();
      await sleep(600); // the job's work
      abortedDuringWork = signal.aborted;
      finishedAt = Date.now();
      return 'done';
    }, 5_000);
    const job = await events.add('event.dispatch', payload(), jobOptions('event.dispatch'));
    await waitFor('the job to start', () => startedAt > 0);

    const running = worker!;
    worker = undefined;
    let closedAt = 0;
    const closing = running.close().then(() => {
      closedAt = Date.now();
    });
    expect(finishedAt).toBe(0);
    await closing;
    expect(finishedAt).toBeGreaterThan(0);
    expect(closedAt).toBeGreaterThanOrEqual(finishedAt);
    expect(abortedDuringWork).toBe(false);
    expect(await stateOf(job.id!)).toBe('completed');
    expect((await events.getJob(job.id!))?.returnvalue).toBe('done');
  });
});
