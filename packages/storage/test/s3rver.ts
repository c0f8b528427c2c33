/** A real S3-compatible server (s3rver, in this process) on a free port, storing into a temp folder. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3StorageOptions } from '../src/index.ts';

// s3rver ships no types; this is the part of its API the tests use.
type S3rverInstance = { run(): Promise<{ address: string; port: number }>; close(): Promise<void> };
type S3rverClass = new (opts: { address: string; port: number; directory: string; silent: boolean }) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export async function startS3rver(): Promise<{ options: (bucket: string) => S3StorageOptions; stop: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'storage-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  return {
    // s3rver accepts only its built-in account, S3RVER/S3RVER.
    options: (bucket) => ({
      endPoint: '127.0.0.1',
      port,
      useSSL: false,
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
      bucket,
      region: 'us-east-1',
    }),
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
