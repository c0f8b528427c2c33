import type { Database } from '@app/db';
import type { JobHandlers } from '@app/jobs';
import type { XsdValidator } from '@app/xsd';
import type { ApiServices } from '../api-services.ts';
import type { SubscriberRegistry } from '../subscribers.ts';
import { createEventDispatchHandler } from './event.dispatch.ts';
import { createMaintenanceCleanupHandler } from './maintenance.cleanup.ts';
import { createPeriodCloseHandler } from './period.close.ts';
import { createTurnkeyDeadlinesHandler, createTurnkeyHandoffHandler, createTurnkeyResultsHandler } from './turnkey.ts';

/** The production handler of every job in the registry (the type makes a missing one a compile error). */
export function createHandlers(deps: {
  db: Database;
  subscribers: SubscriberRegistry;
  /** The API's services (issuing, E0501 import) for the jobs that need them. */
  api?: () => Promise<ApiServices>;
  offlineGraceHours?: number;
  turnkey?: {
    root?: string | undefined;
    dbUrl?: string | undefined;
    validator: XsdValidator | null;
    batchSize: number;
    riskHours?: { b2c: number; b2b: number };
  };
}): JobHandlers {
  const tk = deps.turnkey ?? { validator: null, batchSize: 500 };
  return {
    'turnkey.handoff': createTurnkeyHandoffHandler({
      db: deps.db,
      root: tk.root,
      validator: tk.validator,
      batchSize: tk.batchSize,
    }),
    'turnkey.results': createTurnkeyResultsHandler({ db: deps.db, turnkeyDbUrl: tk.dbUrl }),
    'turnkey.deadlines': createTurnkeyDeadlinesHandler({
      db: deps.db,
      b2cHours: tk.riskHours?.b2c ?? 24,
      b2bHours: tk.riskHours?.b2b ?? 96,
    }),
    'event.dispatch': createEventDispatchHandler(deps),
    'maintenance.cleanup': createMaintenanceCleanupHandler(deps),
    'period.close': createPeriodCloseHandler(deps),
  };
}
