/**
 * webhook.deliver: one run of the process's webhook sender (apps/worker/src/webhook/deliverer.ts), from the
 * 5 s schedule or a nudge. A job that finds a run of this process going wakes it and ends `skipped`.
 */
import type { JobHandler } from '@app/jobs';
import type { WebhookDeliverer } from '../webhook/deliverer.ts';

export function createWebhookDeliverHandler(deps: { deliverer?: WebhookDeliverer | undefined }): JobHandler<'webhook.deliver'> {
  return async (_payload, { signal, log }) => {
    if (!deps.deliverer) return 'skipped';
    const stats = await deps.deliverer.run(signal, log);
    if (!stats) return 'skipped';
    if (stats.claimed > 0) log.info(stats, 'webhook deliveries sent');
    return stats.claimed > 0 ? 'done' : 'skipped';
  };
}
