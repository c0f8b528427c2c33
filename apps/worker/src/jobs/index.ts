import type { Database } from '@app/db';
import type { JobHandlers } from '@app/jobs';
import type { SubscriberRegistry } from '../subscribers.ts';
import { createEventDispatchHandler } from './event.dispatch.ts';
import { createMaintenanceCleanupHandler } from './maintenance.cleanup.ts';
import { createPeriodCloseHandler } from './period.close.ts';

/** The production handler of every job in the registry (the type makes a missing one a compile error). */
export function createHandlers(deps: { db: Database; subscribers: SubscriberRegistry; offlineGraceHours?: number }): JobHandlers {
  return {
    'event.dispatch': createEventDispatchHandler(deps),
    'maintenance.cleanup': createMaintenanceCleanupHandler(deps),
    'period.close': createPeriodCloseHandler(deps),
  };
}
