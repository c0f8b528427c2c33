import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BAN_RULE_2023_FROM, isValidBan } from '../ban.ts';

const BEFORE = new Date('2023-03-31T15:59:59.999Z'); // 2023-03-31 23:59:59.999 Asia/Taipei
const FROM = new Date('2023-03-31T16:00:00.000Z'); // 2023-04-01 00:00 Asia/Taipei
const OLD = new Date('2020-01-01T00:00:00+08:00');
const NEW = new Date('2025-01-01T00:00:00+08:00');

describe('isValidBan (einvoice-domain.md §4.1)', () => {
  it('switches rule at 2023-04-01 00:00 Asia/Taipei', () => {
    expect(BAN_RULE_2023_FROM.toISOString()).toBe(FROM.toISOString());
  });

  it('old rule: sum divisible by 10', () => {
    // 1,2,1,2,1,2,4,1 × 0,4,2,1,5,9,8,9 → 0+8+2+2+5+(1+8)+(3+2)+9 = 40
    expect(isValidBan('04215989', OLD)).toBe(true);
    expect(isValidBan('04215988', OLD)).toBe(false);
    expect(isValidBan('12345681', OLD)).toBe(true); // 1+4+3+8+5+(1+2)+(3+2)+1 = 30
    expect(isValidBan('12345682', OLD)).toBe(false);
  });

  it.each(['04595252', '12458576'])('%s: fails the old rule before 2023-04-01, passes from then on', (ban) => {
    expect(isValidBan(ban, OLD)).toBe(false);
    expect(isValidBan(ban, BEFORE)).toBe(false);
    expect(isValidBan(ban, FROM)).toBe(true);
    expect(isValidBan(ban, NEW)).toBe(true);
    expect(isValidBan(ban)).toBe(true); // default: the new rule
  });

  it('new rule still refuses sums not divisible by 5', () => {
    expect(isValidBan('04595253', NEW)).toBe(false);
    expect(isValidBan('04595251', NEW)).toBe(false);
  });

  it('7th digit 7: valid when the sum with that position as 0 or as 1 passes', () => {
    // 10458575: 1+0+4+(1+0)+8+(1+0)+[0|1]+5 = 20 | 21; 10458574: 19 | 20
    for (const at of [OLD, NEW]) {
      expect(isValidBan('10458575', at)).toBe(true);
      expect(isValidBan('10458574', at)).toBe(true);
      expect(isValidBan('10458573', at)).toBe(false);
    }
  });

  it.each([
    '',
    '1234567',
    '123456789',
    '0459525',
    '045952520',
    '0459525a',
    ' 04595252',
    '04595252 ',
    '0459-252',
    '０４５９５２５２', // full-width digits
    '0000000000',
  ])('refuses %j (not 8 ASCII digits)', (ban) => {
    expect(isValidBan(ban, NEW)).toBe(false);
    expect(isValidBan(ban, OLD)).toBe(false);
  });

  const eightDigits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 8, maxLength: 8 });

  it('property: when the 7th digit is not 7, the new rule accepts a superset of the old rule', () => {
    fc.assert(
      fc.property(
        eightDigits.filter((b) => b[6] !== '7'),
        (ban) => {
          if (isValidBan(ban, OLD)) expect(isValidBan(ban, NEW)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: the old-rule-valid numbers are found by the generator (the superset property is not vacuous)', () => {
    // For any 7 leading digits exactly one last digit satisfies the old rule (weight 1 on the last digit).
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 7, maxLength: 7 }).filter((b) => b[6] !== '7'),
        (head) => {
          const valid = [...'0123456789'].filter((d) => isValidBan(head + d, OLD));
          expect(valid).toHaveLength(1);
          // Under the new rule the digit 5 apart also passes.
          const nowValid = [...'0123456789'].filter((d) => isValidBan(head + d, NEW));
          expect(nowValid).toHaveLength(2);
          expect(nowValid).toContain(valid[0]);
        },
      ),
    );
  });

  it('property: every number valid under the new rule but not the old one has a sum ≡ 5 (mod 10)', () => {
    // Changing the last digit by 5 flips sum mod 10 between 0 and 5; so new-only numbers are old-valid ± 5.
    fc.assert(
      fc.property(
        eightDigits.filter((b) => b[6] !== '7'),
        (ban) => {
          if (isValidBan(ban, NEW) && !isValidBan(ban, OLD)) {
            const last = Number(ban[7]);
            const partner = ban.slice(0, 7) + String((last + 5) % 10);
            expect(isValidBan(partner, OLD)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
