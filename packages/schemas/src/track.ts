import { z } from 'zod';

/** A page position from a previous answer's `nextCursor` (the number of rows before it). */
const offsetCursor = z
  .string()
  .regex(/^\d{1,9}$/, 'a cursor from a previous page')
  .optional();

export const listTracksQuery = z.strictObject({
  sellerId: z.uuid().optional(),
  yearMonth: z
    .string()
    .regex(/^\d{3}(0[2468]|1[02])$/, 'ROC year + even month, e.g. 11402')
    .optional(),
  /** 07 一般稅額, 08 特種稅額. */
  invoiceType: z.enum(['07', '08']).optional(),
  cursor: offsetCursor,
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const listE0501ImportsQuery = z.strictObject({
  cursor: offsetCursor,
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const allocateBody = z.strictObject({
  siteId: z.uuid({ error: 'must be a UUID' }),
  deviceId: z.uuid({ error: 'must be a UUID' }).optional(),
  booklets: z.number().int().min(1).max(2_000_000),
  /** First number of the block (ends in 00 or 50); omitted: the lowest free run of that size. */
  beginNo: z
    .string()
    .regex(/^\d{8}$/, '8 digits')
    .refine((s) => Number(s) % 50 === 0, 'must end in 00 or 50')
    .optional(),
});
export type AllocateInput = z.infer<typeof allocateBody>;

const counts = { size: z.number(), issued: z.number(), remaining: z.number() };

export const blockView = z.object({
  id: z.string(),
  trackId: z.string(),
  siteId: z.string(),
  deviceId: z.string().nullable(),
  beginNo: z.string(),
  endNo: z.string(),
  nextNo: z.string().nullable(),
  status: z.enum(['active', 'closed']),
  lastIssuedAt: z.string().nullable(),
  createdAt: z.string(),
  ...counts,
});
export type BlockView = z.infer<typeof blockView>;

export const trackView = z.object({
  id: z.string(),
  sellerId: z.string(),
  sellerBan: z.string(),
  invoiceType: z.enum(['07', '08']),
  yearMonth: z.string(),
  track: z.string(),
  beginNo: z.string(),
  endNo: z.string(),
  booklets: z.number(),
  importId: z.string().nullable(),
  createdAt: z.string(),
  /** Numbers in blocks; the rest are not allocated yet. */
  allocated: z.number(),
  unallocated: z.number(),
  ...counts,
});
export type TrackView = z.infer<typeof trackView>;

const entryOutcome = z.object({
  index: z.number(),
  line: z.number().nullable(),
  status: z.enum(['accepted', 'duplicate', 'rejected']),
  range: z
    .object({
      ban: z.string(),
      invoiceType: z.string(),
      yearMonth: z.string(),
      track: z.string(),
      beginNo: z.string(),
      endNo: z.string(),
      booklets: z.number(),
    })
    .nullable(),
  reasons: z.array(z.object({ field: z.string(), code: z.string(), message: z.string(), messageZh: z.string() })),
});

export const importView = z.object({
  id: z.string(),
  sha256: z.string(),
  filename: z.string(),
  format: z.enum(['xml', 'csv']),
  sizeBytes: z.number(),
  createdAt: z.string(),
  total: z.number(),
  accepted: z.number(),
  duplicate: z.number(),
  rejected: z.number(),
  entries: z.array(entryOutcome),
  /** True when this exact file (same SHA-256) was imported before: nothing changed. */
  sameFileImportedBefore: z.boolean().optional(),
});

export const blanksQuery = z.strictObject({
  yearMonth: z.string().regex(/^\d{3}(0[2468]|1[02])$/, 'ROC year + even month, e.g. 11402'),
});

export const blanksView = z.object({
  yearMonth: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  /** True once the period has ended: then these are final and E0402 must report them. */
  periodClosed: z.boolean(),
  /** E0402 must reach the platform before this instant. */
  e0402Deadline: z.string(),
  items: z.array(
    z.object({
      trackId: z.string(),
      sellerBan: z.string(),
      invoiceType: z.string(),
      yearMonth: z.string(),
      track: z.string(),
      blanks: z.array(z.object({ ban: z.string(), beginNo: z.string(), endNo: z.string(), count: z.number() })),
    }),
  ),
});
