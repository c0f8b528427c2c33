import { Readable } from 'node:stream';
import { Client } from 'minio';
import { meter, readAll } from './body.ts';
import { assertValidKey, assertValidPrefix, byKey } from './keys.ts';
import { probeRoundTrip } from './probe.ts';
import { type ObjectInfo, type Storage, StorageNotFoundError } from './storage.ts';

export type S3StorageOptions = {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
};

/**
 * Bodies up to this size are sent as one PUT; larger streams go as a multipart upload in parts of
 * this size. Fixed (rather than minio's size-based guess) so small objects never use multipart.
 */
const PART_SIZE = 64 * 1024 * 1024;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** S3 error codes meaning "no such object" (HEAD answers NotFound, GET answers NoSuchKey). */
const NOT_FOUND_CODES = new Set(['NotFound', 'NoSuchKey']);
const isNotFound = (e: unknown) => NOT_FOUND_CODES.has((e as { code?: string } | undefined)?.code ?? '');

function makeClient(opts: S3StorageOptions): Client {
  return new Client({
    endPoint: opts.endPoint,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    useSSL: opts.useSSL,
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    region: opts.region, // known up front, so the client does not ask the server for the bucket's region
    partSize: PART_SIZE,
  });
}

const location = (opts: S3StorageOptions) =>
  `S3 bucket "${opts.bucket}" at ${opts.useSSL ? 'https' : 'http'}://${opts.endPoint}${opts.port ? `:${opts.port}` : ''}`;

/** Create the bucket when it does not exist yet (for tests, the dev stack and first start-up). */
export async function ensureBucket(opts: S3StorageOptions): Promise<void> {
  const client = makeClient(opts);
  if (await client.bucketExists(opts.bucket)) return;
  try {
    await client.makeBucket(opts.bucket, opts.region);
  } catch (e) {
    // Someone else created it between the two calls: that is what we wanted.
    if ((e as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw e;
  }
}

/** Objects in one S3 (or S3-compatible) bucket, through the minio client. */
export function createS3Storage(opts: S3StorageOptions): Storage {
  const client = makeClient(opts);
  const { bucket } = opts;

  async function getStream(key: string): Promise<Readable> {
    assertValidKey(key);
    try {
      return await client.getObject(bucket, key);
    } catch (e) {
      if (isNotFound(e)) throw new StorageNotFoundError(`No object at storage key "${key}" in ${location(opts)}`);
      throw e;
    }
  }

  const storage: Storage = {
    driver: 's3',

    async put(key, body, putOpts) {
      assertValidKey(key);
      const contentType = putOpts?.contentType ?? DEFAULT_CONTENT_TYPE;
      const metered = meter(body);
      // S3 replaces an object only once the whole upload has arrived, so readers never see a partial one.
      await client.putObject(bucket, key, await singlePutOrStream(metered.chunks()), undefined, {
        'Content-Type': contentType,
      });
      const { size, sha256 } = metered.result();
      // The server's Last-Modified would cost another request (and may already be a later writer's).
      return { key, size, modifiedAt: new Date(), contentType, sha256 };
    },

    get: async (key) => readAll(await getStream(key)),

    getStream,

    async stat(key) {
      assertValidKey(key);
      try {
        const st = await client.statObject(bucket, key);
        const contentType = st.metaData['content-type'] as string | undefined;
        return { key, size: st.size, modifiedAt: st.lastModified, ...(contentType ? { contentType } : {}) };
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    },

    async delete(key) {
      assertValidKey(key);
      try {
        await client.removeObject(bucket, key);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },

    async list(prefix) {
      assertValidPrefix(prefix);
      const out: ObjectInfo[] = [];
      for await (const item of client.listObjectsV2(bucket, prefix, true)) {
        // Recursive listings have no common prefixes, but the item type allows them.
        if (item.name !== undefined) out.push({ key: item.name, size: item.size, modifiedAt: item.lastModified });
      }
      return out.sort(byKey);
    },

    async check() {
      let exists: boolean;
      try {
        exists = await client.bucketExists(bucket);
      } catch (e) {
        throw new Error(`${location(opts)} check failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      if (!exists) throw new Error(`${location(opts)} check failed: the bucket does not exist`);
      await probeRoundTrip(storage, location(opts));
    },
  };
  return storage;
}

/**
 * Read up to PART_SIZE bytes: a body that ends by then is returned as a Buffer (one PUT with a known
 * length); a longer one is returned as a stream of everything (minio then uploads it in parts).
 */
async function singlePutOrStream(chunks: AsyncGenerator<Buffer>): Promise<Buffer | Readable> {
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await chunks.next();
    if (next.done) return Buffer.concat(head, size);
    head.push(next.value);
    size += next.value.length;
    if (size > PART_SIZE) break;
  }
  return Readable.from(
    (async function* () {
      yield* head;
      yield* chunks;
    })(),
  );
}
