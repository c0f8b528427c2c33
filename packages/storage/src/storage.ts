import type { Readable } from 'node:stream';

/** Metadata of a stored object. */
export type ObjectInfo = { key: string; size: number; modifiedAt: Date; contentType?: string; sha256?: string };

/**
 * Where the system keeps files (uploaded E0501/CSV files, generated XML, exports, backups).
 * Keys are relative paths like `imports/2026/11/abc.csv`: segments of [A-Za-z0-9._-], no `..`,
 * no leading slash; anything else is refused with StorageKeyError.
 */
export interface Storage {
  readonly driver: 'local' | 's3';
  /** Store `body` under `key`, replacing any object there. Readers never see a half-written object. */
  put(key: string, body: Buffer | string | Readable, opts?: { contentType?: string }): Promise<ObjectInfo>;
  /** The whole object; throws StorageNotFoundError when missing. */
  get(key: string): Promise<Buffer>;
  /** A stream of the object; throws StorageNotFoundError when missing. */
  getStream(key: string): Promise<Readable>;
  /** Metadata, or null when missing. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** Delete; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Objects whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Health probe: write, read back and delete a small object; throws with the reason when it fails. */
  check(): Promise<void>;
}

export class StorageKeyError extends Error {
  override readonly name = 'StorageKeyError';
}
export class StorageNotFoundError extends Error {
  override readonly name = 'StorageNotFoundError';
}
