/**
 * Put a job that failed for good back in its queue, under the same job id, so it can never run twice
 * at once: BullMQ holds one job per id, and a job id that is waiting, delayed or running is left alone.
 *
 * - The failed job is still in Redis (kept KEEP_FAILED_SECONDS): BullMQ retries it in place (same id,
 *   same payload, attempts reset). If its type has moved to another class meanwhile, it is removed and
 *   added to the new class's queue under the same id.
 * - It is gone (retention over, Redis rebuilt): it is added again with the given payload, under its old
 *   id — or `fallbackJobId` when the old one was an auto-numbered id, which BullMQ does not accept as a
 *   custom id.
 * - A job under that id is already waiting, delayed or running (retried twice, or by hand): nothing is
 *   added; the result says `pending`.
 * - It completed since (retried elsewhere and succeeded): nothing is added; the result says `completed`.
 */
import type { Job } from 'bullmq';
import type { Queues } from './queues.ts';
import { type JobName, jobOptions, QUEUE_NAMES, type QueueName, queueFor } from './registry.ts';

export type RequeueOutcome = 'retried' | 'added' | 'pending' | 'completed';
export type RequeueResult = { jobId: string; queue: QueueName; state: string } & (
  | { outcome: 'retried' | 'added' | 'pending' }
  | { outcome: 'completed' }
);

const PENDING_STATES = new Set(['waiting', 'prioritized', 'delayed', 'active', 'waiting-children']);

/** BullMQ refuses integer custom ids (auto-numbered jobs use them). */
export const isAutoJobId = (id: string): boolean => `${Number.parseInt(id, 10)}` === id;

const isQueueName = (q: string): q is QueueName => (QUEUE_NAMES as string[]).includes(q);

export async function requeueJob(
  queues: Queues,
  d: { queue: string; jobId: string; name: JobName; payload: unknown; fallbackJobId: string },
): Promise<RequeueResult> {
  const target = queueFor(d.name);
  const at = async (queue: QueueName, job: Job, outcome: 'retried' | 'added'): Promise<RequeueResult> => ({
    outcome,
    jobId: job.id!,
    queue,
    state: await job.getState(),
  });

  const source = isQueueName(d.queue) ? d.queue : undefined;
  const existing = source ? await queues[source].getJob(d.jobId) : undefined;
  if (source && existing) {
    const state = await existing.getState();
    if (PENDING_STATES.has(state)) return { outcome: 'pending', jobId: d.jobId, queue: source, state };
    if (state === 'completed') return { outcome: 'completed', jobId: d.jobId, queue: source, state };
    if (state === 'failed' && source === target) {
      try {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return at(source, existing, 'retried');
      } catch (err) {
        // Moved by someone else between our look and the retry: report what it is now.
        const now = await existing.getState();
        if (PENDING_STATES.has(now) || now === 'completed') {
          return { outcome: now === 'completed' ? 'completed' : 'pending', jobId: d.jobId, queue: source, state: now };
        }
        throw err;
      }
    }
    // Failed in a queue that is no longer its class's (or in an unknown state): take it out, add it anew.
    await existing.remove();
  }

  const jobId = isAutoJobId(d.jobId) ? d.fallbackJobId : d.jobId;
  // The id may be held in the target queue already (the fallback id of an earlier retry, or the same id
  // when the source queue was another): deal with that job instead of adding (an add would be ignored).
  const held = source === target && jobId === d.jobId ? undefined : await queues[target].getJob(jobId);
  if (held) {
    const state = await held.getState();
    if (PENDING_STATES.has(state)) return { outcome: 'pending', jobId, queue: target, state };
    if (state === 'completed') return { outcome: 'completed', jobId, queue: target, state };
    await held.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return at(target, held, 'retried');
  }
  const added = await queues[target].add(d.name, d.payload, jobOptions(d.name, { jobId }));
  return at(target, added, 'added');
}
