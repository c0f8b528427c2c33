import { describe, expect, it } from 'vitest';
import {
  type ReconcileMessage,
  type ReconcileSummaryPack,
  reconcileTurnkeyDay,
  rejectedBeforeUpload,
  shiftDay,
  taipeiDayBounds,
} from './reconcile.ts';

const DAY = '2026-11-21';
/** An instant on DAY at Taipei `hh:mm`. */
const at = (hhmm: string, day = DAY) => new Date(`${day}T${hhmm}:00+08:00`);
let seq = 0;
const msg = (
  identifier: string,
  status: string,
  deliveredAt: Date | null = at('10:00'),
  over: Partial<ReconcileMessage> = {},
) => ({
  id: String(++seq),
  messageType: identifier.slice(0, 5),
  identifier,
  sellerId: 'seller-1',
  status,
  resultCode: status === 'rejected' ? 'E0201' : null,
  deliveredAt,
  ...over,
});
const pack = (over: Partial<ReconcileSummaryPack> & Pick<ReconcileSummaryPack, 'goodIdentifiers' | 'failedIdentifiers'>) => ({
  day: DAY,
  messageType: 'F0401',
  partyId: '04595257',
  packId: `p${++seq}`,
  packAt: at('10:01'),
  total: over.goodIdentifiers.length + over.failedIdentifiers.length,
  good: over.goodIdentifiers.length,
  failed: over.failedIdentifiers.length,
  listed: true,
  ...over,
});
const F = (n: number, d = '20261121') => `F0401AB${String(n).padStart(8, '0')}${d}`;

describe('reconcileTurnkeyDay', () => {
  it('matching sides: counts per type, no difference', () => {
    const r = reconcileTurnkeyDay({
      day: DAY,
      messages: [msg(F(1), 'accepted'), msg(F(2), 'accepted'), msg(F(3), 'rejected')],
      packs: [pack({ goodIdentifiers: [F(1), F(2)], failedIdentifiers: [F(3)] })],
    });
    expect(r).toEqual([
      {
        messageType: 'F0401',
        summaryReceived: true,
        ours: { handedOff: 3, accepted: 2, rejected: 1, waiting: 0, rejectedBeforeUpload: 0 },
        theirs: { total: 3, good: 2, failed: 1 },
        differences: [],
      },
    ]);
  });

  it('names each difference: accepted but failed, good but not accepted, missing, unknown', () => {
    const r = reconcileTurnkeyDay({
      day: DAY,
      messages: [
        msg(F(1), 'accepted'), // they say failed
        msg(F(2), 'rejected'), // they say good
        msg(F(3), 'delivered'), // they say good, we still wait
        msg(F(4), 'accepted'), // not in the summary
        msg(F(5), 'accepted'),
      ],
      packs: [pack({ goodIdentifiers: [F(2), F(3), F(5), F(9)], failedIdentifiers: [F(1)] })],
      sellerOfParty: new Map([['04595257', 'seller-1']]),
    });
    expect(r[0]?.differences.map((d) => [d.kind, d.identifier, d.ourStatus, d.theirVerdict])).toEqual([
      ['accepted_but_failed', F(1), 'accepted', 'failed'],
      ['good_not_accepted', F(2), 'rejected', 'good'],
      ['good_not_accepted', F(3), 'delivered', 'good'],
      ['missing_from_summary', F(4), 'accepted', null],
      ['unknown_to_us', F(9), null, 'good'],
    ]);
    expect(r[0]?.differences.find((d) => d.kind === 'unknown_to_us')).toMatchObject({
      sellerId: 'seller-1',
      partyId: '04595257',
    });
    expect(r[0]?.differences[1]?.detail).toContain('(E0201)');
  });

  it('no summary for the day: one no_summary difference per type we handed off', () => {
    const r = reconcileTurnkeyDay({
      day: DAY,
      messages: [msg(F(1), 'accepted'), msg('G0401AL0000000120261121', 'accepted')],
      packs: [pack({ day: shiftDay(DAY, 1), goodIdentifiers: [F(7, '20261122')], failedIdentifiers: [] })],
    });
    expect(r.map((x) => [x.messageType, x.summaryReceived, x.theirs, x.differences.map((d) => d.kind)])).toEqual([
      ['F0401', false, null, ['no_summary']],
      ['G0401', false, null, ['no_summary']],
    ]);
  });

  it('the last pack of the day wins: rejected, resent and accepted the same day is no difference', () => {
    const r = reconcileTurnkeyDay({
      day: DAY,
      messages: [msg(F(1), 'accepted', at('11:00'))],
      packs: [
        pack({ packAt: at('11:01'), goodIdentifiers: [F(1)], failedIdentifiers: [] }),
        pack({ packAt: at('10:01'), goodIdentifiers: [], failedIdentifiers: [F(1)] }),
      ],
    });
    expect(r[0]).toMatchObject({ theirs: { total: 2, good: 1, failed: 1 }, differences: [] });
  });

  it("an older day's verdict does not judge a message resent later; a re-issue is judged as of its own hand-off", () => {
    const r = reconcileTurnkeyDay({
      day: DAY,
      messages: [
        // Failed on DAY, resent and accepted the next day.
        msg(F(1), 'accepted', at('09:00', shiftDay(DAY, 1))),
        // Accepted long ago, voided, re-issued today with the same identifier and rejected today.
        msg(F(2), 'accepted', at('10:00', '2026-11-02')),
        msg(F(2), 'rejected', at('12:00')),
      ],
      packs: [pack({ goodIdentifiers: [], failedIdentifiers: [F(1), F(2)] })],
    });
    expect(r[0]?.differences).toEqual([]);
    expect(r[0]?.ours).toMatchObject({ handedOff: 1, rejected: 1 });
  });

  it("a hand-off just before midnight may be in the next day's summary; far from midnight it may not", () => {
    const late = msg(F(1), 'accepted', at('23:50'));
    const early = msg(F(2), 'accepted', at('09:00'));
    const packs = [
      pack({ goodIdentifiers: [], failedIdentifiers: [F(5)] }),
      pack({ day: shiftDay(DAY, 1), goodIdentifiers: [F(1), F(2)], failedIdentifiers: [] }),
    ];
    const r = reconcileTurnkeyDay({ day: DAY, messages: [late, early, msg(F(5), 'rejected')], packs });
    expect(r[0]?.differences.map((d) => [d.kind, d.identifier])).toEqual([['missing_from_summary', F(2)]]);
  });

  it('a message Turnkey refused before the upload is not expected in the summary', () => {
    const local = msg(F(1), 'rejected', at('10:00'), { resultCode: '7002' });
    expect(rejectedBeforeUpload(local)).toBe(true);
    expect(rejectedBeforeUpload({ status: 'rejected', resultCode: 'E0201' })).toBe(false);
    const r = reconcileTurnkeyDay({
      day: DAY,
      messages: [local, msg(F(2), 'accepted')],
      packs: [pack({ goodIdentifiers: [F(2)], failedIdentifiers: [] })],
    });
    expect(r[0]).toMatchObject({ ours: { handedOff: 1, rejectedBeforeUpload: 1 }, differences: [] });
  });

  it('types the summary only counts (E0402) are compared by count', () => {
    const e = (n: number) => `E040204595257A${n}0711410`;
    const counts = (good: number, failed: number) =>
      pack({
        messageType: 'E0402',
        listed: false,
        goodIdentifiers: [],
        failedIdentifiers: [],
        total: good + failed,
        good,
        failed,
      });
    const messages = [msg(e(1), 'accepted'), msg(e(2), 'accepted')];
    expect(reconcileTurnkeyDay({ day: DAY, messages, packs: [counts(2, 0)] })[0]?.differences).toEqual([]);
    const r = reconcileTurnkeyDay({ day: DAY, messages, packs: [counts(1, 1)] });
    expect(r[0]?.differences).toEqual([
      expect.objectContaining({
        kind: 'count_mismatch',
        detail: 'We handed off 2 (2 accepted, 0 rejected, 0 waiting); the summary counts 2 (1 good, 1 failed).',
      }),
    ]);
  });

  it('only messages handed off that day count; a type only in the summary still gets its row', () => {
    const r = reconcileTurnkeyDay({
      day: DAY,
      messages: [msg(F(1), 'accepted', at('10:00', shiftDay(DAY, -3))), msg(F(2), 'pending', null)],
      packs: [pack({ messageType: 'G0401', goodIdentifiers: ['G0401AL0000000120261121'], failedIdentifiers: [] })],
    });
    expect(r.map((x) => [x.messageType, x.ours.handedOff, x.differences.map((d) => d.kind)])).toEqual([
      ['G0401', 0, ['unknown_to_us']],
    ]);
  });
});

describe('days', () => {
  it('bounds a Taipei day and shifts days across months', () => {
    expect(taipeiDayBounds('2026-11-21')).toEqual({
      start: new Date('2026-11-20T16:00:00Z'),
      end: new Date('2026-11-21T16:00:00Z'),
    });
    expect(() => taipeiDayBounds('2026-02-30')).toThrow(RangeError);
    expect(() => taipeiDayBounds('20261121')).toThrow(RangeError);
    expect([shiftDay('2026-03-01', -1), shiftDay('2026-12-31', 1)]).toEqual(['2026-02-28', '2027-01-01']);
  });
});
