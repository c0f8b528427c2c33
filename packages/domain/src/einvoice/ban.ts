/**
 * 統一編號 (BAN, Business Administration Number) checksum — einvoice-domain.md §4.1.
 * Weights 1,2,1,2,1,2,4,1; each product's digits are added; valid when the sum is divisible by 10,
 * or since 2023-04-01 (Asia/Taipei) by 5. When the 7th digit is 7 (4×7 = 28 → 2+8 = 10), the number
 * is valid if the sum with that position counted as 0 or as 1 passes.
 */

const WEIGHTS = [1, 2, 1, 2, 1, 2, 4, 1] as const;

/** 2023-04-01 00:00 Asia/Taipei (UTC+8, no DST): the divide-by-5 rule applies from this instant. */
export const BAN_RULE_2023_FROM = new Date('2023-03-31T16:00:00Z');

export const BAN_RE = /^\d{8}$/;

const digitSum = (n: number) => Math.floor(n / 10) + (n % 10);

/**
 * Whether `ban` is a valid BAN at `at` (default: the new rule). Pass the date that matters (e.g. the
 * invoice date) to apply the rule of that time.
 */
export function isValidBan(ban: string, at: Date = BAN_RULE_2023_FROM): boolean {
  if (!BAN_RE.test(ban)) return false;
  const divisor = at.getTime() >= BAN_RULE_2023_FROM.getTime() ? 5 : 10;
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    if (i === 6 && ban[6] === '7') continue; // handled below
    sum += digitSum(Number(ban[i]) * (WEIGHTS[i] as number));
  }
  if (ban[6] === '7') return sum % divisor === 0 || (sum + 1) % divisor === 0;
  return sum % divisor === 0;
}
