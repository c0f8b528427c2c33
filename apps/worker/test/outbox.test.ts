/**
 * The transactional outbox end to end: writes commit while Redis is down and their events are delivered
 * once it returns (none lost, none doubled); a relay crash between enqueue and commit creates no second
 * job; two relays on one database never dispatch a row twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type RedisServer, startRedis } from '@app/devkit';
import { testConfig } from '@app/devkit/testing';
import { bullPrefix, createRedis, outboxJobId, queueFor } from '@app/jobs';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../src/jobs/index.ts';
import { createOutboxRelay, type OutboxRelay } from '../src/outbox-relay.ts';
import { type Runtime, startRuntime } from '../src/runtime.ts';
import { createSubscriberRegistry } from '../src/subscribers.ts';
import { captureLogger, commitUserCreated, openTestDb, outboxRows, type TestDb, waitFor } from './helpers.ts';

/** A runtime whose event.dispatch handler counts its runs (by outbox id) and whose subscriber counts deliveries. */
function countingRuntime(t: TestDb, deps: Omit<Parameters<typeof startRuntime>[0], 'db' | 'handlers' | 'subscribers'>) {
  const subscribers = createSubscriberRegistry();
  const deliveries = new Map<string, number>();
  subscribers.subscribe('counter', async (event) => {
    deliveries.set(event.eventId, (deliveries.get(event.eventId) ?? 0) + 1);
  });
  const production = createHandlers({ db: t.db, subscribers });
  const runs: string[] = [];
  const runtime = startRuntime({
    ...deps,
    db: t.db,
    subscribers,
    handlers: {
      'event.dispatch': (payload, ctx) => {
        runs.push(payload.outboxId);
        return production['event.dispatch'](payload, ctx);
      },
    },
  });
  return { runtime, runs, deliveries };
}

async function jobCounts(queue: Queue) {
  const c: Record<string, number | undefined> = await queue.getJobCounts(
    'waiting',
    'prioritized',
    'active',
    'delayed',
    'completed',
    'failed',
  );
  const n = (state: string) => c[state] ?? 0;
  return {
    completed: n('completed'),
    failed: n('failed'),
    pending: n('waiting') + n('prioritized') + n('active') + n('delayed'),
  };
}

describe('outbox with Redis stopped', () => {
  const N = 200;
  let t: TestDb;
  let dir: string;
  let redis: RedisServer;
  let port: number;
  let runtime: Runtime | undefined;
  const redisOpts = () => ({ dataDir: join(dir, 'redis'), port, durable: true, logFile: join(dir, 'redis.log') });

  beforeAll(async () => {
    t = await openTestDb();
    dir = mkdtempSync(join(tmpdir(), 'worker-redis-'));
    port = await freePort();
    redis = await startRedis(redisOpts());
  });
  afterAll(async () => {
    await runtime?.stop();
    await redis?.stop();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits while Redis is down, then delivers every event exactly once when it returns', async () => {
    const config = testConfig(t.url, {
      REDIS_URL: redis.url,
      OUTBOX_POLL_MS: '50',
      OUTBOX_BATCH_SIZE: '50',
      WORKER_CONCURRENCY_P2: '8',
    });
    const { log, lines } = captureLogger();
    const c = countingRuntime(t, { config, log, relay: { maxBackoffMs: 400 } });
    runtime = c.runtime;

    // The pipeline works before the outage.
    const [warmUp] = await commitUserCreated(t.db, 1);
    await waitFor('the warm-up event to be processed', async () => (await outboxRows(t.db, [warmUp!]))[0]?.processed_at);

    await redis.stop();
    const ids = await commitUserCreated(t.db, N); // the writes commit with Redis gone

    // The relay keeps trying (and noting it on the rows) while nothing gets dispatched.
    await waitFor('several failed relay passes', async () => (await outboxRows(t.db, ids))[0]!.dispatch_attempts >= 3);
    const during = await outboxRows(t.db, ids);
    expect(during).toHaveLength(N);
    expect(during.filter((r) => r.dispatched_at !== null || r.processed_at !== null)).toEqual([]);
    expect(during[0]!.last_error).toMatch(/Redis|connect|writeable/i);
    expect(runtime.relay.isRunning()).toBe(true);
    expect(runtime.worker.isRunning()).toBe(true);
    const failingLines = lines.filter((l) => /^outbox relay failing/.test(l.msg));
    expect(failingLines).toHaveLength(1); // once per outage, not once per poll

    redis = await startRedis(redisOpts()); // same port, same data directory

    const queue = runtime.queues[queueFor('event.dispatch')];
    await waitFor(
      'every event processed and the queue idle',
      async () => {
        const rows = await outboxRows(t.db, ids);
        // The queue's fail-fast connection may still be reconnecting: that counts as "not yet".
        const counts = await jobCounts(queue).catch(() => null);
        return rows.every((r) => r.processed_at !== null) && counts?.pending === 0 && counts.completed === N + 1;
      },
      40_000,
      100,
    );

    const after = await outboxRows(t.db, ids);
    expect(after.filter((r) => r.dispatched_at === null)).toEqual([]);
    expect(after.filter((r) => r.process_count !== 1)).toEqual([]);
    // Handler runs, not just database state: one run per event, no event missed, none run twice.
    expect(c.runs).toHaveLength(N + 1);
    expect(new Set(c.runs)).toEqual(new Set([warmUp, ...ids]));
    expect([...c.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(c.deliveries.size).toBe(N + 1);
    expect((await jobCounts(queue)).failed).toBe(0);
    expect(lines.filter((l) => /^outbox relay failing/.test(l.msg))).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'outbox relay recovered')?.failures).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('stops within a few seconds while Redis is down (no hang on the reconnecting connection)', async () => {
    await runtime?.stop();
    const config = testConfig(t.url, { REDIS_URL: redis.url, OUTBOX_POLL_MS: '50' });
    const { log, lines } = captureLogger();
    runtime = startRuntime({ config, db: t.db, log });
    const [id] = await commitUserCreated(t.db, 1);
    await waitFor('the event to be processed', async () => (await outboxRows(t.db, [id!]))[0]?.processed_at);
    await redis.stop();
    const t0 = Date.now();
    await runtime.stop();
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(runtime.relay.isRunning()).toBe(false);
    // Whether the worker had to be closed without waiting depends on where its reconnect loop was.
    expect(lines.filter((l) => l.level === 'fatal')).toEqual([]);
  }, 30_000);
});

describe('outbox relay crash and concurrency (shared test Redis)', () => {
  let t: TestDb;
  let runtime: Runtime | undefined;
  const relays: OutboxRelay[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    t = await openTestDb(20);
  });
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a relay that dies between addBulk and commit re-relays the rows without a second job', async () => {
    await t.db.deleteFrom('sys_outbox').execute();
    const ids = await commitUserCreated(t.db, 50); // committed before the relay starts: batches are predictable
    const config = testConfig(t.url, { OUTBOX_POLL_MS: '20', OUTBOX_BATCH_SIZE: '25' });
    let crashed = 0;
    const { log } = captureLogger();
    const c = countingRuntime(t, {
      config,
      log,
      relay: {
        maxBackoffMs: 100,
        afterEnqueue: async () => {
          if (crashed++ === 0) throw new Error('simulated crash after addBulk, before commit');
        },
      },
    });
    runtime = c.runtime;
    const queue = runtime.queues[queueFor('event.dispatch')];

    await waitFor('all events processed and the queue idle', async () => {
      const rows = await outboxRows(t.db, ids);
      const counts = await jobCounts(queue);
      return (
        rows.every((r) => r.dispatched_at !== null && r.processed_at !== null) && counts.pending === 0 && counts.completed === 50
      );
    });

    const rows = await outboxRows(t.db, ids);
    const firstBatch = rows.slice(0, 25);
    const secondBatch = rows.slice(25);
    // The first batch went to Redis, was rolled back, noted, and relayed again: two attempts, one job each.
    expect(firstBatch.map((r) => [r.dispatch_attempts, r.last_error])).toEqual(
      firstBatch.map(() => [2, 'simulated crash after addBulk, before commit']),
    );
    expect(secondBatch.map((r) => [r.dispatch_attempts, r.last_error])).toEqual(secondBatch.map(() => [1, null]));
    expect(rows.filter((r) => r.process_count !== 1)).toEqual([]);
    const counts = await jobCounts(queue);
    expect(counts.completed + counts.failed + counts.pending).toBe(50);
    for (const r of rows) expect((await queue.getJob(outboxJobId(r.event_id)))?.returnvalue).toBe('done');
    expect(c.runs.toSorted()).toEqual(ids.toSorted());
  });

  it('two relays on the same database dispatch each row exactly once', async () => {
    await t.db.deleteFrom('sys_outbox').execute();
    const N = 600;
    const config = testConfig(t.url);
    const { log } = captureLogger();
    const seen: string[][] = [[], []];
    const queues: Queue[] = [];
    for (const i of [0, 1]) {
      // Each relay as its own process would have it: its own Redis connection and Queue.
      const redis = createRedis(config.REDIS_URL, 'client', { commandTimeout: 5_000 });
      const queue = new Queue(queueFor('event.dispatch'), { connection: redis, prefix: bullPrefix(config.REDIS_KEY_PREFIX) });
      queues.push(queue);
      closers.push(async () => {
        await queue.close();
        redis.disconnect();
      });
      relays.push(
        createOutboxRelay({
          db: t.db,
          queue,
          log,
          batchSize: 20,
          pollMs: 10,
          // A little work between enqueue and commit, so both relays hold batches at the same time.
          afterEnqueue: () => new Promise((resolve) => setTimeout(resolve, 5)),
          onDispatched: (batch) => seen[i]!.push(...batch),
        }),
      );
    }
    for (const r of relays) r.start();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(...(await commitUserCreated(t.db, N / 6))); // written while they run

    await waitFor('every row dispatched', async () => (await outboxRows(t.db, ids)).every((r) => r.dispatched_at !== null));
    await Promise.all(relays.map((r) => r.stop()));

    const [a, b] = seen as [string[], string[]];
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect([...a, ...b].toSorted()).toEqual(ids.toSorted());
    expect((await outboxRows(t.db, ids)).filter((r) => r.dispatch_attempts !== 1)).toEqual([]);
    const counts = await jobCounts(queues[0]!);
    expect(counts.pending).toBe(N);
    await queues[0]!.obliterate({ force: true });
  });
});
