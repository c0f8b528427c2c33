import { randomUUID } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { meter } from './body.ts';
import { assertValidKey, assertValidPrefix, byKey, isValidSegment } from './keys.ts';
import { probeRoundTrip } from './probe.ts';
import { type ObjectInfo, type Storage, StorageNotFoundError } from './storage.ts';

const FILE_MODE = 0o640;
const DIR_MODE = 0o750;
/**
 * Temp files are named `<name>~<uuid>.tmp` beside their target. "~" is not allowed in keys, so a temp
 * file can never be mistaken for an object, and list() skips it even when a crash left it behind.
 */
const TEMP_MARK = '~';

/** Errors meaning "there is no file at this path" (a missing file, or a parent that is a file). */
const MISSING = new Set(['ENOENT', 'ENOTDIR']);
const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/**
 * Objects as files under `root`: the key `imports/2026/a.csv` is the file `<root>/imports/2026/a.csv`.
 * Writes go to a temp file in the same directory, are fsynced and renamed over the target, so readers
 * see the old object or the new one, never a mix, even across a crash. Content types are not kept.
 */
export function createLocalStorage(root: string): Storage {
  const base = resolve(root);
  const pathOf = (key: string) => join(base, ...key.split('/'));

  async function readOrNotFound<T>(key: string, read: (file: string) => Promise<T>): Promise<T> {
    assertValidKey(key);
    try {
      return await read(pathOf(key));
    } catch (e) {
      if (MISSING.has(code(e) ?? '') || code(e) === 'EISDIR') throw notFound(key);
      throw e;
    }
  }

  const storage: Storage = {
    driver: 'local',

    // opts.contentType is accepted for the interface but not kept: local storage has no metadata store.
    async put(key, body) {
      assertValidKey(key);
      const file = pathOf(key);
      const dir = dirname(file);
      await makeDirs(dir, key);
      const tmp = join(dir, `${basename(file)}${TEMP_MARK}${randomUUID()}.tmp`);
      const metered = meter(body);
      try {
        // flush: fsync before close, so the data is on disk before the rename makes it visible.
        await pipeline(metered.chunks(), createWriteStream(tmp, { flags: 'wx', mode: FILE_MODE, flush: true }));
        const { mtime: modifiedAt } = await stat(tmp); // rename keeps the mtime, so this is the object's
        await rename(tmp, file).catch((e) => {
          throw code(e) === 'EISDIR' || code(e) === 'ENOTEMPTY'
            ? new Error(`Cannot store "${key}": it is a folder of other objects in local storage`, { cause: e })
            : e;
        });
        await fsyncDir(dir); // makes the rename itself durable
        const { size, sha256 } = metered.result();
        return { key, size, modifiedAt, sha256 };
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    },

    get: (key) => readOrNotFound(key, (file) => readFile(file)),

    getStream: (key) =>
      readOrNotFound(key, async (file): Promise<Readable> => {
        // Open now so a missing object fails here rather than on the first read of the stream.
        const fh = await open(file, 'r');
        if (!(await fh.stat()).isFile()) {
          await fh.close();
          throw notFound(key);
        }
        return fh.createReadStream();
      }),

    async stat(key) {
      assertValidKey(key);
      try {
        const st = await stat(pathOf(key));
        return st.isFile() ? { key, size: st.size, modifiedAt: st.mtime } : null;
      } catch (e) {
        if (MISSING.has(code(e) ?? '')) return null;
        throw e;
      }
    },

    async delete(key) {
      assertValidKey(key);
      try {
        await unlink(pathOf(key));
        await fsyncDir(dirname(pathOf(key)));
      } catch (e) {
        // Nothing there, or only a folder of other objects: either way there is no object to delete.
        if (MISSING.has(code(e) ?? '') || code(e) === 'EISDIR') return;
        throw e;
      }
    },

    async list(prefix) {
      assertValidPrefix(prefix);
      const out: ObjectInfo[] = [];
      // Start at the deepest folder the prefix names in full; "imports/20" starts at "imports".
      const startKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      await walk(startKey === '' ? base : pathOf(startKey), startKey, prefix, out);
      return out.sort(byKey);
    },

    check: () => probeRoundTrip(storage, `Local storage at ${base}`),
  };
  return storage;
}

/** Collect the objects under `dir` (whose key is `dirKey`) that start with `prefix`. */
async function walk(dir: string, dirKey: string, prefix: string, out: ObjectInfo[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (MISSING.has(code(e) ?? '')) return;
    throw e;
  }
  for (const entry of entries) {
    if (!isValidSegment(entry.name)) continue; // temp files (see TEMP_MARK) and foreign files
    const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // Descend only where matching keys can be: the folder is inside the prefix or on the way to it.
      if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path, key, prefix, out);
    } else if (entry.isFile() && key.startsWith(prefix)) {
      try {
        const st = await stat(path);
        out.push({ key, size: st.size, modifiedAt: st.mtime });
      } catch (e) {
        if (!MISSING.has(code(e) ?? '')) throw e; // deleted while listing: leave it out
      }
    }
  }
}

/**
 * mkdir -p, then fsync the parents of every folder it created so the new folders survive a crash.
 * A parent that is a file (key `a/b` when `a` is an object) gets a clear message instead of ENOTDIR.
 */
async function makeDirs(dir: string, key: string): Promise<void> {
  let first: string | undefined;
  try {
    first = await mkdir(dir, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    if (code(e) === 'ENOTDIR' || code(e) === 'EEXIST') {
      throw new Error(`Cannot store "${key}": a parent of it is an object in local storage`, { cause: e });
    }
    throw e;
  }
  if (!first) return;
  for (let d = dir; d !== dirname(first); d = dirname(d)) await fsyncDir(dirname(d));
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function notFound(key: string): StorageNotFoundError {
  return new StorageNotFoundError(`No object at storage key "${key}"`);
}
