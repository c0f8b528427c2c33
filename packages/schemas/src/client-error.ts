/**
 * Render errors the web app's GlobalErrorBoundary reports (platform plan §13): stored for the admin, rate
 * limited per address. The tenant is the server's own; the user when the report carried a valid token.
 */
import { z } from 'zod';

export const clientErrorBody = z.strictObject({
  message: z.string().min(1).max(2000),
  stack: z.string().max(20_000).optional(),
  /** React's component stack (where in the tree it threw). */
  componentStack: z.string().max(20_000).optional(),
  /** The page's address when it happened. */
  url: z.string().max(2000),
  userAgent: z.string().max(1000),
  /** When it happened, by the browser's clock (ISO 8601). */
  occurredAt: z.iso.datetime({ offset: true }),
  /** The device id the browser keeps (a random id per browser, localStorage). */
  deviceId: z.string().max(100).optional(),
  /** The web app's build. */
  appVersion: z.string().max(100).optional(),
});
export type ClientErrorInput = z.infer<typeof clientErrorBody>;

export const clientErrorView = z.object({
  id: z.string(),
  tenantId: z.string(),
  userId: z.string().nullable(),
  username: z.string().nullable(),
  deviceId: z.string().nullable(),
  message: z.string(),
  stack: z.string().nullable(),
  componentStack: z.string().nullable(),
  url: z.string(),
  userAgent: z.string(),
  appVersion: z.string().nullable(),
  ip: z.string().nullable(),
  occurredAt: z.string(),
  receivedAt: z.string(),
});
export type ClientErrorView = z.infer<typeof clientErrorView>;

export const listClientErrorsQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const clientErrorPage = z.object({ items: z.array(clientErrorView), nextCursor: z.string().nullable() });
