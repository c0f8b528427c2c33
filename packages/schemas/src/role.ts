import { ALL_PERMISSIONS } from '@app/domain/browser';
import { z } from 'zod';

/** `:id` of users, roles and clients. */
export const idParams = z.strictObject({ id: z.uuid({ error: 'must be a UUID' }) });

export const roleCode = z.string().regex(/^[a-z0-9][a-z0-9_-]{1,39}$/, '2-40 lowercase letters, digits, _ or -');
const permissionCode = z.enum(ALL_PERMISSIONS, { error: 'unknown permission code; see GET /api/v1/permissions' });

/** Role codes assigned to a user or a client; each must name an existing role. */
export const roleCodes = z.array(roleCode).max(50);

/** A data scope as written: `all`, or lists of seller and site ids (never both). */
export const dataScope = z
  .strictObject({
    all: z.boolean(),
    sellers: z.array(z.string().min(1).max(64)).max(1000),
    sites: z.array(z.string().min(1).max(64)).max(1000),
  })
  .refine((s) => !s.all || (s.sellers.length === 0 && s.sites.length === 0), {
    message: 'all: true sees everything; sellers and sites must then be empty',
    path: ['all'],
  });
export type DataScopeInput = z.infer<typeof dataScope>;
export const dataScopeView = z.object({ all: z.boolean(), sellers: z.array(z.string()), sites: z.array(z.string()) });

export const permissionList = z.object({ items: z.array(z.object({ code: z.string(), description: z.string() })) });

export const roleView = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  description: z.string(),
  permissions: z.array(z.string()),
  mfaRequired: z.boolean(),
  isSystem: z.boolean(),
  userCount: z.number(),
  clientCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RoleView = z.infer<typeof roleView>;

const name = z.string().trim().min(1).max(100);
const description = z.string().max(500);
const permissions = z.array(permissionCode).max(ALL_PERMISSIONS.length * 2);

export const createRoleBody = z.strictObject({
  code: roleCode,
  name,
  description: description.optional(),
  permissions,
  mfaRequired: z.boolean().optional(),
});
export type CreateRoleInput = z.infer<typeof createRoleBody>;

export const updateRoleBody = z.strictObject({
  name: name.optional(),
  description: description.optional(),
  permissions: permissions.optional(),
  mfaRequired: z.boolean().optional(),
});
export type UpdateRoleInput = z.infer<typeof updateRoleBody>;

export const deletedRole = z.object({ id: z.string(), deleted: z.literal(true) });
