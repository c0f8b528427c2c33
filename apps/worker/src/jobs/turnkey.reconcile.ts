/**
 * `turnkey.reconcile` (daily, 06:30 Asia/Taipei): compares a day's hand-offs with the platform's
 * SummaryResult (turnkey/reconcile.ts). Without a day in the payload it reconciles yesterday and, again, the
 * day before — a summary that arrived late or a pack made after midnight settles on the second look.
 */
import type { Database } from '@app/db';
import type { JobHandler } from '@app/jobs';
import { defaultReconcileDays, reconcileDay } from '../turnkey/reconcile.ts';

export function createTurnkeyReconcileHandler(deps: { db: Database; now?: () => Date }): JobHandler<'turnkey.reconcile'> {
  return async (payload, { log }) => {
    const days = payload.day ? [payload.day] : defaultReconcileDays((deps.now ?? (() => new Date()))());
    for (const day of days) {
      const r = await reconcileDay(deps, day);
      log[r.differences > 0 ? 'warn' : 'info'](
        {
          day,
          differences: r.differences,
          eventEmitted: r.eventEmitted,
          types: r.types.map((t) => `${t.messageType}:${t.differences.length}`),
        },
        r.differences > 0 ? 'Turnkey reconciliation found differences' : 'Turnkey reconciliation matches',
      );
    }
    return 'done';
  };
}
