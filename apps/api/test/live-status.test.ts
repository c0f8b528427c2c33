/**
 * Live status for screens, polled (platform plan §4): GET /api/v1/dashboard/summary and
 * GET /api/v1/imports/{id}/status — strong ETag and 304, the short server cache (one database read per
 * data scope per LIVE_CACHE_MS, counted as pool acquisitions), data-scope isolation of bodies and cache
 * entries, the pipeline's health, and the `poll` rate-limit bucket.
 */

import { waitFor } from '@app/devkit';
import { periodOf, taipeiIsoDate } from '@app/domain';
import { createCircuitBreaker, publishCircuitState } from '@app/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportRunService, createInvoiceService } from '../src/services.ts';
import { createTestApp, type TestApp } from './helpers.ts';
import { csv, uploadImport } from './import-helpers.ts';
import { issueAt, scopedUser, setupTwoSites, summary, type TwoSites } from './live-helpers.ts';

const ETAG = /^"[A-Za-z0-9_-]{27}"$/;
const roomy = { LOGIN_IP_MAX_PER_MINUTE: '1000', RATE_LIMIT_GENERAL_PER_MINUTE: '100000', RATE_LIMIT_POLL_PER_MINUTE: '100000' };

/** Pool connections taken while `fn` runs: every query outside a transaction takes one. */
async function dbAcquisitions(t: TestApp, fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const count = () => {
    n++;
  };
  t.deps.pool.on('acquire', count);
  try {
    await fn();
  } finally {
    t.deps.pool.off('acquire', count);
  }
  return n;
}

describe('dashboard summary: ETag and 304, one read per scope per window, scopes kept apart', () => {
  let t: TestApp;
  let s: TwoSites;
  let userA: string;
  let userA2: string;
  let userB: string;
  beforeAll(async () => {
    // A window longer than the file: whatever is cached stays cached, so "read once" does not depend on timing.
    t = await createTestApp({ ...roomy, LIVE_CACHE_MS: '60000' });
    s = await setupTwoSites(t);
    userA = await scopedUser(t, s.admin, 'manager-a', { sites: [s.siteA] });
    userA2 = await scopedUser(t, s.admin, 'manager-a2', { sites: [s.siteA] });
    userB = await scopedUser(t, s.admin, 'manager-b', { sites: [s.siteB] });
    await issueAt(t, s.admin, s.siteA);
    await issueAt(t, s.admin, s.siteA);
    await issueAt(t, s.admin, s.siteB);
  });
  afterAll(() => t?.close());

  it("answers today's counts, the pipeline and the numbers left, with a strong ETag; If-None-Match → 304, no body", async () => {
    const r = await summary(t, s.admin);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers.etag).toMatch(ETAG);
    expect(r.headers['cache-control']).toBe('private, no-cache');
    const body = r.json();
    const now = new Date();
    expect(body).toMatchObject({
      today: taipeiIsoDate(now),
      period: periodOf(now).yearMonth,
      invoices: { issued: 3, cancelled: 0, voided: 0 },
      // Each issue queued its F0401; no worker runs here, so all three wait for the hand-off.
      turnkey: { acceptedToday: 0, pending: 3, delivered: 0, rejected: 0, invalid: 0, dead: 0, atRisk: 0 },
      pipeline: { status: 'ok', problems: [], circuitBreakers: [], deadLetters: 0 },
    });
    expect(body.pipeline.outbox.backlog).toBeGreaterThanOrEqual(3); // InvoiceIssued events, no relay running
    expect(Date.parse(body.pipeline.outbox.oldestAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(body.pipeline.oldestUndeliveredAt)).toBeLessThanOrEqual(Date.now());
    // Range 0–9999 (10,000); S1 holds 1,000 numbers (2 taken), S2 500 (1 taken): 8,500 not in a block.
    expect(body.numbers).toEqual({
      lowThreshold: 500,
      sellers: [
        {
          sellerId: s.sellerId,
          ban: '04595257',
          name: 'S',
          invoiceType: '07',
          total: 10_000,
          taken: 3,
          remaining: 8_500 + 998 + 499,
        },
      ],
      sites: [
        expect.objectContaining({ siteId: s.siteA, code: 'S1', sellerId: s.sellerId, remaining: 998, low: false }),
        // Fewer than TRACK_LOW_THRESHOLD (500) left: flagged, as the TrackLow check would.
        expect.objectContaining({ siteId: s.siteB, code: 'S2', sellerId: s.sellerId, remaining: 499, low: true }),
      ],
    });

    const etag = r.headers.etag as string;
    const again = await summary(t, s.admin, etag);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    // Weak comparison (a proxy may weaken it) and lists count too; another tag does not.
    expect((await summary(t, s.admin, `W/${etag}`)).statusCode).toBe(304);
    expect((await summary(t, s.admin, `"nope", ${etag}`)).statusCode).toBe(304);
    const other = await summary(t, s.admin, '"somethingelse"');
    expect(other.statusCode).toBe(200);
    expect(other.json()).toEqual(body);
  });

  it('two polls within LIVE_CACHE_MS read the database once; a caller with the same scope shares the entry', async () => {
    // Sign-in and principal first (the principal is cached apart), so only the summary itself is counted.
    for (const token of [userA, userA2]) expect((await t.call({ url: '/api/v1/auth/me', token })).statusCode).toBe(200);
    const first = await dbAcquisitions(t, () => summary(t, userA));
    expect(first).toBeGreaterThan(0);
    let etag = '';
    const next = await dbAcquisitions(t, async () => {
      const r = await summary(t, userA);
      expect(r.statusCode).toBe(200);
      etag = r.headers.etag as string;
      expect((await summary(t, userA, etag)).statusCode).toBe(304);
    });
    expect(next).toBe(0);
    // Another user whose scope is the same sites: the same body, from the same entry.
    const shared = await dbAcquisitions(t, async () => {
      const r = await summary(t, userA2);
      expect(r.headers.etag).toBe(etag);
    });
    expect(shared).toBe(0);
  });

  it('screens polling at the same moment share one read (single-flight), on one connection', async () => {
    const both = await scopedUser(t, s.admin, 'manager-ab', { sites: [s.siteA, s.siteB] });
    expect((await t.call({ url: '/api/v1/auth/me', token: both })).statusCode).toBe(200);
    let answers: Awaited<ReturnType<typeof summary>>[] = [];
    const n = await dbAcquisitions(t, async () => {
      answers = await Promise.all(Array.from({ length: 8 }, () => summary(t, both)));
    });
    // One load for the eight, its statements in one read-only transaction: one pooled connection.
    expect(n).toBe(1);
    expect(new Set(answers.map((r) => r.headers.etag)).size).toBe(1);
    expect(answers[0]!.json().invoices.issued).toBe(3);
  });

  it("a site-scoped caller sees its sites' counts only, never a body cached for a wider scope", async () => {
    const all = await summary(t, s.admin); // cached above for scope `all`
    expect(all.json().invoices.issued).toBe(3);

    const b = await summary(t, userB);
    expect(b.statusCode).toBe(200);
    expect(b.headers.etag).not.toBe(all.headers.etag);
    const vb = b.json();
    expect(vb.invoices).toEqual({ issued: 1, cancelled: 0, voided: 0 });
    expect(vb.numbers.sites.map((x: { siteId: string }) => x.siteId)).toEqual([s.siteB]);
    // Turnkey messages and ranges belong to the seller (all its sites): not shown to a site's manager.
    expect(vb.turnkey).toBeNull();
    expect(vb.pipeline).toEqual({
      status: 'ok',
      problems: [],
      circuitBreakers: [],
      // The whole stack's backlog and failures: for scope `all` only.
      outbox: null,
      oldestUndeliveredAt: null,
      deadLetters: null,
    });
    expect(vb.numbers.sellers).toEqual([]);

    const a = await summary(t, userA);
    expect(a.json().invoices).toEqual({ issued: 2, cancelled: 0, voided: 0 });
    expect(a.json().numbers.sites.map((x: { siteId: string }) => x.siteId)).toEqual([s.siteA]);
    // Another scope's ETag is not this body's: a full answer, not 304.
    expect((await summary(t, userB, all.headers.etag as string)).statusCode).toBe(200);
    expect((await summary(t, userB, b.headers.etag as string)).statusCode).toBe(304);
  });

  it('needs invoice.read', async () => {
    const nobody = await scopedUser(t, s.admin, 'no-roles', 'all', []);
    const r = await summary(t, nobody);
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'invoice.read' } });
  });
});

describe('changes show at the first poll after the window; the pipeline; import status', () => {
  let t: TestApp;
  let s: TwoSites;
  beforeAll(async () => {
    t = await createTestApp({ ...roomy, LIVE_CACHE_MS: '150' });
    s = await setupTwoSites(t);
  });
  afterAll(() => t?.close());

  /** Poll with the last ETag until the summary changes; returns the new body and ETag. */
  async function nextSummary(token: string, etag: string) {
    return waitFor('a changed summary', async () => {
      const r = await summary(t, token, etag);
      return r.statusCode === 200 ? { body: r.json(), etag: r.headers.etag as string } : null;
    });
  }

  it('an issue, a cancel and Turnkey results each change the summary and its ETag', async () => {
    const r = await summary(t, s.admin);
    let etag = r.headers.etag as string;
    expect(r.json().invoices.issued).toBe(0);

    const number = await issueAt(t, s.admin, s.siteA);
    let next = await nextSummary(s.admin, etag);
    expect(next.body.invoices).toEqual({ issued: 1, cancelled: 0, voided: 0 });
    expect(next.body.turnkey.pending).toBe(1);
    etag = next.etag;

    const c = await t.call({
      method: 'POST',
      url: `/api/v1/invoices/${number}/cancel`,
      token: s.admin,
      payload: { reason: '客戶退貨' },
    });
    expect(c.statusCode, c.body).toBe(200);
    next = await nextSummary(s.admin, etag);
    expect(next.body.invoices).toEqual({ issued: 0, cancelled: 1, voided: 0 });
    expect(next.body.turnkey.pending).toBe(2); // F0401 and its F0501
    etag = next.etag;

    // What the worker's hand-off, results poller and deadline watch write (turnkey_messages):
    // the F0401 accepted now, the F0501 handed off, flagged at risk.
    const msgs = await t.deps.db.selectFrom('turnkey_messages').select(['id', 'message_type']).orderBy('id').execute();
    expect(msgs.map((m) => m.message_type)).toEqual(['F0401', 'F0501']);
    await t.deps.db
      .updateTable('turnkey_messages')
      .set({ status: 'accepted', result_at: new Date(), delivered_at: new Date() })
      .where('id', '=', msgs[0]!.id)
      .execute();
    await t.deps.db
      .updateTable('turnkey_messages')
      .set({ status: 'delivered', delivered_at: new Date(), at_risk_at: new Date() })
      .where('id', '=', msgs[1]!.id)
      .execute();
    next = await nextSummary(s.admin, etag);
    expect(next.body.turnkey).toEqual({
      acceptedToday: 1,
      pending: 0,
      delivered: 1,
      rejected: 0,
      invalid: 0,
      dead: 0,
      atRisk: 1,
    });
    expect(next.body.pipeline.oldestUndeliveredAt).toBeNull();
  });

  it('pipeline health: an open circuit breaker (as the worker publishes it) and a dead letter degrade it', async () => {
    const etag = (await summary(t, s.admin)).headers.etag as string;
    // A breaker that opens after two failures, publishing its state changes as the worker does.
    const published: Promise<void>[] = [];
    const breaker = createCircuitBreaker({
      name: 'turnkey-folder',
      failureThreshold: 2,
      openMs: 60_000,
      onStateChange: (snap) =>
        published.push(
          publishCircuitState(t.deps.redis, t.deps.config.REDIS_KEY_PREFIX, snap, {
            worker: 'test',
            at: new Date('2026-11-21T01:02:03Z'),
          }),
        ),
    });
    for (let i = 0; i < 2; i++) await expect(breaker.run(async () => Promise.reject(new Error('EACCES')))).rejects.toThrow();
    expect(breaker.state()).toBe('open');
    await Promise.all(published);
    await t.deps.db
      .insertInto('sys_dead_letters')
      .values({
        queue: 'p2-process',
        job_id: 'j1',
        job_name: 'event.dispatch',
        priority_class: 'P2',
        payload: JSON.stringify({}),
        attempts: 5,
        max_attempts: 5,
        last_error: 'boom',
        first_failed_at: new Date(),
        last_failed_at: new Date(),
      })
      .execute();
    const next = await nextSummary(s.admin, etag);
    expect(next.body.pipeline).toMatchObject({
      status: 'degraded',
      problems: ['circuit breaker turnkey-folder is open'],
      circuitBreakers: [{ name: 'turnkey-folder', state: 'open', since: '2026-11-21T01:02:03.000Z' }],
      deadLetters: 1,
    });
  });

  it('GET /api/v1/imports/{id}/status: status and counts with an ETag, 304 while unchanged, the import rules of GET', async () => {
    const rows = [1, 2, 3].map((i) => [`R${i}`, 'S1', 'Y', `item ${i}`, '1', String(100 + i)]);
    const up = await uploadImport(t, s.admin, {
      content: csv(['ref', 'siteCode', 'printMark', 'description', 'quantity', 'unitPrice'], rows),
    });
    expect(up.statusCode, up.body).toBe(202);
    const id: string = up.json().id;
    const url = `/api/v1/imports/${id}/status`;

    const r = await t.call({ url, token: s.admin });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      id,
      status: 'queued',
      counts: { total: 0, valid: 0, issued: 0, duplicate: 0, failed: 0 },
      errorCode: null,
    });
    expect(r.headers.etag).toMatch(ETAG);
    expect(r.headers['cache-control']).toBe('private, no-cache');
    const etag = r.headers.etag as string;
    const same = await t.call({ url, token: s.admin, headers: { 'if-none-match': etag } });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');

    // The worker's job, run here in-process.
    const run = createImportRunService({ ...t.deps, invoices: createInvoiceService(t.deps) });
    expect(await run.run(id)).toBe('done');
    const done = await waitFor('the import status to change', async () => {
      const x = await t.call({ url, token: s.admin, headers: { 'if-none-match': etag } });
      return x.statusCode === 200 ? x : null;
    });
    expect(done.json()).toEqual({
      id,
      status: 'done',
      counts: { total: 3, valid: 3, issued: 3, duplicate: 0, failed: 0 },
      errorCode: null,
    });
    expect(done.headers.etag).not.toBe(etag);

    // Someone else's import (scope not `all`) is not found; import.upload is needed; the id must be a UUID.
    const manager = await scopedUser(t, s.admin, 'manager-import', { sites: [s.siteA] });
    expect((await t.call({ url, token: manager })).json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    const auditor = await scopedUser(t, s.admin, 'auditor-import', 'all', ['auditor']);
    expect((await t.call({ url, token: auditor })).json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await t.call({ url: '/api/v1/imports/not-a-uuid/status', token: s.admin })).statusCode).toBe(400);
    const unknown = await t.call({ url: '/api/v1/imports/00000000-0000-4000-8000-000000000000/status', token: s.admin });
    expect(unknown.statusCode).toBe(404);
  });
});

describe("polls count in the 'poll' bucket", () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_POLL_PER_MINUTE: '3' });
    admin = (await t.login()).accessToken;
  });
  afterAll(() => t?.close());

  it('N polls a minute per caller, then 429 RATE_LIMITED with Retry-After; the general budget is left alone', async () => {
    const codes: number[] = [];
    let etag: string | undefined;
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const r = await summary(t, admin, etag);
      etag ??= r.headers.etag as string;
      codes.push(r.statusCode);
      answers.push(r);
    }
    expect(codes).toEqual([200, 304, 304, 429]);
    expect(answers[0]!.headers['ratelimit-policy']).toBe('3;w=60');
    const refused = answers[3]!;
    expect(refused.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', details: { limit: 3, windowSeconds: 60 } });
    expect(refused.json().message).toMatch(/'poll'/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The import status polls from the same budget.
    const imp = await t.call({ url: '/api/v1/imports/00000000-0000-4000-8000-000000000000/status', token: admin });
    expect(imp.statusCode).toBe(429);
    // Other routes still have the whole general budget (300 a minute, of which this is the first).
    const me = await t.call({ url: '/api/v1/auth/me', token: admin });
    expect(me.statusCode).toBe(200);
    expect(me.headers['ratelimit-policy']).toBe('300;w=60');
    expect(me.headers['ratelimit-remaining']).toBe('299');
  });
});
