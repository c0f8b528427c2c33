import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@app/devkit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool } from '../src/client.ts';
import { generateTypes, generateVersionFile, TYPES_FILE, VERSION_FILE } from '../src/codegen.ts';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../src/migrate.ts';
import { assertSchemaVersion, SCHEMA_VERSION, SchemaVersionMismatchError } from '../src/schema-version.ts';

describe('migrations', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('file names are timestamped and the code version is the newest file', async () => {
    const files = await readMigrations();
    expect(files.length).toBeGreaterThan(0);
    expect(SCHEMA_VERSION).toBe(files.at(-1)!.version);
    expect(readFileSync(VERSION_FILE, 'utf8')).toBe(await generateVersionFile());
  });

  it('re-running migrate on a migrated database applies nothing', async () => {
    const r = await migrate(t.url);
    expect(r.applied).toEqual([]);
    expect(r.version).toBe(SCHEMA_VERSION);
  });

  it('refuses an applied migration whose file was edited (forward-only)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const first = (await readMigrations(dir))[0]!;
    writeFileSync(join(dir, first.file), `${first.sql}\n-- edited\n`);
    await expect(migrate(t.url, { dir })).rejects.toThrow(/was changed after it was applied/);
  });

  it('the schema version check accepts the current version and names both versions when they differ', async () => {
    const db = createDb(createPool({ connectionString: t.url }));
    try {
      await expect(assertSchemaVersion(db)).resolves.toBeUndefined();
      await sql`UPDATE sys_schema_version SET version = 20990101000000`.execute(db);
      const err = await assertSchemaVersion(db).catch((e) => e);
      expect(err).toBeInstanceOf(SchemaVersionMismatchError);
      expect(err.message).toContain('20990101000000');
      expect(err.message).toContain(String(SCHEMA_VERSION));
      expect(err.message).toMatch(/newer than the code/);
    } finally {
      await sql`UPDATE sys_schema_version SET version = ${SCHEMA_VERSION.toString()}::bigint`.execute(db);
      await db.destroy();
    }
  });

  it('the committed Kysely types match the migrated schema (run `pnpm db:codegen` when this fails)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'codegen-')), 'types.ts');
    const generated = await generateTypes(t.url, out);
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(generated);
  });
});
