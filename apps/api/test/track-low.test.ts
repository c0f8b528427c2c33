/** TrackLow: when a site's unissued numbers for the period fall below the threshold, one event is written. */
import { periodOf } from '@app/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, setupIssuer, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
let siteId: string;

beforeAll(async () => {
  t = await createTestApp({ TRACK_LOW_THRESHOLD: '20', RATE_LIMIT_GENERAL_PER_MINUTE: '100000' });
  ({ admin, siteId } = await setupIssuer(t, { rangeEnd: 99, booklets: 1 })); // 50 numbers
});
afterAll(() => t.close());

const events = () => t.deps.db.selectFrom('sys_outbox').select(['payload']).where('event_type', '=', 'TrackLow').execute();

describe('TrackLow', () => {
  it('fires once, when the remaining numbers fall below the threshold, even with concurrent issues', async () => {
    const issue = () =>
      t.call({
        method: 'POST',
        url: '/api/v1/invoices',
        token: admin,
        payload: { siteId, printMark: 'Y', items: [{ description: 'x', quantity: '1', unitPrice: '10' }] },
      });
    for (let i = 0; i < 30; i++) expect((await issue()).statusCode).toBe(201);
    expect(await events()).toEqual([]); // 20 left: not below 20 yet
    const burst = await Promise.all(Array.from({ length: 8 }, issue));
    expect(burst.every((r) => r.statusCode === 201)).toBe(true);
    const e = await events();
    expect(e).toHaveLength(1);
    expect(e[0]!.payload).toMatchObject({ siteId, threshold: 20, invoiceType: '07', yearMonth: periodOf(new Date()).yearMonth });
    expect((e[0]!.payload as { remaining: number }).remaining).toBeLessThan(20);
  });
});
