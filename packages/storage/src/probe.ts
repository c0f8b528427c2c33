import { randomBytes, randomUUID } from 'node:crypto';
import type { Storage } from './storage.ts';

/**
 * The health probe both drivers share: write a small random object under `.health/`, read it back,
 * compare, delete it. Throws `<where> check failed: <reason>` with the original error as `cause`.
 */
export async function probeRoundTrip(storage: Storage, where: string): Promise<void> {
  const key = `.health/${randomUUID()}`;
  const payload = randomBytes(32);
  try {
    await storage.put(key, payload, { contentType: 'application/octet-stream' });
    const back = await storage.get(key);
    if (!back.equals(payload)) throw new Error(`read back ${back.length} bytes that differ from the ${payload.length} written`);
    await storage.delete(key);
  } catch (e) {
    await storage.delete(key).catch(() => {}); // best effort; the reason reported is the first failure
    throw new Error(`${where} check failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
