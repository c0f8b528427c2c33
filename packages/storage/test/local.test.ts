import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage, createStorage, type Storage } from '../src/index.ts';
import { storageContract } from './contract.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'storage-local-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

storageContract('local', () => createLocalStorage(join(root, 'contract')));

describe('local storage', () => {
  let storage: Storage;
  let dir: string;
  beforeAll(() => {
    dir = join(root, 'local');
    storage = createLocalStorage(dir);
  });

  it('keeps an object as the file named by its key under the root', async () => {
    await storage.put('imports/2026/11/abc.csv', 'a;b\n');
    expect(await readFile(join(dir, 'imports', '2026', '11', 'abc.csv'), 'utf8')).toBe('a;b\n');
  });

  it('does not list a temp file that a crash left beside an object', async () => {
    await storage.put('crash/a.txt', 'complete');
    // What an interrupted put leaves: a temp file with part of the new content.
    await writeFile(join(dir, 'crash', 'a.txt~0b7c2c5e-0000-4000-8000-000000000000.tmp'), 'compl');
    await writeFile(join(dir, 'crash', 'b.txt~0b7c2c5e-0000-4000-8000-000000000001.tmp'), 'never renamed');
    expect((await storage.list('crash/')).map((o) => o.key)).toEqual(['crash/a.txt']);
    expect((await storage.list('')).map((o) => o.key)).not.toContain('crash/b.txt');
    expect(await storage.stat('crash/b.txt')).toBeNull();
    expect((await storage.get('crash/a.txt')).toString()).toBe('complete');
  });

  it('removes its temp file when a stream body fails', async () => {
    await storage.put('failing/a.txt', 'old');
    const broken = Readable.from(
      (async function* () {
        yield Buffer.from('partial');
        throw new Error('client went away');
      })(),
    );
    await expect(storage.put('failing/a.txt', broken)).rejects.toThrow('client went away');
    expect(await readdir(join(dir, 'failing'))).toEqual(['a.txt']);
  });

  it('concurrent puts of one key end with one complete object, and readers never see a mix', async () => {
    const key = 'concurrent/same.bin';
    const size = 256 * 1024;
    await storage.put(key, Buffer.alloc(size, 0));
    const isWhole = (b: Buffer) => b.length === size && b.every((byte) => byte === b[0]);
    let writing = true;
    const reader = (async () => {
      let reads = 0;
      while (writing || reads === 0) {
        expect(isWhole(await storage.get(key)), `read ${reads} saw a mixed or partial object`).toBe(true);
        reads++;
      }
      return reads;
    })();
    // Each body arrives in several chunks, so writers sharing one file would interleave visibly.
    const chunked = (b: Buffer) => Readable.from([0, 1, 2, 3].map((i) => b.subarray((i * size) / 4, ((i + 1) * size) / 4)));
    const writers = Promise.all(
      Array.from({ length: 8 }, (_, i) => storage.put(key, chunked(Buffer.alloc(size, i + 1)))),
    ).finally(() => {
      writing = false;
    });
    const [reads] = await Promise.all([reader, writers]);
    expect(reads).toBeGreaterThan(0);
    const final = await storage.get(key);
    expect(isWhole(final)).toBe(true);
    expect(final[0]).toBeGreaterThan(0); // one of the concurrent versions won
    expect(await readdir(join(dir, 'concurrent'))).toEqual(['same.bin']); // no temp files left
  });

  it('explains a key whose parent is already an object, which folders cannot represent', async () => {
    await storage.put('clash/a', 'file');
    await expect(storage.put('clash/a/b', 'x')).rejects.toThrow('Cannot store "clash/a/b": a parent of it is an object');
    await storage.put('clash2/a/b', 'x');
    await expect(storage.put('clash2/a', 'x')).rejects.toThrow('Cannot store "clash2/a": it is a folder of other objects');
    expect(await storage.stat('clash2/a')).toBeNull();
    await expect(storage.get('clash2/a')).rejects.toThrow('No object at storage key "clash2/a"');
    await storage.delete('clash2/a'); // a folder is not an object: nothing to delete
    expect(await storage.stat('clash2/a/b')).not.toBeNull();
  });

  it('check() names the root when the storage cannot be written', async () => {
    const file = join(root, 'not-a-folder');
    await writeFile(file, '');
    await expect(createLocalStorage(file).check()).rejects.toThrow(`Local storage at ${file} check failed:`);
  });

  it('createStorage picks the local driver from the config', () => {
    const s = createStorage({ STORAGE_DRIVER: 'local', STORAGE_LOCAL_ROOT: dir, S3_USE_SSL: true, S3_REGION: 'us-east-1' });
    expect(s.driver).toBe('local');
  });
});
