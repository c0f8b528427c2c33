import { z } from 'zod';
import { password, username } from './auth.ts';
import { dataScope, dataScopeView, roleCode, roleCodes } from './role.ts';

const status = z.enum(['active', 'disabled']);
const displayName = z.string().trim().min(1).max(128);
const email = z.email({ error: 'an e-mail address' }).max(254);

export const listUsersQuery = z.strictObject({
  q: z.string().trim().min(1).max(64).optional(),
  status: status.optional(),
  role: roleCode.optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListUsersQuery = z.infer<typeof listUsersQuery>;

export const userView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  status,
  roles: z.array(z.string()),
  mfaEnabled: z.boolean(),
  lockedUntil: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
  passwordChangedAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type UserView = z.infer<typeof userView>;
export const userDetail = userView.extend({ scope: dataScopeView });
export type UserDetail = z.infer<typeof userDetail>;
export const userPage = z.object({ items: z.array(userView), nextCursor: z.string().nullable() });

export const createUserBody = z.strictObject({
  username,
  displayName,
  email: email.optional(),
  password,
  roles: roleCodes,
  scope: dataScope,
});
export type CreateUserInput = z.infer<typeof createUserBody>;

export const updateUserBody = z.strictObject({
  displayName: displayName.optional(),
  email: email.nullable().optional(),
  status: status.optional(),
  roles: roleCodes.optional(),
});
export type UpdateUserInput = z.infer<typeof updateUserBody>;

export const resetPasswordBody = z.strictObject({ password });
export const scopeBody = dataScope;
