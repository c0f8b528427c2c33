/**
 * Before the priority classes had their own queues, jobs lived in two queues: `events` (event.dispatch)
 * and `maintenance` (maintenance.cleanup, period.close). After an upgrade nothing consumes those, so at
 * start the worker moves what is still pending there (waiting, prioritized, delayed) into the
 * queue of each job's class under the same job id, and removes their job schedulers (registerSchedules
 * upserts them in the new queues). An outbox event relayed just before the upgrade is therefore still
 * delivered. Finished jobs stay where they are until their retention ends. Safe to run repeatedly and
 * from several processes at once: adding an id that exists is a no-op, removing a moved job twice too.
 */
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix } from './queues.ts';
import { isJobName, jobOptions, queueFor } from './registry.ts';
import { isAutoJobId } from './requeue.ts';

export const LEGACY_QUEUE_NAMES = ['events', 'maintenance'] as const;

const PENDING = ['waiting', 'prioritized', 'delayed'] as const;
const PAGE = 500;

/** BullMQ refuses custom ids that are integers: auto-numbered jobs get a new id in their new queue. */
const reusableId = (id: string | undefined): string | undefined => (id === undefined || isAutoJobId(id) ? undefined : id);

export type LegacyMoveResult = { moved: number; schedulersRemoved: number; unknown: number };

export async function moveLegacyJobs(connection: Redis, prefix: string): Promise<LegacyMoveResult> {
  const result: LegacyMoveResult = { moved: 0, schedulersRemoved: 0, unknown: 0 };
  const targets = new Map<string, Queue>();
  const target = (name: string) => {
    let q = targets.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix: bullPrefix(prefix) });
      q.on('error', () => {});
      targets.set(name, q);
    }
    return q;
  };
  try {
    for (const legacyName of LEGACY_QUEUE_NAMES) {
      const legacy = new Queue(legacyName, { connection, prefix: bullPrefix(prefix) });
      legacy.on('error', () => {});
      try {
        // Cheap check first: a fresh install (or a finished move) has no meta key for the legacy queue.
        if ((await connection.exists(`${bullPrefix(prefix)}:${legacyName}:meta`)) === 0) continue;
        for (const s of await legacy.getJobSchedulers()) {
          if (await legacy.removeJobScheduler(s.key)) result.schedulersRemoved++;
        }
        // Jobs we cannot place (a name the registry no longer knows) stay at the front; page past them.
        for (let skip = 0; ; ) {
          const jobs = (await legacy.getJobs([...PENDING], skip, skip + PAGE - 1)).filter((j): j is Job => Boolean(j));
          for (const job of jobs) {
            if (!isJobName(job.name)) {
              result.unknown++;
              skip++;
              continue;
            }
            const remaining = Math.max(0, (job.opts.delay ?? 0) + job.timestamp - Date.now());
            await target(queueFor(job.name)).add(job.name, job.data, {
              ...jobOptions(job.name, { jobId: reusableId(job.id) }),
              ...(remaining > 0 ? { delay: remaining } : {}),
            });
            // A job that cannot be removed (locked) stays: page past it. One another process moved
            // meanwhile is simply gone.
            await job.remove().catch(() => {
              skip++;
            });
            result.moved++;
          }
          if (jobs.length < PAGE) break;
        }
      } finally {
        await legacy.close();
      }
    }
  } finally {
    await Promise.all([...targets.values()].map((q) => q.close()));
  }
  return result;
}
