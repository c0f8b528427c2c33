/**
 * Retries and dead letters against real Redis and PostgreSQL: a job type's explicit retry schedule is
 * followed try by try; a job that uses up its retries, or fails unrecoverably, lands in sys_dead_letters
 * with its type, class, payload, attempts, last error and first/last failure time; a CircuitOpenError
 * puts the job back without using an attempt; a dead-letter write that fails is retried.
 */
import { testConfig } from '@app/devkit/testing';
import {
  createCircuitBreaker,
  createCircuitBreakerRegistry,
  createQueues,
  createRedis,
  type JobHandler,
  type JobHandlers,
  jobOptions,
  type Queues,
  queueFor,
  readCircuitStates,
} from '@app/jobs';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterStore, type DeadLetter, firstFailureIn } from '../src/dead-letter.ts';
import { startRuntime } from '../src/runtime.ts';
import { type RunningWorker, startWorker, type WorkerDeps } from '../src/worker.ts';
import { captureLogger, openTestDb, skippingHandlers, type TestDb, waitFor } from './helpers.ts';

const deadLetters = (t: TestDb) =>
  t.db
    .selectFrom('sys_dead_letters')
    .select([
      'queue',
      'job_id',
      'job_name',
      'priority_class',
      'payload',
      'attempts',
      'max_attempts',
      'last_error',
      'error_stack',
      'first_failed_at',
      'last_failed_at',
      'retried_at',
    ])
    .orderBy('id')
    .execute();

describe('retry schedules, dead letters and open circuits', () => {
  const config = testConfig('postgres://unused@127.0.0.1:1/unused');
  let t: TestDb;
  let connection: Redis;
  let producer: Redis;
  let queues: Queues;
  let worker: RunningWorker | undefined;

  const start = (handlers: Partial<JobHandlers>, extra: Partial<WorkerDeps> = {}) => {
    const { log, lines } = captureLogger();
    worker = startWorker({
      connection,
      prefix: config.REDIS_KEY_PREFIX,
      handlers: { ...skippingHandlers(), ...handlers },
      timeouts: { general: 5_000, report: 60_000 },
      concurrency: 2,
      log,
      deadLetters: createDeadLetterStore(t.db),
      ...extra,
    });
    return lines;
  };

  beforeAll(async () => {
    t = await openTestDb();
    connection = createRedis(config.REDIS_URL, 'worker');
    producer = createRedis(config.REDIS_URL, 'client');
    queues = createQueues(producer, config.REDIS_KEY_PREFIX);
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await t.db.deleteFrom('sys_dead_letters').execute();
  });
  afterAll(async () => {
    for (const q of Object.values(queues)) if (typeof q !== 'function') await q.obliterate({ force: true });
    await queues.close();
    connection.disconnect();
    producer.disconnect();
    await t?.close();
  });

  it('follows the retry schedule try by try, then stores a dead letter with everything an operator needs', async () => {
    const starts: number[] = [];
    start({
      'maintenance.cleanup': async () => {
        starts.push(Date.now());
        throw new Error(`Turnkey folder unavailable (try ${starts.length})`);
      },
    });
    // A Turnkey-like schedule, shortened: 1 min, 5 min, 15 min → 150 ms, 600 ms, 300 ms.
    const schedule = [150, 600, 300];
    const queue = queues[queueFor('maintenance.cleanup')];
    const job = await queue.add(
      'maintenance.cleanup',
      {},
      jobOptions('maintenance.cleanup', { retry: { kind: 'schedule', delaysMs: schedule } }),
    );

    const [row] = await waitFor('the dead letter', async () => {
      const rows = await deadLetters(t);
      return rows.length ? rows : null;
    });
    expect(starts).toHaveLength(4); // the first try and one retry per delay
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    for (const [i, gap] of gaps.entries()) {
      expect(gap).toBeGreaterThanOrEqual(schedule[i]! - 5);
      expect(gap).toBeLessThan(schedule[i]! + 1_000);
    }
    expect(gaps[1]! - gaps[0]!).toBeGreaterThan(200); // 600 after 150: the schedule, not a fixed delay
    expect(gaps[1]! - gaps[2]!).toBeGreaterThan(100); // then 300: not exponential either

    expect(row).toMatchObject({
      queue: 'p4-maintenance',
      job_id: job.id,
      job_name: 'maintenance.cleanup',
      priority_class: 'P4',
      payload: {},
      attempts: 4,
      max_attempts: 4,
      last_error: 'Turnkey folder unavailable (try 4)',
      retried_at: null,
    });
    expect(row!.error_stack).toMatch(/Turnkey folder unavailable/);
    // First failure: the end of the first try; last failure: the end of the fourth.
    expect(row!.first_failed_at.getTime()).toBeGreaterThanOrEqual(starts[0]! - 5);
    expect(row!.first_failed_at.getTime()).toBeLessThan(starts[1]!);
    expect(row!.last_failed_at.getTime()).toBeGreaterThanOrEqual(starts[3]! - 5);

    // BullMQ keeps the failed job 7 days, with one log line per failed try.
    const failed = await queue.getJob(job.id!);
    expect(await failed?.getState()).toBe('failed');
    const { logs } = await queue.getJobLogs(job.id!);
    expect(logs).toHaveLength(4);
    expect(logs[0]).toMatch(/^try 1\/4 failed at \S+: Turnkey folder unavailable \(try 1\)$/);
    expect(firstFailureIn(logs)?.getTime()).toBe(row!.first_failed_at.getTime());
  });

  it('stores an unrecoverable failure at once, having used 1 of its attempts', async () => {
    start({
      'period.close': async () => {
        throw new UnrecoverableError('period 11411 has not ended yet');
      },
    });
    const job = await queues[queueFor('period.close')].add('period.close', { period: '11412' }, jobOptions('period.close'));
    // An invalid payload is unrecoverable too: it never reaches the handler.
    const bad = await queues[queueFor('event.dispatch')].add('event.dispatch', { outboxId: 'x' }, jobOptions('event.dispatch'));
    const rows = await waitFor('both dead letters', async () => {
      const r = await deadLetters(t);
      return r.length === 2 ? r : null;
    });
    const byJob = Object.fromEntries(rows.map((r) => [r.job_name, r]));
    expect(byJob['period.close']).toMatchObject({
      job_id: job.id,
      priority_class: 'P3',
      payload: { period: '11412' },
      attempts: 1,
      max_attempts: 5,
      last_error: 'period 11411 has not ended yet',
    });
    expect(byJob['period.close']!.first_failed_at).toEqual(byJob['period.close']!.last_failed_at);
    expect(byJob['event.dispatch']).toMatchObject({
      job_id: bad.id,
      priority_class: 'P2',
      queue: 'p2-workflow',
      payload: { outboxId: 'x' },
      attempts: 1,
      max_attempts: 10,
    });
    expect(byJob['event.dispatch']!.last_error).toMatch(/invalid payload for event\.dispatch/);
  });

  it('a CircuitOpenError, even wrapped, delays the job without using an attempt; it completes once the circuit closes', async () => {
    const breaker = createCircuitBreaker({ name: 'turnkey-folder', failureThreshold: 1, openMs: 400 });
    let calls = 0;
    const runs: number[] = [];
    const dependency = async () => {
      calls++;
      if (calls === 1) throw new Error('EIO: folder gone');
    };
    const handler: JobHandler<'maintenance.cleanup'> = async () => {
      runs.push(Date.now());
      try {
        await breaker.run(dependency);
      } catch (e) {
        throw new Error('cleanup could not reach its folder', { cause: e });
      }
      return 'done';
    };
    const lines = start({ 'maintenance.cleanup': handler });
    const queue = queues[queueFor('maintenance.cleanup')];
    // Two attempts only: if the refusals while open used attempts, the job would die.
    const job = await queue.add(
      'maintenance.cleanup',
      {},
      { ...jobOptions('maintenance.cleanup'), attempts: 2, backoff: { type: 'fixed', delay: 20 } },
    );
    await waitFor('the job to complete', async () => (await queue.getJob(job.id!))?.finishedOn, 15_000);
    const done = await queue.getJob(job.id!);
    expect(await done?.getState()).toBe('completed');
    expect(done?.returnvalue).toBe('done');
    // Counted: the failed try and the one that succeeded; the refused run only shows as a start.
    expect(done?.attemptsMade).toBe(2);
    expect(done?.attemptsStarted).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeGreaterThanOrEqual(3); // failed, refused (open), then the probe that closed it
    expect(calls).toBe(2); // the refused run never reached the dependency
    expect(runs.at(-1)! - runs[0]!).toBeGreaterThanOrEqual(380); // it waited for the breaker's openMs
    const deferred = lines.filter((l) => l.msg?.startsWith('dependency circuit open'));
    expect(deferred.length).toBeGreaterThanOrEqual(1);
    expect(deferred[0]).toMatchObject({ breaker: 'turnkey-folder', jobId: job.id });
    expect(breaker.state()).toBe('closed');
    expect(await deadLetters(t)).toEqual([]);
  });

  it('retries a dead-letter write that fails (the database restarting), and records it once', async () => {
    const store = createDeadLetterStore(t.db);
    let tries = 0;
    const flaky = {
      record: async (d: DeadLetter) => {
        tries++;
        if (tries <= 2) throw new Error('connection terminated');
        await store.record(d);
        await store.record(d); // a write retried after it did commit adds nothing
      },
    };
    start({ 'maintenance.cleanup': async () => Promise.reject(new UnrecoverableError('broken')) }, { deadLetters: flaky });
    await queues[queueFor('maintenance.cleanup')].add('maintenance.cleanup', {}, jobOptions('maintenance.cleanup'));
    await waitFor('the dead letter', async () => (await deadLetters(t)).length === 1, 10_000);
    expect(tries).toBe(3);
    expect((await deadLetters(t))[0]).toMatchObject({ job_name: 'maintenance.cleanup', last_error: 'broken' });
  });

  it('the runtime logs breaker state changes and publishes them to Redis for the metrics', async () => {
    const breakers = createCircuitBreakerRegistry();
    const { log, lines } = captureLogger();
    const rc = testConfig(t.url);
    const runtime = startRuntime({ config: rc, db: t.db, log, breakers });
    try {
      const b = breakers.get({ name: 'turnkey-folder', failureThreshold: 1, openMs: 60_000 });
      await expect(b.run(() => Promise.reject(new Error('EACCES')))).rejects.toThrow('EACCES');
      const [state] = await waitFor('the published state', async () => {
        const s = await readCircuitStates(producer, rc.REDIS_KEY_PREFIX);
        return s.length ? s : null;
      });
      expect(state).toMatchObject({ name: 'turnkey-folder', state: 'open', consecutiveFailures: 1, lastError: 'EACCES' });
      expect(lines.find((l) => l.msg === 'circuit "turnkey-folder" open')).toMatchObject({ level: 'warn', from: 'closed' });
    } finally {
      await runtime.stop();
    }
  });
});
