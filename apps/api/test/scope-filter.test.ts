import { createDb, createPool, type Database } from '@app/db';
import { createTestDatabase } from '@app/devkit/testing';
import { type DataScope, scopeFromRows } from '@app/domain';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeWhere } from '../src/lib/scope-filter.ts';

type T = { things: { id: number; seller_id: string; site_id: string | null } };

describe('scopeWhere filters rows by the caller’s data scope in SQL', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  beforeAll(async () => {
    t = await createTestDatabase();
    db = createDb(createPool({ connectionString: t.url, max: 2 }));
    await sql`CREATE TABLE things (id int PRIMARY KEY, seller_id text NOT NULL, site_id text)`.execute(db);
    await sql`INSERT INTO things VALUES (1, 's1', 'a'), (2, 's1', 'b'), (3, 's2', 'c'), (4, 's3', NULL)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
    await t.drop();
  });

  const ids = async (scope: DataScope) => {
    const k = db as unknown as Kysely<T>;
    const rows = await k
      .selectFrom('things')
      .select('id')
      .where(scopeWhere(scope, { seller: 'seller_id', site: 'site_id' }))
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  };

  it('all → every row; none → no row', async () => {
    expect(await ids({ all: true })).toEqual([1, 2, 3, 4]);
    expect(await ids(scopeFromRows([]))).toEqual([]);
  });

  it('sellers and sites combine with OR', async () => {
    expect(await ids(scopeFromRows([{ scopeType: 'seller', scopeRef: 's1' }]))).toEqual([1, 2]);
    expect(await ids(scopeFromRows([{ scopeType: 'site', scopeRef: 'c' }]))).toEqual([3]);
    expect(
      await ids(
        scopeFromRows([
          { scopeType: 'seller', scopeRef: 's3' },
          { scopeType: 'site', scopeRef: 'b' },
        ]),
      ),
    ).toEqual([2, 4]);
  });

  it('values are bound parameters, never SQL', async () => {
    expect(await ids(scopeFromRows([{ scopeType: 'seller', scopeRef: "s1' OR '1'='1" }]))).toEqual([]);
  });

  it('a table without a site column ignores site scopes (sees nothing unless a seller matches)', async () => {
    const k = db as unknown as Kysely<T>;
    const scope = scopeFromRows([{ scopeType: 'site', scopeRef: 'a' }]);
    const rows = await k
      .selectFrom('things')
      .select('id')
      .where(scopeWhere(scope, { seller: 'seller_id' }))
      .execute();
    expect(rows).toEqual([]);
  });
});
