/**
 * event.dispatch against real PostgreSQL: delivers an outbox event to every subscriber and marks the row
 * processed once; a redelivered job (sequential or concurrent) is `skipped` and never counted twice; a
 * failing subscriber leaves the row unprocessed so the retry delivers it.
 */
import type { JobContext } from '@app/jobs';
import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventDispatchHandler } from '../src/jobs/event.dispatch.ts';
import { createSubscriberRegistry, type OutboxEvent } from '../src/subscribers.ts';
import { captureLogger, commitUserCreated, openTestDb, outboxRows, type TestDb } from './helpers.ts';

describe('event.dispatch', () => {
  let t: TestDb;
  const ctx = (): JobContext => ({ jobId: 'test', attempt: 1, signal: new AbortController().signal, log: captureLogger().log });
  const payloadOf = async (id: string) => {
    const row = await t.db
      .selectFrom('sys_outbox')
      .select(['id', 'event_id', 'event_type'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return { outboxId: row.id, eventId: row.event_id, eventType: row.event_type };
  };

  beforeAll(async () => {
    t = await openTestDb();
  });
  afterAll(() => t?.close());

  it('hands the event to each subscriber in order, then marks it processed; a redelivery is skipped', async () => {
    const [id] = await commitUserCreated(t.db, 1);
    const seen: [string, OutboxEvent][] = [];
    const subscribers = createSubscriberRegistry();
    subscribers.subscribe('first', async (e) => void seen.push(['first', e]));
    subscribers.subscribe('second', async (e) => void seen.push(['second', e]));
    const handler = createEventDispatchHandler({ db: t.db, subscribers });
    const payload = await payloadOf(id!);

    expect(await handler(payload, ctx())).toBe('done');
    expect(seen.map(([name]) => name)).toEqual(['first', 'second']);
    expect(seen[0]![1]).toMatchObject({
      outboxId: id,
      eventId: payload.eventId,
      type: 'UserCreated',
      version: 1,
      aggregateType: 'user',
    });
    expect(seen[0]![1].payload).toMatchObject({ username: 'user0', roles: ['clerk'] });

    expect(await handler(payload, ctx())).toBe('skipped');
    expect(seen).toHaveLength(2);
    expect((await outboxRows(t.db, [id!]))[0]).toMatchObject({ process_count: 1 });
  });

  it('two concurrent deliveries of one event mark it processed once: one done, one skipped', async () => {
    const [id] = await commitUserCreated(t.db, 1);
    const subscribers = createSubscriberRegistry();
    // Both deliveries are inside the subscriber before either marks the row.
    let inside = 0;
    let release!: () => void;
    const bothInside = new Promise<void>((resolve) => {
      release = resolve;
    });
    subscribers.subscribe('slow', async () => {
      if (++inside === 2) release();
      await bothInside;
    });
    const handler = createEventDispatchHandler({ db: t.db, subscribers });
    const payload = await payloadOf(id!);
    const outcomes = await Promise.all([handler(payload, ctx()), handler(payload, ctx())]);
    expect(outcomes.toSorted()).toEqual(['done', 'skipped']);
    expect((await outboxRows(t.db, [id!]))[0]).toMatchObject({ process_count: 1 });
  });

  it('a failing subscriber fails the job and leaves the row unprocessed for the retry', async () => {
    const [id] = await commitUserCreated(t.db, 1);
    const subscribers = createSubscriberRegistry();
    let fail = true;
    subscribers.subscribe('flaky', async () => {
      if (fail) throw new Error('webhook endpoint down');
    });
    const handler = createEventDispatchHandler({ db: t.db, subscribers });
    const payload = await payloadOf(id!);
    await expect(handler(payload, ctx())).rejects.toThrow(/subscriber "flaky" failed on UserCreated .*: webhook endpoint down/);
    expect((await outboxRows(t.db, [id!]))[0]).toMatchObject({ processed_at: null, process_count: 0 });
    fail = false;
    expect(await handler(payload, ctx())).toBe('done');
    expect((await outboxRows(t.db, [id!]))[0]).toMatchObject({ process_count: 1 });
  });

  it('skips a job whose row is gone and refuses one whose row holds another event', async () => {
    const [id] = await commitUserCreated(t.db, 1);
    const handler = createEventDispatchHandler({ db: t.db, subscribers: createSubscriberRegistry() });
    const payload = await payloadOf(id!);
    await expect(handler({ ...payload, eventId: crypto.randomUUID() }, ctx())).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await outboxRows(t.db, [id!]))[0]).toMatchObject({ process_count: 0 });
    expect(await handler({ ...payload, outboxId: '999999999' }, ctx())).toBe('skipped');
  });

  it('refuses a second subscriber with the same name', () => {
    const subscribers = createSubscriberRegistry();
    subscribers.subscribe('webhooks', async () => {});
    expect(() => subscribers.subscribe('webhooks', async () => {})).toThrow(/already registered/);
  });
});
