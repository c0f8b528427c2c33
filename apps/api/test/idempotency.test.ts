import { randomUUID } from 'node:crypto';
import { DomainError } from '@app/domain';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let token: string;
let executions = 0;

beforeAll(async () => {
  t = await createTestApp(
    {},
    {
      // A write route of the test's own, so the test can count handler executions exactly.
      beforeReady: (app) => {
        app.post('/api/v1/test/echo', { config: { access: 'authenticated', audit: 'user.update' } }, async (req, reply) => {
          executions++;
          const body = req.body as { fail?: string; slowMs?: number; value?: unknown };
          if (body.slowMs) await new Promise((r) => setTimeout(r, body.slowMs));
          if (body.fail === 'server') throw new Error('boom');
          if (body.fail === 'domain') throw new DomainError('CONFLICT', 'a deterministic refusal');
          return reply.transact(201, async (trx) => {
            const r = await sql<{ n: string }>`SELECT nextval('sys_audit_logs_id_seq')::text AS n`.execute(trx);
            return { n: r.rows[0]?.n, value: body.value ?? null };
          });
        });
      },
    },
  );
  token = (await t.login()).accessToken;
});
afterAll(() => t.close());

const echo = (key: string | null, payload: unknown, tok = token) =>
  t.call({ method: 'POST', url: '/api/v1/test/echo', payload: payload as object, token: tok, idempotencyKey: key });

describe('Idempotency-Key', () => {
  it('is required on writes, and must be sane', async () => {
    const missing = await echo(null, { value: 1 });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_MISSING', details: { field: 'headers.idempotency-key' } });
    for (const bad of ['has space', 'x'.repeat(256), 'tab\tkey', '中文']) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/test/echo',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': bad },
        payload: {},
      });
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().code).toBe('IDEMPOTENCY_KEY_INVALID');
    }
  });

  it('same key + same payload replays the first response, with Idempotent-Replayed', async () => {
    const key = randomUUID();
    const a = await echo(key, { value: { b: 2, a: 1 } });
    expect(a.statusCode).toBe(201);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    // Key order in the body does not matter.
    const b = await echo(key, { value: { a: 1, b: 2 } });
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json()).toEqual(a.json());
  });

  it('same key + different payload is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const key = randomUUID();
    expect((await echo(key, { value: 1 })).statusCode).toBe(201);
    const r = await echo(key, { value: 2 });
    expect(r.statusCode).toBe(409);
    expect(r.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('keys are scoped per caller', async () => {
    const key = randomUUID();
    const other = (await t.login()).accessToken; // same user, but a key of a different caller is needed:
    const client = await t.clientToken();
    const a = await echo(key, { value: 1 }, other);
    const b = await echo(key, { value: 1 }, client);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().n).not.toBe(a.json().n);
  });

  it('20 parallel requests with one key run the handler exactly once', async () => {
    const key = randomUUID();
    const before = executions;
    const results = await Promise.all(Array.from({ length: 20 }, () => echo(key, { value: 'p', slowMs: 200 })));
    expect(executions - before).toBe(1);
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1 + results.filter((r) => r.headers['idempotent-replayed']).length);
    const inProgress = results.filter((r) => r.statusCode === 409);
    expect(inProgress.length + codes.filter((c) => c === 201).length).toBe(20);
    for (const r of inProgress) {
      expect(r.json().code).toBe('IDEMPOTENCY_IN_PROGRESS');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // One successful write in the audit log; the refused duplicates are recorded as failures (409).
    const audits = await t.deps.db
      .selectFrom('sys_audit_logs')
      .select(['outcome', 'status_code'])
      .where(
        'request_id',
        'in',
        results.map((r) => r.headers['x-request-id'] as string),
      )
      .execute();
    expect(audits.filter((a) => a.outcome === 'success')).toHaveLength(1);
    expect(audits.filter((a) => a.outcome === 'failure').every((a) => a.status_code === 409)).toBe(true);
    // After it finished, the same request replays.
    const again = await echo(key, { value: 'p', slowMs: 200 });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(executions - before).toBe(1);
  });

  it('a 5xx releases the key (the retry runs); a 4xx outcome is stored and replayed', async () => {
    const k1 = randomUUID();
    const e0 = executions;
    const r500 = await echo(k1, { fail: 'server' });
    expect(r500.statusCode).toBe(500);
    expect(r500.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(r500.body).not.toContain('boom');
    const retry = await echo(k1, { fail: 'server' });
    expect(retry.statusCode).toBe(500);
    expect(executions - e0).toBe(2);

    const k2 = randomUUID();
    const r409 = await echo(k2, { fail: 'domain' });
    expect(r409.statusCode).toBe(409);
    const again = await echo(k2, { fail: 'domain' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().message).toBe('a deterministic refusal');
    expect(executions - e0).toBe(3);
  });

  it('keys expire after 24 h; an expired key runs as new; a stale in-flight claim is taken over', async () => {
    const row = await t.deps.db
      .selectFrom('sys_idempotency_keys')
      .select(['created_at', 'expires_at'])
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(24 * 3600 * 1000);

    const key = randomUUID();
    const first = await echo(key, { value: 'x' });
    await t.deps.db
      .updateTable('sys_idempotency_keys')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('idempotency_key', '=', key)
      .execute();
    const second = await echo(key, { value: 'x' });
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.json().n).not.toBe(first.json().n);

    // A claim left in flight by a crashed process (no response, lease over) is taken over.
    const k3 = randomUUID();
    const caller = `user:${(await t.call({ url: '/api/v1/auth/me', token })).json().id}`;
    await t.deps.db
      .insertInto('sys_idempotency_keys')
      .values({
        caller,
        idempotency_key: k3,
        method: 'POST',
        path: '/api/v1/test/echo',
        request_hash: 'will-not-match',
        locked_until: sql`now() + interval '1 minute'`,
      })
      .execute();
    const busy = await echo(k3, { value: 'y' });
    expect(busy.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    await t.deps.db.deleteFrom('sys_idempotency_keys').where('idempotency_key', '=', k3).execute();
    const ok1 = await echo(k3, { value: 'y' });
    await t.deps.db
      .updateTable('sys_idempotency_keys')
      .set({ response_status: null, response_body: null, locked_until: sql`now() - interval '1 second'` })
      .where('idempotency_key', '=', k3)
      .execute();
    const taken = await echo(k3, { value: 'y' });
    expect(taken.statusCode).toBe(201);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    expect(ok1.statusCode).toBe(201);
  });
});
