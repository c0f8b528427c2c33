/**
 * Repeating jobs, registered with BullMQ job schedulers (upsert: re-registering on every start
 * updates the schedule instead of adding a second one; several worker processes may do it at once).
 */
import { JOBS, type JobName, type JobPayload, jobOptions, type Queues, queueFor } from '@app/jobs';
import type { Logger } from '@app/logger';
import { sleep } from './lib/sleep.ts';

/** Every `every` ms, or at the times of a cron `pattern` in time zone `tz`. */
type Repeat = { every: number } | { pattern: string; tz: string };
type Schedule<N extends JobName = JobName> = { id: string; job: N; repeat: Repeat; payload: JobPayload<N> };

export const SCHEDULES: Schedule[] = [
  { id: 'maintenance-cleanup-hourly', job: 'maintenance.cleanup', repeat: { every: 3_600_000 }, payload: {} },
  // The Turnkey pipeline: each run drains what is due (several may run at once; rows are claimed with SKIP LOCKED).
  { id: 'turnkey-handoff', job: 'turnkey.handoff', repeat: { every: 5_000 }, payload: {} },
  { id: 'turnkey-results', job: 'turnkey.results', repeat: { every: 15_000 }, payload: {} },
  { id: 'turnkey-deadlines', job: 'turnkey.deadlines', repeat: { every: 600_000 }, payload: {} },
  // Turnkey's Unpack/BAK: ProcessResult, SummaryResult and E0501 files, each read once.
  { id: 'turnkey-unpack', job: 'turnkey.unpack', repeat: { every: 60_000 }, payload: {} },
  // The daily reconciliation, once the previous day's SummaryResult has normally arrived (time unverified).
  { id: 'turnkey-reconcile-daily', job: 'turnkey.reconcile', repeat: { pattern: '30 6 * * *', tz: 'Asia/Taipei' }, payload: {} },
  // Signing certificates that expire soon: every morning, before the business day (Asia/Taipei).
  { id: 'certificate-watch-daily', job: 'certificate.watch', repeat: { pattern: '0 8 * * *', tz: 'Asia/Taipei' }, payload: {} },
  // Periods end at 00:00 Asia/Taipei on the 1st of odd months; running daily also catches a missed night.
  { id: 'period-close-daily', job: 'period.close', repeat: { pattern: '5 0 * * *', tz: 'Asia/Taipei' }, payload: {} },
  // E-mail notifications: due mails (new ones also ask for a run at once; each mail keeps its own retry
  // times), and every five minutes on the clock the digests that have come due (hourly ones at the full hour).
  { id: 'notification-send', job: 'notification.send', repeat: { every: 10_000 }, payload: {} },
  { id: 'notification-digest', job: 'notification.digest', repeat: { pattern: '*/5 * * * *', tz: 'Asia/Taipei' }, payload: {} },
  // Webhooks: the sweep sends what is due (retries, deliveries whose nudge was lost); new events nudge at once.
  { id: 'webhook-deliver', job: 'webhook.deliver', repeat: { every: 5_000 }, payload: {} },
  // VACUUM (ANALYZE) of the tables rows come and go in fastest: off-peak, before the business day.
  {
    id: 'maintenance-vacuum-daily',
    job: 'maintenance.vacuum',
    repeat: { pattern: '30 3 * * *', tz: 'Asia/Taipei' },
    payload: {},
  },
  { id: 'webhook-cleanup-hourly', job: 'webhook.cleanup', repeat: { every: 3_600_000 }, payload: {} },
  // Invoice months past the hot window go to storage: off-peak, after the vacuum and the slow-query report. Daily,
  // so a month that had to wait (a message not yet accepted) goes as soon as it may.
  {
    id: 'maintenance-archive-daily',
    job: 'maintenance.archive',
    repeat: { pattern: '30 4 * * *', tz: 'Asia/Taipei' },
    payload: {},
  },
  // The slow-query report: once a day, off-peak, after the night's vacuum; each report covers the day before.
  {
    id: 'maintenance-slow-queries-daily',
    job: 'maintenance.slow_queries',
    repeat: { pattern: '0 4 * * *', tz: 'Asia/Taipei' },
    payload: {},
  },
];

export async function registerSchedules(queues: Queues, schedules: Schedule[] = SCHEDULES): Promise<void> {
  for (const s of schedules) {
    const def = JOBS[s.job];
    const { jobId: _jobId, ...opts } = jobOptions(s.job);
    // In the queue of the job's priority class (P4 cleanup, P3 period close).
    await queues[queueFor(s.job)].upsertJobScheduler(s.id, s.repeat, {
      name: s.job,
      data: def.payload.parse(s.payload),
      opts,
    });
  }
}

/**
 * Register the schedules in the background, retrying until Redis takes them, so a worker started while
 * Redis is down still runs its other duties. `before` runs first in each try (moving jobs left in the
 * queues of an older version). Returns a function that gives up (for shutdown).
 */
export function registerSchedulesInBackground(
  queues: Queues,
  log: Logger,
  opts: { retryMs?: number; before?: () => Promise<void> } = {},
): { cancel(): void; done: Promise<boolean> } {
  const retryMs = opts.retryMs ?? 5_000;
  const stop = new AbortController();
  const done = (async () => {
    for (let attempt = 1; !stop.signal.aborted; attempt++) {
      try {
        await opts.before?.();
        await registerSchedules(queues);
        log.info({ schedules: SCHEDULES.map((s) => s.id) }, 'job schedules registered');
        return true;
      } catch (err) {
        if (stop.signal.aborted) break;
        if (attempt === 1) log.warn({ err }, 'could not register job schedules yet; retrying');
        await sleep(retryMs, stop.signal);
      }
    }
    return false;
  })();
  return { cancel: () => stop.abort(), done };
}
