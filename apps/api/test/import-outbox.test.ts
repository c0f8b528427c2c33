/**
 * An upload accepted while Redis is down is not lost: the API takes it (the import and its ImportQueued
 * event commit together in PostgreSQL; nothing is enqueued to Redis), and a worker that runs once Redis is
 * reachable relays the event and issues the file.
 */
import { freePort } from '@app/devkit';
import { createLogger } from '@app/logger';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lazyApiServices } from '../../worker/src/api-services.ts';
import { type Runtime, startRuntime } from '../../worker/src/runtime.ts';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';
import { countInvoices, csv, importEvents, settledImport, uploadImport } from './import-helpers.ts';

let t: TestApp;
let admin: string;
let runtime: Runtime | undefined;

beforeAll(async () => {
  // Nothing listens on this port: the API runs without Redis (rate limits fall back to memory).
  t = await createTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, OUTBOX_POLL_MS: '50' });
  ({ admin } = await setupIssuer(t));
});
afterAll(async () => {
  await runtime?.stop();
  await t?.close();
});

describe('an import accepted while Redis is down', () => {
  it('is answered 202, waits in the outbox, and is issued once a worker reaches Redis', async () => {
    expect(t.deps.redis.status).not.toBe('ready');
    const r = await uploadImport(t, admin, {
      content: csv(
        ['ref', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'],
        [
          ['A', 'S1', 'Y', 'x', '1', '10'],
          ['B', 'S1', 'Y', 'y', '2', '10'],
        ],
      ),
    });
    expect(r.statusCode, r.body).toBe(202);
    const id = r.json().id;
    expect(await importEvents(t, id)).toEqual([expect.objectContaining({ event_type: 'ImportQueued', dispatched_at: null })]);

    // The worker (same database, storage and keys) with a Redis that is up.
    const config = { ...t.deps.config, REDIS_URL: inject('redisUrl') };
    const log = createLogger({ name: 'worker-test', level: 'silent' });
    const { db, pool, storage } = t.deps;
    runtime = startRuntime({ config, db, log, api: lazyApiServices({ config, db, pool, storage, log }) });
    const done = await settledImport(t, admin, id);
    expect(done).toMatchObject({ status: 'done', counts: { total: 2, issued: 2, failed: 0 } });
    expect(await countInvoices(t, `import:${id}`)).toBe(2);
  });
});
