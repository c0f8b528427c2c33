import { z } from 'zod';

export const deviceKind = z.enum(['pos', 'pda', 'kiosk', 'other']);

export const createDeviceBody = z.strictObject({
  deviceCode: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1-64 letters, digits, . _ or -'),
  name: z.string().trim().min(1).max(60),
  kind: deviceKind.default('pos'),
  siteId: z.uuid({ error: 'must be a UUID' }),
});
export type CreateDeviceInput = z.infer<typeof createDeviceBody>;

export const updateDeviceBody = z.strictObject({
  name: z.string().trim().min(1).max(60).optional(),
  kind: deviceKind.optional(),
  siteId: z.uuid({ error: 'must be a UUID' }).optional(),
});
export type UpdateDeviceInput = z.infer<typeof updateDeviceBody>;

export const revokeDeviceBody = z.strictObject({ reason: z.string().trim().min(1).max(200) });

export const listDevicesQuery = z.strictObject({
  siteId: z.uuid().optional(),
  sellerId: z.uuid().optional(),
  revoked: z.enum(['true', 'false']).optional(),
  /** Part of the device code or name. */
  q: z.string().max(64).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, 'a cursor from a previous page')
    .optional(),
  /** Default 5000 (pickers take them all); list screens ask for pages. */
  limit: z.coerce.number().int().min(1).max(5000).default(5000),
});

export const deviceView = z.object({
  id: z.string(),
  deviceCode: z.string(),
  name: z.string(),
  kind: deviceKind,
  siteId: z.string().nullable(),
  sellerId: z.string().nullable(),
  appVersion: z.string().nullable(),
  lastActiveAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokedReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DeviceView = z.infer<typeof deviceView>;
