import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Storage, createStorage, ensureBucket, type S3StorageOptions } from '../src/index.ts';
import { storageContract } from './contract.ts';
import { startS3rver } from './s3rver.ts';

let s3: Awaited<ReturnType<typeof startS3rver>>;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

storageContract('s3', async () => {
  await ensureBucket(s3.options('contract'));
  return createS3Storage(s3.options('contract'));
});

describe('s3 storage', () => {
  it('ensureBucket creates a missing bucket and is idempotent', async () => {
    const opts = s3.options('ensured');
    await expect(createS3Storage(opts).check()).rejects.toThrow('does not exist');
    await ensureBucket(opts);
    await ensureBucket(opts);
    await expect(createS3Storage(opts).check()).resolves.toBeUndefined();
  });

  it('check() says which bucket is missing', async () => {
    const opts = s3.options('no-such-bucket');
    await expect(createS3Storage(opts).check()).rejects.toThrow(
      `S3 bucket "no-such-bucket" at http://127.0.0.1:${opts.port} check failed: the bucket does not exist`,
    );
  });

  it('check() reports an unreachable endpoint with its address', async () => {
    // The server's own port once it has stopped would do too, but port 1 is never an S3 server.
    const opts: S3StorageOptions = { ...s3.options('contract'), port: 1 };
    await expect(createS3Storage(opts).check()).rejects.toThrow('S3 bucket "contract" at http://127.0.0.1:1 check failed:');
  });

  it('keeps the content type', async () => {
    const storage = createS3Storage(s3.options('contract'));
    await storage.put('types/a.xml', '<a/>', { contentType: 'application/xml' });
    await storage.put('types/b.bin', 'b');
    expect((await storage.stat('types/a.xml'))?.contentType).toBe('application/xml');
    expect((await storage.stat('types/b.bin'))?.contentType).toBe('application/octet-stream');
  });

  it('createStorage picks the s3 driver from the config and names missing settings', async () => {
    const opts = s3.options('contract');
    const base = { STORAGE_DRIVER: 's3' as const, STORAGE_LOCAL_ROOT: '.', S3_USE_SSL: false, S3_REGION: 'us-east-1' };
    const storage = createStorage({
      ...base,
      S3_ENDPOINT: opts.endPoint,
      S3_PORT: opts.port,
      S3_ACCESS_KEY: opts.accessKey,
      S3_SECRET_KEY: opts.secretKey,
      S3_BUCKET: opts.bucket,
    });
    expect(storage.driver).toBe('s3');
    await expect(storage.check()).resolves.toBeUndefined();
    expect(() => createStorage({ ...base, S3_ENDPOINT: 'x', S3_ACCESS_KEY: 'k' })).toThrow(
      'STORAGE_DRIVER=s3 needs S3_SECRET_KEY, S3_BUCKET',
    );
  });
});
