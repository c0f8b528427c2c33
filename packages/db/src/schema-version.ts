import { type Kysely, sql } from 'kysely';
import { SCHEMA_VERSION } from './schema-version.generated.ts';

export { SCHEMA_VERSION };

export class SchemaVersionMismatchError extends Error {
  override readonly name = 'SchemaVersionMismatchError';
  constructor(
    readonly database: bigint | null,
    readonly code: bigint,
  ) {
    super(
      database === null
        ? `database has no schema version (expected ${code}); run the migrate command first`
        : database < code
          ? `database schema version ${database} is older than the code's ${code}; run the migrate command`
          : `database schema version ${database} is newer than the code's ${code}; deploy the matching code`,
    );
  }
}

/** Throws SchemaVersionMismatchError unless sys_schema_version equals the code's SCHEMA_VERSION. */
export async function assertSchemaVersion(db: Kysely<any>, expected: bigint = SCHEMA_VERSION): Promise<void> {
  let found: bigint | null = null;
  try {
    const r = await sql<{ version: string }>`SELECT version::text AS version FROM sys_schema_version`.execute(db);
    const v = r.rows[0]?.version;
    found = v === undefined ? null : BigInt(v);
  } catch (e) {
    if ((e as { code?: string }).code !== '42P01') throw e; // undefined_table: not migrated at all
  }
  if (found !== expected) throw new SchemaVersionMismatchError(found, expected);
}
