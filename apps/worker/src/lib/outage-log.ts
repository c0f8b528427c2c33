import type { Logger } from '@app/logger';

/**
 * Logs a failing dependency once per outage instead of on every retry: the first failure at error
 * level, then nothing until `recovered()`, which logs how long it lasted and how many tries failed.
 */
export function createOutageLog(log: Logger, what: string) {
  let since: number | null = null;
  let failures = 0;
  return {
    failed(err: unknown, extra: Record<string, unknown> = {}): void {
      failures++;
      if (since !== null) return;
      since = Date.now();
      log.error({ err, ...extra }, `${what} failing; retrying until it recovers (logged once per outage)`);
    },
    recovered(): void {
      if (since === null) return;
      log.info({ failures, downMs: Date.now() - since }, `${what} recovered`);
      since = null;
      failures = 0;
    },
    get down(): boolean {
      return since !== null;
    },
  };
}

export type OutageLog = ReturnType<typeof createOutageLog>;
