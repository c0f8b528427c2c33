import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './types.generated.ts';

// bigint columns (int8) come back as strings by default; ids in this system fit in JS numbers,
// money is never bigint. Keep int8 as string to be safe; parse where a number is wanted.
// timestamptz stays a Date.

export type Database = Kysely<DB>;
export type Tx = Transaction<DB>;
export type DbOrTx = Database | Tx;

export function createPool(opts: {
  connectionString: string;
  max?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
}): pg.Pool {
  return new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    statement_timeout: opts.statementTimeoutMs,
    application_name: opts.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
}

export function createDb(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** The Postgres error code of a driver error, if any (23505 unique_violation, 40001 serialization_failure...). */
export const pgErrorCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
