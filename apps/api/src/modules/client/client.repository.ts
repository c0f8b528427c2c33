/** SQL of machine (API) clients: sys_api_clients. Never selects the secret hash. */
import { type DbOrTx, pgErrorCode } from '@app/db';
import { DomainError } from '@app/domain';
import { sql } from 'kysely';

const clientColumns = [
  'c.id',
  'c.client_id',
  'c.name',
  'c.kind',
  'c.status',
  'c.device_id',
  'c.last_used_at',
  'c.secret_rotated_at',
  'c.created_at',
  'c.updated_at',
  sql<string[]>`coalesce((SELECT array_agg(r.code ORDER BY r.code) FROM sys_api_client_roles cr
                            JOIN sys_roles r ON r.id = cr.role_id WHERE cr.client_pk = c.id), '{}')`.as('roles'),
] as const;

/** A page of clients ordered by client_id (unique, so it is the keyset); `after` is the last client_id seen. */
export async function listClients(
  db: DbOrTx,
  tenantId: string,
  f: { status?: string; kind?: string; after?: string; limit: number },
) {
  let query = db
    .selectFrom('sys_api_clients as c')
    .select(clientColumns)
    .where('c.tenant_id', '=', tenantId)
    .orderBy('c.client_id')
    .limit(f.limit);
  if (f.status) query = query.where('c.status', '=', f.status);
  if (f.kind) query = query.where('c.kind', '=', f.kind);
  if (f.after !== undefined) query = query.where('c.client_id', '>', f.after);
  return query.execute();
}
export type ClientRow = Awaited<ReturnType<typeof listClients>>[number];

export async function findClient(db: DbOrTx, tenantId: string, id: string): Promise<ClientRow | undefined> {
  return db
    .selectFrom('sys_api_clients as c')
    .select(clientColumns)
    .where('c.tenant_id', '=', tenantId)
    .where('c.id', '=', id)
    .executeTakeFirst();
}

/** Lock the client row for the rest of the transaction. */
export async function lockClient(trx: DbOrTx, tenantId: string, id: string) {
  return trx
    .selectFrom('sys_api_clients')
    .select(['id', 'client_id'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertClient(
  trx: DbOrTx,
  v: { tenantId: string; clientId: string; name: string; kind: string; secretHash: string; deviceId: string | null },
): Promise<string> {
  try {
    const row = await trx
      .insertInto('sys_api_clients')
      .values({
        tenant_id: v.tenantId,
        client_id: v.clientId,
        name: v.name,
        kind: v.kind,
        secret_hash: v.secretHash,
        device_id: v.deviceId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (e) {
    if (pgErrorCode(e) === '23505') {
      throw new DomainError('ALREADY_EXISTS', `A client with client id '${v.clientId}' already exists.`, {
        field: 'body.clientId',
      });
    }
    throw e;
  }
}

export async function updateClient(trx: DbOrTx, id: string, set: { name?: string; status?: string }) {
  await trx
    .updateTable('sys_api_clients')
    .set({ ...set, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function setSecretHash(trx: DbOrTx, id: string, secretHash: string): Promise<Date> {
  const row = await trx
    .updateTable('sys_api_clients')
    .set({ secret_hash: secretHash, secret_rotated_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .returning('secret_rotated_at')
    .executeTakeFirstOrThrow();
  return row.secret_rotated_at;
}
