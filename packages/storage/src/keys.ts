import { StorageKeyError } from './storage.ts';

export const MAX_KEY_LENGTH = 1024;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Why `key` is not a valid object key, or null when it is. */
function keyProblem(key: string): string | null {
  if (typeof key !== 'string' || key === '') return 'it is empty';
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters (${key.length})`;
  if (key.startsWith('/')) return 'it starts with "/"';
  if (key.endsWith('/')) return 'it ends with "/"';
  for (const segment of key.split('/')) {
    if (segment === '') return 'it contains an empty segment ("//")';
    if (segment === '.' || segment === '..') return `it contains a "${segment}" segment`;
    if (!SEGMENT.test(segment)) return `segment "${segment}" has characters other than A-Z a-z 0-9 . _ -`;
  }
  return null;
}

/** A single path segment that could be part of a key (used to tell objects from foreign files). */
export function isValidSegment(name: string): boolean {
  return SEGMENT.test(name) && name !== '.' && name !== '..';
}

/**
 * Throws StorageKeyError unless `key` is segments of [A-Za-z0-9._-] joined by "/", without "." or ".."
 * segments, without a leading or trailing slash, and at most 1024 characters long.
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new StorageKeyError(`Invalid storage key ${JSON.stringify(truncate(key))}: ${problem}`);
}

/**
 * Throws StorageKeyError unless `prefix` is empty or the start of some valid key. A prefix may end with
 * "/" or in the middle of a segment (`imports/2026/`, `imports/20`), so it is checked as `prefix + "x"`.
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = typeof prefix === 'string' ? keyProblem(`${prefix}x`) : 'it is not a string';
  if (problem) throw new StorageKeyError(`Invalid storage key prefix ${JSON.stringify(truncate(prefix))}: ${problem}`);
}

/** Long keys are cut in messages so a 100 kB "key" does not end up in the logs. */
function truncate(s: string): string {
  return typeof s === 'string' && s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** Sort comparator by key in code-unit order (the byte order S3 lists in for ASCII keys). */
export function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
