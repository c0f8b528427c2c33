import { createLocalStorage } from './local.ts';
import { createS3Storage } from './s3.ts';
import type { Storage } from './storage.ts';

export { readAll } from './body.ts';
export { assertValidKey, assertValidPrefix, MAX_KEY_LENGTH } from './keys.ts';
export { createLocalStorage } from './local.ts';
export { createS3Storage, ensureBucket, type S3StorageOptions } from './s3.ts';
export * from './storage.ts';

/**
 * The storage fields of the app Config (@app/config). Declared here so this package does not depend
 * on the config package; the parsed Config fits this type as it is.
 */
export type StorageConfig = {
  STORAGE_DRIVER: 'local' | 's3';
  STORAGE_LOCAL_ROOT: string;
  S3_ENDPOINT?: string | undefined;
  S3_PORT?: number | undefined;
  S3_USE_SSL: boolean;
  S3_ACCESS_KEY?: string | undefined;
  S3_SECRET_KEY?: string | undefined;
  S3_BUCKET?: string | undefined;
  S3_REGION: string;
};

/** The storage the config asks for. */
export function createStorage(config: StorageConfig): Storage {
  if (config.STORAGE_DRIVER === 'local') return createLocalStorage(config.STORAGE_LOCAL_ROOT);
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET } = config;
  // parseConfig already demands these for the s3 driver; this repeats it for callers that build the config by hand.
  if (!S3_ENDPOINT || !S3_ACCESS_KEY || !S3_SECRET_KEY || !S3_BUCKET) {
    const missing = Object.entries({ S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET }).filter(([, v]) => !v);
    throw new Error(`STORAGE_DRIVER=s3 needs ${missing.map(([k]) => k).join(', ')}`);
  }
  return createS3Storage({
    endPoint: S3_ENDPOINT,
    port: config.S3_PORT,
    useSSL: config.S3_USE_SSL,
    accessKey: S3_ACCESS_KEY,
    secretKey: S3_SECRET_KEY,
    bucket: S3_BUCKET,
    region: config.S3_REGION,
  });
}
