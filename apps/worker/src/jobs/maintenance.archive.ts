import type { Database } from '@app/db';
import type { JobHandler } from '@app/jobs';
import type { Storage } from '@app/storage';
import { archiveMonths } from '../archive/archive.ts';

/** ARCHIVE_HOT_MONTHS and ARCHIVE_RESTORED_KEEP_DAYS as in the config's defaults. */
export const DEFAULT_ARCHIVE = { hotMonths: 12, restoredKeepDays: 30 };

/**
 * maintenance.archive: move the invoice months older than the hot window to storage (docs/archive.md).
 * A month that must wait is logged and tried again on the next run; a month that fails fails the job (so it
 * shows among the dead letters once its retries are used up) after the other months had their turn.
 */
export function createMaintenanceArchiveHandler(deps: {
  db: Database;
  /** Where the archives go; without storage the job does nothing. */
  storage: Storage | null | undefined;
  hotMonths: number;
  restoredKeepDays: number;
  now?: () => Date;
}): JobHandler<'maintenance.archive'> {
  return async (_payload, { signal, log }) => {
    const storage = deps.storage;
    if (deps.hotMonths === 0 || !storage) {
      log.info({}, storage ? 'invoice archiving is off (ARCHIVE_HOT_MONTHS=0)' : 'invoice archiving is off: no storage');
      return 'skipped';
    }
    const run = await archiveMonths(
      { db: deps.db, storage },
      {
        now: deps.now?.() ?? new Date(),
        hotMonths: deps.hotMonths,
        restoredKeepDays: deps.restoredKeepDays,
        by: 'job:maintenance.archive',
        signal,
        log,
      },
    );
    if (run.busy) {
      log.info({}, 'another archive or restore is running; the next run archives');
      return 'skipped';
    }
    const failed = run.months.filter((o) => o.outcome === 'failed');
    if (failed.length > 0) {
      throw new Error(`archiving failed for ${failed.map((f) => `${f.month} (${f.error})`).join('; ')}`);
    }
    return run.months.some((o) => o.outcome === 'archived') ? 'done' : 'skipped';
  };
}
