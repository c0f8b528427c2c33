/**
 * The behaviour every Storage driver promises, as one suite that each driver's test file runs with
 * its own factory. Driver-specific details (temp files, bucket setup) are tested beside the driver.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAll, type Storage, StorageKeyError, StorageNotFoundError } from '../src/index.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Keys every method must refuse (list gets the same ones except "", which is the "everything" prefix). */
export const INVALID_KEYS = ['../x', '/abs', 'a//b', 'a/./b', '', 'k'.repeat(2000), 'a b', 'a/', 'a/../../b', 'tab\tkey', 'ü'];

export function storageContract(name: string, factory: () => Storage | Promise<Storage>): void {
  describe(`${name} storage contract`, () => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await factory();
    });

    it('round-trips a Buffer and reports size and SHA-256 from put', async () => {
      const body = Buffer.from('invoice;amount\nAB12345678;100\n');
      const info = await storage.put('roundtrip/buffer.csv', body, { contentType: 'text/csv' });
      expect(info).toMatchObject({ key: 'roundtrip/buffer.csv', size: body.length, sha256: sha256(body) });
      expect(info.modifiedAt).toBeInstanceOf(Date);
      expect(await storage.get('roundtrip/buffer.csv')).toEqual(body);
    });

    it('round-trips a string as UTF-8', async () => {
      const text = 'Grüße € 發票\n';
      const info = await storage.put('roundtrip/string.txt', text);
      expect(info.size).toBe(Buffer.byteLength(text));
      expect((await storage.get('roundtrip/string.txt')).toString('utf8')).toBe(text);
    });

    it('round-trips a stream body, read back as a whole and as a stream', async () => {
      const parts = ['<Invoice>', '<Main/>', '</Invoice>'];
      const info = await storage.put('roundtrip/stream.xml', Readable.from(parts.map((p) => Buffer.from(p))));
      expect(info.size).toBe(parts.join('').length);
      expect((await storage.get('roundtrip/stream.xml')).toString()).toBe(parts.join(''));
      expect((await readAll(await storage.getStream('roundtrip/stream.xml'))).toString()).toBe(parts.join(''));
    });

    it('keeps binary content byte for byte (SHA-256 of 1 MiB of random bytes)', async () => {
      const body = randomBytes(1024 * 1024);
      const chunks = Array.from({ length: 16 }, (_, i) => body.subarray(i * 65536, (i + 1) * 65536));
      const info = await storage.put('binary/random.bin', Readable.from(chunks));
      expect(info.sha256).toBe(sha256(body));
      expect(sha256(await storage.get('binary/random.bin'))).toBe(sha256(body));
      expect(sha256(await readAll(await storage.getStream('binary/random.bin')))).toBe(sha256(body));
    });

    it('stores an empty object', async () => {
      await storage.put('roundtrip/empty', Buffer.alloc(0));
      expect((await storage.get('roundtrip/empty')).length).toBe(0);
      expect((await storage.stat('roundtrip/empty'))?.size).toBe(0);
    });

    it('overwrites: the second put replaces the first entirely', async () => {
      await storage.put('overwrite/a.txt', 'a much longer first version');
      await storage.put('overwrite/a.txt', 'v2');
      expect((await storage.get('overwrite/a.txt')).toString()).toBe('v2');
      expect((await storage.stat('overwrite/a.txt'))?.size).toBe(2);
    });

    it('stat gives size and modification time, and null for a missing key', async () => {
      const before = Date.now();
      await storage.put('stat/x.bin', Buffer.alloc(123, 7), { contentType: 'application/x-test' });
      const st = await storage.stat('stat/x.bin');
      expect(st).toMatchObject({ key: 'stat/x.bin', size: 123 });
      // Some servers keep whole seconds only.
      expect(st!.modifiedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      if (st!.contentType !== undefined) expect(st!.contentType).toBe('application/x-test');
      expect(await storage.stat('stat/missing.bin')).toBeNull();
      expect(await storage.stat('stat/x.bin/below')).toBeNull();
    });

    it('get and getStream of a missing key throw StorageNotFoundError', async () => {
      await expect(storage.get('missing/nothing.txt')).rejects.toThrow(StorageNotFoundError);
      await expect(storage.getStream('missing/nothing.txt')).rejects.toThrow(StorageNotFoundError);
      await expect(storage.get('missing/nothing.txt')).rejects.toThrow(/missing\/nothing\.txt/);
    });

    it('delete removes the object and is idempotent', async () => {
      await storage.put('delete/a.txt', 'bye');
      await storage.delete('delete/a.txt');
      await storage.delete('delete/a.txt');
      await storage.delete('delete/never-existed.txt');
      expect(await storage.stat('delete/a.txt')).toBeNull();
      await expect(storage.get('delete/a.txt')).rejects.toThrow(StorageNotFoundError);
    });

    it('lists by prefix, sorted by key, without other prefixes', async () => {
      for (const key of ['list/b/2.txt', 'list/a/1.txt', 'list/a.txt', 'list/a/0/z.txt', 'lister/x.txt', 'other/list/y.txt']) {
        await storage.put(key, key);
      }
      const keys = async (prefix: string) => (await storage.list(prefix)).map((o) => o.key);
      expect(await keys('list/')).toEqual(['list/a.txt', 'list/a/0/z.txt', 'list/a/1.txt', 'list/b/2.txt']);
      expect(await keys('list/a')).toEqual(['list/a.txt', 'list/a/0/z.txt', 'list/a/1.txt']);
      expect(await keys('list/a/')).toEqual(['list/a/0/z.txt', 'list/a/1.txt']);
      expect(await keys('list')).toEqual(['list/a.txt', 'list/a/0/z.txt', 'list/a/1.txt', 'list/b/2.txt', 'lister/x.txt']);
      expect(await keys('list/b/2.txt')).toEqual(['list/b/2.txt']);
      expect(await keys('nothing/here/')).toEqual([]);
      expect(await keys('')).toEqual(expect.arrayContaining(['list/a.txt', 'other/list/y.txt']));
      const [first] = await storage.list('list/b/');
      expect(first).toMatchObject({ key: 'list/b/2.txt', size: 'list/b/2.txt'.length });
      expect(first!.modifiedAt).toBeInstanceOf(Date);
    });

    describe('refuses invalid keys with StorageKeyError', () => {
      const calls: [string, (s: Storage, key: string) => Promise<unknown>][] = [
        ['put', (s, k) => s.put(k, 'x')],
        ['get', (s, k) => s.get(k)],
        ['getStream', (s, k) => s.getStream(k)],
        ['stat', (s, k) => s.stat(k)],
        ['delete', (s, k) => s.delete(k)],
      ];
      it.each(calls)('%s', async (_, call) => {
        for (const key of INVALID_KEYS) {
          await expect(call(storage, key), JSON.stringify(key.slice(0, 20))).rejects.toThrow(StorageKeyError);
        }
      });
      it('list', async () => {
        for (const prefix of INVALID_KEYS.filter((k) => k !== '' && k !== 'a/')) {
          await expect(storage.list(prefix), JSON.stringify(prefix.slice(0, 20))).rejects.toThrow(StorageKeyError);
        }
        expect(await storage.list('a/')).toEqual([]); // a trailing slash is fine in a prefix
      });
      it('says which key and why', async () => {
        await expect(storage.get('a//b')).rejects.toThrow('Invalid storage key "a//b": it contains an empty segment ("//")');
        await expect(storage.get('../x')).rejects.toThrow('it contains a ".." segment');
      });
    });

    it('accepts keys using every allowed character, including a leading dot', async () => {
      const key = '.hidden/A-Z_a-z.0-9/..x/file.name-1_2';
      await storage.put(key, 'ok');
      expect((await storage.get(key)).toString()).toBe('ok');
      expect((await storage.list('.hidden/')).map((o) => o.key)).toEqual([key]);
    });

    it('keeps the previous object when a stream body fails half-way', async () => {
      await storage.put('failed/a.txt', 'old');
      const broken = Readable.from(
        (async function* () {
          yield Buffer.from('new data that never ');
          throw new Error('upload connection lost');
        })(),
      );
      await expect(storage.put('failed/a.txt', broken)).rejects.toThrow('upload connection lost');
      expect((await storage.get('failed/a.txt')).toString()).toBe('old');
      expect((await storage.list('failed/')).map((o) => o.key)).toEqual(['failed/a.txt']);
    });

    it('check() passes and leaves no probe objects behind', async () => {
      await expect(storage.check()).resolves.toBeUndefined();
      expect(await storage.list('.health/')).toEqual([]);
    });
  });
}
