/**
 * import.invoices: run one invoice import (apps/api/src/modules/import/import-run.service.ts does the work,
 * with the API's issuing). The upload commits the import with an ImportQueued event; the outbox relay
 * delivers that event here and `importQueuedSubscriber` adds the job — so a file accepted while Redis was
 * down is processed once it is back, like every outbox event. The job id is the import's, so a redelivered
 * event adds no second job; and a second run of one import finds nothing left to do.
 */
import { addJob, EVENTS, type JobHandler, type Queues } from '@app/jobs';
import { UnrecoverableError } from 'bullmq';
import type { ApiServices } from '../api-services.ts';
import type { EventSubscriber } from '../subscribers.ts';

/** The BullMQ job id of import `importId`'s job. */
export const importJobId = (importId: string): string => `import-${importId}`;

export function createImportInvoicesHandler(deps: {
  api?: (() => Promise<ApiServices>) | undefined;
}): JobHandler<'import.invoices'> {
  return async ({ importId }, { signal, log }) => {
    if (!deps.api) throw new UnrecoverableError('this worker was started without the API services: it cannot issue invoices');
    const { imports } = await deps.api();
    return imports.run(importId, { signal, log });
  };
}

/** The outbox subscriber that sets an accepted import going. */
export function importQueuedSubscriber(queues: Queues): EventSubscriber {
  return async (event) => {
    if (event.type !== 'ImportQueued') return;
    const { importId } = EVENTS.ImportQueued.payload.parse(event.payload);
    await addJob(queues, 'import.invoices', { importId }, { jobId: importJobId(importId) });
  };
}
