import { setTimeout as delay } from 'node:timers/promises';

/** Wait `ms`, or less when `signal` aborts (resolves either way). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  }
}
