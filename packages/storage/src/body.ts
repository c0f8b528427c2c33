import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * A put body as an async iterable of Buffers that counts and hashes the bytes as they pass through,
 * so both drivers can report size and SHA-256 without reading the data twice.
 */
export function meter(body: Buffer | string | Readable) {
  const hash = createHash('sha256');
  let size = 0;
  let finished = false;
  async function* chunks(): AsyncGenerator<Buffer> {
    const source: AsyncIterable<unknown> | Iterable<unknown> =
      typeof body === 'string' || Buffer.isBuffer(body) ? [Buffer.from(body)] : body;
    for await (const chunk of source) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string | Uint8Array);
      hash.update(buf);
      size += buf.length;
      yield buf;
    }
    finished = true;
  }
  /** Size and hex SHA-256 of everything read; only valid once `chunks` has been consumed to the end. */
  function result(): { size: number; sha256: string } {
    if (!finished) throw new Error('storage body was not read to the end');
    return { size, sha256: hash.digest('hex') };
  }
  return { chunks, result };
}

/** Read a whole stream into one Buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(parts);
}
