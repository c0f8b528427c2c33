import type { ClientMessage } from '@app/live-client/protocol';
import { z } from 'zod';

/** A message from the client (packages/live-client/src/protocol.ts); anything else is refused. */
export const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(4096) }),
  z.strictObject({ type: z.literal('subscribe'), topic: z.string().min(1).max(200) }),
  z.strictObject({ type: z.literal('unsubscribe'), topic: z.string().min(1).max(200) }),
  z.strictObject({ type: z.literal('pong') }),
]) satisfies z.ZodType<ClientMessage>;
