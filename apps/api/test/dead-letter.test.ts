/**
 * Dead letters through the API: list (filters, keyset pages), retry (the job goes back under the same
 * id, once, even when two retries race), purge by age and type; turnkey.manage only; every write needs
 * an Idempotency-Key and leaves an audit entry.
 */
import { randomUUID } from 'node:crypto';
import { bullPrefix, queueFor } from '@app/jobs';
import { type Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;

const DAY = 24 * 3600 * 1000;

async function insertDeadLetter(
  v: Partial<{ queue: string; jobId: string; jobName: string; cls: string; payload: unknown; daysAgo: number }> = {},
) {
  const last = new Date(Date.now() - (v.daysAgo ?? 0) * DAY);
  const r = await t.deps.db
    .insertInto('sys_dead_letters')
    .values({
      queue: v.queue ?? 'p2-workflow',
      job_id: v.jobId ?? `outbox-${randomUUID()}`,
      job_name: v.jobName ?? 'event.dispatch',
      priority_class: v.cls ?? 'P2',
      payload: JSON.stringify(v.payload ?? { outboxId: '1', eventId: randomUUID(), eventType: 'UserCreated' }),
      attempts: 10,
      max_attempts: 10,
      last_error: 'subscriber "webhook" failed: ECONNREFUSED',
      error_stack: 'Error: ECONNREFUSED\n    at somewhere',
      first_failed_at: new Date(last.getTime() - 3600_000),
      last_failed_at: last,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Put a job into the failed set of `queue` under `jobId`, as a final failure would. */
async function failedJob(queue: Queue, name: string, data: unknown, jobId: string) {
  await queue.add(name, data, { jobId, attempts: 1 });
  const worker = new Worker(
    queue.name,
    async () => {
      throw new UnrecoverableError('ECONNREFUSED');
    },
    { connection: t.deps.redis.duplicate({ maxRetriesPerRequest: null }), prefix: bullPrefix(t.deps.config.REDIS_KEY_PREFIX) },
  );
  while ((await (await queue.getJob(jobId))?.getState()) !== 'failed') await new Promise((r) => setTimeout(r, 20));
  await worker.close();
  await worker.disconnect();
}

const auditOf = (action: string) =>
  t.deps.db
    .selectFrom('sys_audit_logs')
    .select(['action', 'outcome', 'target_type', 'target_id', 'summary', 'actor_name'])
    .where('action', '=', action)
    .orderBy('id')
    .execute();

beforeAll(async () => {
  t = await createTestApp({ LOGIN_IP_MAX_PER_MINUTE: '1000' });
  admin = (await t.login()).accessToken;
});
afterAll(async () => {
  for (const q of Object.values(t.deps.queues)) if (typeof q !== 'function') await q.obliterate({ force: true });
  await t.close();
});

describe('dead letters', () => {
  it('lists newest first with keyset pages, filtered by job type, class and status', async () => {
    await t.deps.db.deleteFrom('sys_dead_letters').execute();
    const ids = [
      await insertDeadLetter(),
      await insertDeadLetter({ jobName: 'maintenance.cleanup', queue: 'p4-maintenance', cls: 'P4', payload: {} }),
      await insertDeadLetter(),
      await insertDeadLetter(),
    ];
    const page1 = await t.call({ url: '/api/v1/dead-letters?jobName=event.dispatch&limit=2', token: admin });
    expect(page1.statusCode).toBe(200);
    const body1 = page1.json();
    expect(body1.items.map((d: { id: string }) => d.id)).toEqual([ids[3], ids[2]]);
    expect(body1.items[0]).toMatchObject({
      status: 'dead',
      queue: 'p2-workflow',
      jobName: 'event.dispatch',
      priorityClass: 'P2',
      attempts: 10,
      maxAttempts: 10,
      lastError: 'subscriber "webhook" failed: ECONNREFUSED',
      retriedAt: null,
    });
    expect(Date.parse(body1.items[0].firstFailedAt)).toBeLessThan(Date.parse(body1.items[0].lastFailedAt));
    const page2 = await t.call({
      url: `/api/v1/dead-letters?jobName=event.dispatch&limit=2&cursor=${body1.nextCursor}`,
      token: admin,
    });
    expect(page2.json()).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

    const p4 = await t.call({ url: '/api/v1/dead-letters?priorityClass=P4', token: admin });
    expect(p4.json().items.map((d: { id: string }) => d.id)).toEqual([ids[1]]);
    const retried = await t.call({ url: '/api/v1/dead-letters?status=retried', token: admin });
    expect(retried.json().items).toEqual([]);
    expect((await t.call({ url: `/api/v1/dead-letters/${ids[1]}`, token: admin })).json()).toMatchObject({
      jobName: 'maintenance.cleanup',
      payload: {},
    });
    expect((await t.call({ url: '/api/v1/dead-letters/999999', token: admin })).statusCode).toBe(404);
    expect((await t.call({ url: '/api/v1/dead-letters?cursor=abc', token: admin })).statusCode).toBe(400);
  });

  it('needs turnkey.manage: a POS client is refused', async () => {
    const pos = await t.clientToken();
    const r = await t.call({ url: '/api/v1/dead-letters', token: pos });
    expect(r.statusCode).toBe(403);
    expect(r.json().code).toBe('FORBIDDEN');
  });

  it('retry puts the failed job back under the same id, marks the row, is audited and replays on the same key', async () => {
    const queue = t.deps.queues[queueFor('event.dispatch')];
    const jobId = `outbox-${randomUUID()}`;
    const payload = { outboxId: '42', eventId: randomUUID(), eventType: 'InvoiceIssued' };
    await failedJob(queue, 'event.dispatch', payload, jobId);
    const id = await insertDeadLetter({ jobId, payload });

    expect(
      (await t.call({ method: 'POST', url: `/api/v1/dead-letters/${id}/retry`, token: admin, idempotencyKey: null })).json(),
    ).toMatchObject({ statusCode: 400, code: 'IDEMPOTENCY_KEY_MISSING' });

    const key = randomUUID();
    const r = await t.call({ method: 'POST', url: `/api/v1/dead-letters/${id}/retry`, token: admin, idempotencyKey: key });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      id,
      status: 'retried',
      retryJobId: jobId,
      retriedBy: 'user:admin',
      requeue: { outcome: 'retried', queue: 'p2-workflow', jobId, state: 'waiting' },
    });
    const job = await queue.getJob(jobId);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.attemptsMade).toBe(0);
    expect(job?.data).toEqual(payload);

    // The same key replays the answer; a new key finds the row retried.
    const replay = await t.call({ method: 'POST', url: `/api/v1/dead-letters/${id}/retry`, token: admin, idempotencyKey: key });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(r.json());
    const again = await t.call({ method: 'POST', url: `/api/v1/dead-letters/${id}/retry`, token: admin });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('DEAD_LETTER_ALREADY_RETRIED');
    expect(await queue.getWaitingCount()).toBe(1);

    const audit = (await auditOf('dead_letter.retry')).filter((a) => a.target_id === id);
    expect(audit.map((a) => a.outcome)).toEqual(['success', 'failure']);
    expect(audit[0]).toMatchObject({ target_type: 'dead_letter', actor_name: 'admin' });
    expect(audit[0]!.summary).toMatchObject({
      before: { status: 'dead', jobId },
      after: { status: 'retried', retryJobId: jobId },
      note: { requeue: { outcome: 'retried' } },
    });
  });

  it('two retries of one row at once: one wins, the job is queued once', async () => {
    const queue = t.deps.queues[queueFor('event.dispatch')];
    await queue.obliterate({ force: true });
    // Its job is gone from Redis (retention over) and had an auto-numbered id: it is added anew under dead-letter-<id>.
    const payload = { outboxId: '43', eventId: randomUUID(), eventType: 'InvoiceIssued' };
    const id = await insertDeadLetter({ jobId: '17', payload });
    const [a, b] = await Promise.all([
      t.call({ method: 'POST', url: `/api/v1/dead-letters/${id}/retry`, token: admin }),
      t.call({ method: 'POST', url: `/api/v1/dead-letters/${id}/retry`, token: admin }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const won = a.statusCode === 200 ? a : b;
    expect(won.json()).toMatchObject({ retryJobId: `dead-letter-${id}`, requeue: { outcome: 'added' } });
    expect(await queue.getWaitingCount()).toBe(1);
    expect((await queue.getJob(`dead-letter-${id}`))?.data).toEqual(payload);
  });

  it('refuses to retry a payload that no longer fits its job type, changing nothing', async () => {
    const id = await insertDeadLetter({ payload: { outboxId: 'not-a-number' } });
    const r = await t.call({ method: 'POST', url: `/api/v1/dead-letters/${id}/retry`, token: admin });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/not valid for event\.dispatch/) });
    expect((await t.call({ url: `/api/v1/dead-letters/${id}`, token: admin })).json().status).toBe('dead');
  });

  it('purges by age and type, audited with what it deleted', async () => {
    await t.deps.db.deleteFrom('sys_dead_letters').execute();
    const old = await insertDeadLetter({ daysAgo: 40 });
    const oldCleanup = await insertDeadLetter({ daysAgo: 40, jobName: 'maintenance.cleanup', payload: {} });
    const recent = await insertDeadLetter({ daysAgo: 1 });

    const bad = await t.call({ method: 'POST', url: '/api/v1/dead-letters/purge', token: admin, payload: { olderThanDays: -1 } });
    expect(bad.statusCode).toBe(400);
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/dead-letters/purge',
      token: admin,
      payload: { olderThanDays: 30, jobName: 'event.dispatch' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().purged).toBe(1);
    const left = (await t.call({ url: '/api/v1/dead-letters', token: admin })).json().items.map((d: { id: string }) => d.id);
    expect(left).toEqual([recent, oldCleanup]);
    expect(left).not.toContain(old);

    // The refused request is audited too (as a failure); the purge itself:
    const audits = await auditOf('dead_letter.purge');
    expect(audits.map((a) => a.outcome)).toEqual(['failure', 'success']);
    const audit = audits[1];
    expect(audit).toMatchObject({ target_type: 'dead_letter', target_id: 'purge', actor_name: 'admin' });
    expect(audit!.summary).toMatchObject({ note: { olderThanDays: 30, jobName: 'event.dispatch', purged: 1 } });
  });
});
