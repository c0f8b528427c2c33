import { describe, expect, it } from 'vitest';
import { JobTimeoutError, jobTimeoutMs, runWithTimeout } from '../src/timeout.ts';

describe('runWithTimeout', () => {
  it('returns the result of work that ends in time, and leaves its signal alone', async () => {
    let signal: AbortSignal | undefined;
    const r = await runWithTimeout(async (s) => {
      signal = s;
      return 42;
    }, 1_000);
    expect(r).toBe(42);
    expect(signal?.aborted).toBe(false);
  });

  it('rejects at the deadline with JobTimeoutError and aborts the signal, even if the work ignores it', async () => {
    let signal: AbortSignal | undefined;
    const t0 = Date.now();
    const err = await runWithTimeout(
      (s) => {
        signal = s;
        return new Promise<never>(() => {});
      },
      50,
      { what: 'job x' },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(JobTimeoutError);
    expect(err.message).toBe('job x timed out after 50 ms');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(err);
  });

  it('passes a thrown error through, and rejects when the parent signal aborts', async () => {
    await expect(runWithTimeout(() => Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom');
    const parent = new AbortController();
    const pending = runWithTimeout(() => new Promise<never>(() => {}), 10_000, { signal: parent.signal });
    parent.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
  });

  it('maps a job to the timeout of its class', () => {
    expect(jobTimeoutMs('event.dispatch', { general: 30_000, report: 900_000 })).toBe(30_000);
  });
});
