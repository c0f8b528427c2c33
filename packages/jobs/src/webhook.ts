import type { Queues } from './queues.ts';
import { jobOptions, queueFor } from './registry.ts';

/** The deduplication id of webhook.deliver nudges. */
export const WEBHOOK_NUDGE_ID = 'webhook-deliver-nudge';

/**
 * Ask a worker to send due webhook deliveries now instead of at the next scheduled sweep (every 5 s). Call
 * it after the deliveries are committed (never inside the transaction). At most one nudge waits while one
 * runs (BullMQ deduplication, keepLastIfActive), so a burst of events adds no pile of jobs and a nudge made
 * while a run finishes is not lost. It goes to the head of its queue (LIFO): a backlog of other P2 jobs (say
 * 10,000 events being dispatched) must not hold back the sending of what they produced. A lost nudge only
 * costs time: the sweep finds every due delivery.
 */
export async function nudgeWebhookDelivery(queues: Queues): Promise<void> {
  const { jobId: _jobId, ...opts } = jobOptions('webhook.deliver');
  await queues[queueFor('webhook.deliver')].add(
    'webhook.deliver',
    {},
    { ...opts, lifo: true, deduplication: { id: WEBHOOK_NUDGE_ID, keepLastIfActive: true } },
  );
}
