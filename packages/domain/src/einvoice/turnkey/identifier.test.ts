import { describe, expect, it } from 'vitest';
import { turnkeyIdentifier, turnkeyLogIdentifiers } from './identifier.ts';

describe('turnkeyIdentifier', () => {
  it('names F0401 by number and invoice date, E0402 by branch, track, type and period', () => {
    expect(turnkeyIdentifier({ type: 'F0401', invoiceNumber: 'AB12345678', invoiceDate: '2026-11-21' })).toBe(
      'F0401AB1234567820261121',
    );
    expect(turnkeyIdentifier({ type: 'E0402', branchBan: '04595252', track: 'AB', invoiceType: '07', yearMonth: '11510' })).toBe(
      'E040204595252AB0711510',
    );
  });
});

describe('turnkeyLogIdentifiers', () => {
  it('also looks for an E message without its period, which the platform may leave out', () => {
    expect(turnkeyLogIdentifiers('E040204595252AB0711510')).toEqual(['E040204595252AB0711510', 'E040204595252AB07']);
  });

  it('takes F and G identifiers as they are (their trailing date is not a period)', () => {
    expect(turnkeyLogIdentifiers('F0401AB1234567820261121')).toEqual(['F0401AB1234567820261121']);
    expect(turnkeyLogIdentifiers('G0401AL2026000120261121')).toEqual(['G0401AL2026000120261121']);
  });

  it('leaves an E identifier that does not end with a period alone', () => {
    expect(turnkeyLogIdentifiers('E040204595252AB07')).toEqual(['E040204595252AB07']);
  });
});
