/** Test-only helpers for the print/ tests (not exported from index.ts). */
import { expect } from 'vitest';
import { DomainError } from '../../errors.ts';

/** Runs `fn`, expects a VALIDATION_ERROR naming `field`, and returns the error for further checks. */
export function expectInvalid(fn: () => unknown, field: string): DomainError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DomainError);
  const err = caught as DomainError;
  expect(err.code).toBe('VALIDATION_ERROR');
  expect(err.details).toEqual([{ field, message: expect.any(String) }]);
  return err;
}

const taipeiFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Taipei',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Asia/Taipei calendar date by the ICU time-zone database (an oracle independent of roc.ts). */
export function taipeiYmd(at: Date): { year: number; month: number; day: number } {
  const parts = Object.fromEntries(taipeiFormat.formatToParts(at).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}
