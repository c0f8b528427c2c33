/**
 * 10,000 events fanned out to 3 subscriptions through the worker runtime as it runs in production: outbox →
 * relay → event.dispatch → the webhooks subscriber (one delivery row per subscription and event) → nudge →
 * webhook.deliver → three real receivers on 127.0.0.1. Every request is checked by the independent verifier
 * with its subscription's secret; no event is lost, none arrives twice, and no webhook-id is shared by two
 * deliveries. Prints the time it took.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { webhookSealer } from '@app/api/services';
import { testConfig } from '@app/devkit/testing';
import { formatWebhookSecret } from '@app/domain';
import { outboxRow } from '@app/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../src/runtime.ts';
import { captureLogger, openTestDb, type TestDb, waitFor } from './helpers.ts';
import { type Receiver, startReceiver, verifyStandardWebhook } from './webhook-support.ts';

const EVENTS_N = 10_000;
const SUBSCRIPTIONS = 3;

let t: TestDb;
let runtime: Runtime | undefined;
const receivers: Receiver[] = [];

beforeAll(async () => {
  t = await openTestDb();
});
afterAll(async () => {
  await runtime?.stop();
  for (const r of receivers) await r.close();
  await t?.close();
});

describe('webhook fan-out', () => {
  it(`${EVENTS_N.toLocaleString('en')} events × ${SUBSCRIPTIONS} subscriptions: every one delivered once, signed, each delivery with its own webhook-id`, async () => {
    const config = testConfig(t.url, {
      OUTBOX_POLL_MS: '50',
      WEBHOOK_ALLOW_INTERNAL_TARGETS: 'true',
      LOG_LEVEL: 'info',
    });
    const sealer = webhookSealer(config.APP_ENCRYPTION_KEY);
    const tenantId = (
      await t.db.insertInto('sys_tenants').values({ code: 'demo', name: 'Demo' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const subs: { id: string; secret: string; rx: Receiver }[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const rx = await startReceiver();
      receivers.push(rx);
      const secret = formatWebhookSecret(randomBytes(32));
      const { id } = await t.db
        .insertInto('sys_webhooks')
        .values({
          tenant_id: tenantId,
          url: rx.url,
          event_types: i === 0 ? ['*'] : ['UserCreated'],
          secret_enc: sealer.seal(secret),
          created_by: 'user:test',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      subs.push({ id, secret, rx });
    }

    // The events, committed before the worker starts (as after an outage): the relay drains them in batches.
    const eventIds = new Set<string>();
    for (let from = 0; from < EVENTS_N; from += 1_000) {
      const rows = Array.from({ length: Math.min(1_000, EVENTS_N - from) }, (_, k) => {
        const userId = randomUUID();
        const r = outboxRow(
          'UserCreated',
          { userId, username: `user${from + k}`, roles: [] },
          { aggregateType: 'user', aggregateId: userId },
        );
        return { ...r, payload: JSON.stringify(r.payload) };
      });
      const inserted = await t.db.insertInto('sys_outbox').values(rows).returning('event_id').execute();
      for (const r of inserted) eventIds.add(r.event_id);
    }

    const { log, lines } = captureLogger();
    const started = performance.now();
    runtime = startRuntime({ config, db: t.db, log });
    // (Counting requests, cheap to poll; what they carry is checked below.)
    await waitFor(
      'a request per event at every receiver',
      () => subs.every((s) => s.rx.requests.length >= EVENTS_N),
      240_000,
      50,
    );
    const seconds = (performance.now() - started) / 1000;
    // Let anything still in flight land (a duplicate would show here).
    await new Promise((r) => setTimeout(r, 1_000));
    const total = subs.reduce((n, s) => n + s.rx.requests.length, 0);
    console.log(
      `webhook fan-out: ${EVENTS_N} events × ${SUBSCRIPTIONS} subscriptions = ${total} requests in ${seconds.toFixed(1)} s ` +
        `(${Math.round(total / seconds)} deliveries/s, from the worker's start: relay, dispatch, fan-out, signing, HTTP, recording)`,
    );

    const allIds = new Set<string>();
    for (const s of subs) {
      const nowSec = Math.floor(Date.now() / 1000);
      const events = new Set<string>();
      const ids = new Set<string>();
      for (const r of s.rx.requests) {
        const v = verifyStandardWebhook(r.headers, r.body, [s.secret], nowSec, 600);
        expect(v.ok, v.ok ? '' : v.why).toBe(true);
        const body = JSON.parse(r.body);
        expect(body.type).toBe('UserCreated');
        expect(eventIds.has(body.eventId)).toBe(true);
        events.add(body.eventId);
        ids.add(String(r.headers['webhook-id']));
        allIds.add(String(r.headers['webhook-id']));
      }
      // No loss, no duplicate: exactly one request per event, each with its own webhook-id.
      expect(events.size).toBe(EVENTS_N);
      expect(s.rx.requests.length).toBe(EVENTS_N);
      expect(ids.size).toBe(EVENTS_N);
      // A slot share per subscription: never more than WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION (4) at once.
      expect(s.rx.maxActive()).toBeLessThanOrEqual(config.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION);
    }
    // No webhook-id belongs to two deliveries, across subscriptions either.
    expect(allIds.size).toBe(EVENTS_N * SUBSCRIPTIONS);

    const states = await t.db
      .selectFrom('sys_webhook_deliveries')
      .select(['status', 'attempts', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['status', 'attempts'])
      .execute();
    expect(states.map((s) => [s.status, s.attempts, Number(s.n)])).toEqual([['succeeded', 1, EVENTS_N * SUBSCRIPTIONS]]);
    const ids = await t.db.selectFrom('sys_webhook_deliveries').select('message_id').execute();
    expect(new Set(ids.map((r) => r.message_id))).toEqual(allIds);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  }, 300_000);
});
