/**
 * The event catalogue: typed, versioned payloads defined once and used by the API (writers, through
 * the outbox) and the worker (consumers). Later issues add the e-invoice events here.
 */
import { z } from 'zod';

export const EVENTS = {
  UserCreated: {
    version: 1,
    description: 'A user account was created.',
    payload: z.object({ userId: z.string().uuid(), username: z.string(), roles: z.array(z.string()) }),
  },
  UserUpdated: {
    version: 1,
    description: "A user's status, roles or profile changed.",
    payload: z.object({ userId: z.string().uuid(), changed: z.array(z.string()) }),
  },
  ApiClientCreated: {
    version: 1,
    description: 'A machine client was created.',
    payload: z.object({ clientPk: z.string().uuid(), clientId: z.string(), kind: z.string() }),
  },
  TrackLow: {
    version: 1,
    description:
      "A site's unissued numbers for the current period fell below TRACK_LOW_THRESHOLD (fires once per site, period and type).",
    payload: z.object({
      siteId: z.string().uuid(),
      sellerId: z.string().uuid(),
      yearMonth: z.string(),
      invoiceType: z.string(),
      remaining: z.number().int(),
      threshold: z.number().int(),
    }),
  },
  InvoiceIssued: {
    version: 1,
    description: 'An invoice (F0401) was issued: number, period, seller, site, buyer and total.',
    payload: z.object({
      invoiceId: z.string().uuid(),
      invoiceDate: z.string(),
      invoiceNumber: z.string(),
      yearMonth: z.string(),
      sellerId: z.string().uuid(),
      siteId: z.string().uuid(),
      buyerBan: z.string().nullable(),
      totalAmount: z.number(),
    }),
  },
} as const satisfies Record<string, { version: number; description: string; payload: z.ZodTypeAny }>;

export type EventType = keyof typeof EVENTS;
export type EventPayload<T extends EventType> = z.infer<(typeof EVENTS)[T]['payload']>;
