import { z } from 'zod';
import { dataScope, dataScopeView, roleCodes } from './role.ts';

const status = z.enum(['active', 'disabled']);
const kind = z.enum(['pos', 'erp', 'service']);
const name = z.string().trim().min(1).max(128);

export const listClientsQuery = z.strictObject({
  status: status.optional(),
  kind: kind.optional(),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,64}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListClientsQuery = z.infer<typeof listClientsQuery>;

export const clientView = z.object({
  id: z.string(),
  clientId: z.string(),
  name: z.string(),
  kind,
  status,
  roles: z.array(z.string()),
  /** The device (POS terminal) this client belongs to; revoking the device disables the client. */
  deviceId: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  secretRotatedAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ClientView = z.infer<typeof clientView>;
export const clientDetail = clientView.extend({ scope: dataScopeView });
export type ClientDetail = z.infer<typeof clientDetail>;
export const clientPage = z.object({ items: z.array(clientView), nextCursor: z.string().nullable() });

/** The secret is in this answer only; it is stored hashed. */
export const createdClient = clientDetail.extend({ clientSecret: z.string() });
export const rotatedSecret = z.object({
  id: z.string(),
  clientId: z.string(),
  clientSecret: z.string(),
  secretRotatedAt: z.string(),
});

export const createClientBody = z.strictObject({
  clientId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,64}$/, '3-64 letters, digits or . _ -')
    .optional(),
  name,
  kind,
  roles: roleCodes,
  scope: dataScope,
  deviceId: z.uuid({ error: 'must be a UUID' }).optional(),
});
export type CreateClientInput = z.infer<typeof createClientBody>;

export const updateClientBody = z.strictObject({ name: name.optional(), status: status.optional(), roles: roleCodes.optional() });
export type UpdateClientInput = z.infer<typeof updateClientBody>;

export const scopeBody = dataScope;
