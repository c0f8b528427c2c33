/**
 * The API's services, made in the worker for the jobs that issue (batch imports) or import (E0501 files
 * Turnkey downloads): built on first use — the tenant's id is read from the database then — and shared
 * by every job of the process.
 */
import {
  type AppDeps,
  createImportRunService,
  createInvoiceService,
  createTrackImportService,
  type ImportRunService,
  type InvoiceService,
} from '@app/api/services';
import type { Config } from '@app/config';
import type { Database } from '@app/db';
import type { Logger } from '@app/logger';
import type { Storage } from '@app/storage';
import type pg from 'pg';

export type ApiServices = {
  tenant: { id: string; code: string };
  invoices: InvoiceService;
  tracks: ReturnType<typeof createTrackImportService>;
  /** Batch imports of invoices (job import.invoices), issuing through `invoices`. */
  imports: ImportRunService;
};

export function lazyApiServices(deps: {
  config: Config;
  db: Database;
  pool: pg.Pool;
  storage: Storage;
  log: Logger;
  now?: () => Date;
}): () => Promise<ApiServices> {
  let made: Promise<ApiServices> | null = null;
  const make = async (): Promise<ApiServices> => {
    const row = await deps.db
      .selectFrom('sys_tenants')
      .select('id')
      .where('code', '=', deps.config.TENANT_CODE)
      .executeTakeFirst();
    if (!row) throw new Error(`tenant '${deps.config.TENANT_CODE}' does not exist in this database: check TENANT_CODE`);
    const tenant = { id: row.id, code: deps.config.TENANT_CODE };
    const base: Pick<AppDeps, 'config' | 'db' | 'pool' | 'storage' | 'log' | 'tenant' | 'now'> = {
      config: deps.config,
      db: deps.db,
      pool: deps.pool,
      storage: deps.storage,
      log: deps.log,
      tenant,
      now: deps.now ?? (() => new Date()),
    };
    const invoices = createInvoiceService(base);
    return {
      tenant,
      invoices,
      tracks: createTrackImportService(base),
      imports: createImportRunService({ ...base, invoices }),
    };
  };
  return () => {
    // A failure (database down at first use) is not kept: the next job tries again.
    made ??= make().catch((e) => {
      made = null;
      throw e;
    });
    return made;
  };
}
