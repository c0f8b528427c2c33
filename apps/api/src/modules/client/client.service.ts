/**
 * Machine clients (OAuth2 client credentials: POS terminals, ERP systems, services): their roles,
 * data scopes and secrets. A secret is shown once, at creation or rotation, and stored hashed.
 */
import { randomBytes } from 'node:crypto';
import type { DbOrTx } from '@app/db';
import { DomainError } from '@app/domain';
import { appendOutbox } from '@app/jobs';
import type { ClientDetail, ClientView, CreateClientInput, ListClientsQuery, UpdateClientInput } from '@app/schemas/client';
import type { DataScopeInput } from '@app/schemas/role';
import { hashSecret, randomToken } from '@app/security';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope } from '../../lib/scope-filter.ts';
import { findDevice } from '../device/device.repository.ts';
import type { Subject } from '../role/role.repository.ts';
import { type RoleService, sameSet } from '../role/role.service.ts';
import {
  type ClientRow,
  findClient,
  insertClient,
  listClients,
  lockClient,
  setSecretHash,
  updateClient,
} from './client.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant'> & {
  roles: Pick<
    RoleService,
    'resolveCodes' | 'assignRoles' | 'scopeOf' | 'initScope' | 'replaceScope' | 'assertCallerKeepsUserManage'
  >;
};

const toView = (r: ClientRow): ClientView => ({
  id: r.id,
  clientId: r.client_id,
  name: r.name,
  kind: r.kind as ClientView['kind'],
  status: r.status === 'disabled' ? 'disabled' : 'active',
  roles: r.roles,
  deviceId: r.device_id,
  lastUsedAt: r.last_used_at ? r.last_used_at.toISOString() : null,
  secretRotatedAt: r.secret_rotated_at.toISOString(),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** What the audit log keeps of a client: never the secret or its hash. */
const auditSummary = (c: ClientDetail) => ({
  clientId: c.clientId,
  name: c.name,
  kind: c.kind,
  status: c.status,
  roles: c.roles,
  scope: c.scope,
});

/** A new secret and its stored form. */
const newSecret = async () => {
  const secret = randomToken(32);
  return { secret, hash: await hashSecret(secret) };
};

export function createClientService(deps: Deps) {
  const { db, tenant, roles } = deps;
  const subjectOf = (id: string): Subject => ({ type: 'client', id });
  const isSelf = (ctx: RequestContext, id: string) => ctx.principal?.kind === 'client' && ctx.principal.id === id;

  async function detail(dbOrTx: DbOrTx, id: string): Promise<ClientDetail> {
    const row = await findClient(dbOrTx, tenant.id, id);
    if (!row) throw new DomainError('NOT_FOUND', `No client with id ${id}.`);
    return { ...toView(row), scope: await roles.scopeOf(dbOrTx, subjectOf(id)) };
  }

  /** Lock the client for this transaction and read it before the change; 404 when it does not exist. */
  async function begin(trx: Tx, ctx: RequestContext, id: string) {
    const row = await lockClient(trx, tenant.id, id);
    if (!row) throw new DomainError('NOT_FOUND', `No client with id ${id}.`);
    ctx.audit.target = { type: 'client', id };
    return detail(trx, id);
  }

  return {
    async list(q: ListClientsQuery) {
      const rows = await listClients(db, tenant.id, { status: q.status, kind: q.kind, after: q.cursor, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return { items: page.map(toView), nextCursor: rows.length > q.limit ? (page.at(-1)?.client_id ?? null) : null };
    },

    get: (id: string) => detail(db, id),

    async create(trx: Tx, ctx: RequestContext, input: CreateClientInput): Promise<ClientDetail & { clientSecret: string }> {
      const assigned = await roles.resolveCodes(trx, input.roles, 'body.roles');
      const clientId = input.clientId ?? `${input.kind}-${randomBytes(4).toString('hex')}`;
      const { secret, hash } = await newSecret();
      if (input.deviceId) {
        const device = await findDevice(trx, tenant.id, callerScope(ctx), input.deviceId);
        if (!device || device.revoked_at) {
          throw new DomainError('VALIDATION_ERROR', `No active device with id ${input.deviceId} in your scope.`, [
            { field: 'body.deviceId', message: device ? 'device is revoked' : 'unknown device' },
          ]);
        }
      }
      const id = await insertClient(trx, {
        tenantId: tenant.id,
        clientId,
        name: input.name,
        kind: input.kind,
        secretHash: hash,
        deviceId: input.deviceId ?? null,
      });
      await roles.assignRoles(trx, subjectOf(id), assigned.ids);
      await roles.initScope(trx, subjectOf(id), input.scope);
      await appendOutbox(
        trx,
        'ApiClientCreated',
        { clientPk: id, clientId, kind: input.kind },
        { aggregateType: 'client', aggregateId: id, requestId: ctx.requestId },
      );
      const after = await detail(trx, id);
      ctx.audit.target = { type: 'client', id };
      ctx.audit.after = auditSummary(after);
      return { ...after, clientSecret: secret };
    },

    async update(trx: Tx, ctx: RequestContext, id: string, input: UpdateClientInput): Promise<ClientDetail> {
      const before = await begin(trx, ctx, id);
      if (input.status === 'disabled' && isSelf(ctx, id)) {
        throw new DomainError('CONFLICT', 'A client cannot disable itself.', { field: 'body.status', reason: 'self_lockout' });
      }
      const set: { name?: string; status?: string } = {};
      if (input.name !== undefined && input.name !== before.name) set.name = input.name;
      if (input.status !== undefined && input.status !== before.status) set.status = input.status;
      if (Object.keys(set).length > 0) await updateClient(trx, id, set);
      if (input.roles !== undefined) {
        const assigned = await roles.resolveCodes(trx, input.roles, 'body.roles');
        if (!sameSet(assigned.codes, before.roles)) {
          await roles.assignRoles(trx, subjectOf(id), assigned.ids);
          await roles.assertCallerKeepsUserManage(trx, ctx);
        }
      }
      const after = await detail(trx, id);
      ctx.audit.before = auditSummary(before);
      ctx.audit.after = auditSummary(after);
      return after;
    },

    /** A new secret, shown once; the old one stops working at once (tokens already issued run out within their TTL). */
    async rotateSecret(trx: Tx, ctx: RequestContext, id: string) {
      const before = await begin(trx, ctx, id);
      const { secret, hash } = await newSecret();
      const rotatedAt = await setSecretHash(trx, id, hash);
      ctx.audit.note = { clientId: before.clientId, previousRotation: before.secretRotatedAt };
      return { id, clientId: before.clientId, clientSecret: secret, secretRotatedAt: rotatedAt.toISOString() };
    },

    async setScope(trx: Tx, ctx: RequestContext, id: string, scope: DataScopeInput): Promise<ClientDetail> {
      await begin(trx, ctx, id);
      await roles.replaceScope(trx, ctx, subjectOf(id), scope);
      return detail(trx, id);
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
