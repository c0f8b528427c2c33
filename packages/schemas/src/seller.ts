import { z } from 'zod';

// Lengths from MIG 4.1 RoleDescriptionType (GenericType_4.0.xsd): Name 1-60, Address ≤100,
// PersonInCharge ≤30, TelephoneNumber ≤26, EmailAddress ≤400.
const ban = z.string().regex(/^\d{8}$/, '8 digits');
const text = (min: number, max: number) => z.string().trim().min(min).max(max);

export const qrAesKey = z
  .string()
  .regex(/^[0-9A-Fa-f]{32}$/, "32 hex characters (the key MOF's QRCode tool derives from the seller's password seed)");

/** The signing certificate's expiry date (as printed on it), YYYY-MM-DD. */
const certificateDate = z.iso.date('a date, YYYY-MM-DD');

export const createSellerBody = z.strictObject({
  ban,
  name: text(1, 60),
  address: text(1, 100),
  personInCharge: text(1, 30).optional(),
  telephone: text(1, 26).optional(),
  email: z.email().max(400).optional(),
  turnkeyRoutingId: text(1, 64).optional(),
  qrAesKey: qrAesKey.optional(),
  certificateExpiresAt: certificateDate.optional(),
});
export type CreateSellerInput = z.infer<typeof createSellerBody>;

export const updateSellerBody = z.strictObject({
  name: text(1, 60).optional(),
  address: text(1, 100).optional(),
  personInCharge: text(1, 30).nullable().optional(),
  telephone: text(1, 26).nullable().optional(),
  email: z.email().max(400).nullable().optional(),
  turnkeyRoutingId: text(1, 64).nullable().optional(),
  certificateExpiresAt: certificateDate.nullable().optional(),
  status: z.enum(['active', 'disabled']).optional(),
});
export type UpdateSellerInput = z.infer<typeof updateSellerBody>;

export const qrKeyBody = z.strictObject({ qrAesKey });

export const sellerView = z.object({
  id: z.string(),
  ban: z.string(),
  name: z.string(),
  address: z.string(),
  personInCharge: z.string().nullable(),
  telephone: z.string().nullable(),
  email: z.string().nullable(),
  turnkeyRoutingId: z.string().nullable(),
  /** Whether a QR AES key is set; the key itself is never returned. */
  qrKeySet: z.boolean(),
  /** First 8 hex characters of SHA-256 of the key, to tell keys apart without revealing them. */
  qrKeyFingerprint: z.string().nullable(),
  /** When the signing certificate Turnkey uses for this seller expires (YYYY-MM-DD), if entered. */
  certificateExpiresAt: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SellerView = z.infer<typeof sellerView>;

export const listSellersQuery = z.strictObject({
  q: z.string().max(60).optional(),
  status: z.enum(['active', 'disabled']).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, 'a cursor from a previous page')
    .optional(),
  /** Default 1000 (pickers take them all); list screens ask for pages. */
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

export const createSiteBody = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, '1-32 letters, digits, . _ or -'),
  name: text(1, 60),
  address: text(1, 100).optional(),
  branchBan: ban.optional(),
});
export type CreateSiteInput = z.infer<typeof createSiteBody>;

export const updateSiteBody = z.strictObject({
  name: text(1, 60).optional(),
  address: text(1, 100).nullable().optional(),
  branchBan: ban.nullable().optional(),
  status: z.enum(['active', 'disabled']).optional(),
});
export type UpdateSiteInput = z.infer<typeof updateSiteBody>;

export const siteView = z.object({
  id: z.string(),
  sellerId: z.string(),
  code: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  branchBan: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SiteView = z.infer<typeof siteView>;
