/**
 * What the simulator does with messages right now, switchable at run time (control API `PUT /mode`).
 *
 * - `accept`: every valid message goes P → G → C; `delayMs` = time from upload (G) to the reply (C).
 * - `reject`: the platform answers with `code` (default E0201) — only for the `messageTypes` and/or
 *   `invoiceNumbers` given, the rest is accepted; `delayMs` as for accept. Local (XSD/rule) rejections
 *   happen in every mode.
 * - `stall`: `stage: 'G'` (default) — files are taken and uploaded but no reply comes: rows stay G;
 *   `stage: 'SRC'` — files are left in SRC (Turnkey's upload schedule stopped); replies still come.
 *   With `delayMs` the stall ends by itself after that long (back to accept).
 * - `down`: nothing is taken or answered, and the configured database accounts are locked with their
 *   connections killed, so a reader of TURNKEY_* tables sees a real outage (connection refused as
 *   "account locked", queries on open connections fail). With `delayMs` it recovers by itself.
 */
import { z } from 'zod';
import { MESSAGE_TYPES } from './messages.ts';

export const MODES = ['accept', 'reject', 'stall', 'down'] as const;
export type Mode = (typeof MODES)[number];

export const modeInputSchema = z
  .object({
    mode: z.enum(MODES),
    code: z
      .string()
      .regex(/^E\d{4}$/, 'must be a platform code such as E0201')
      .optional(),
    delayMs: z.number().int().min(0).max(86_400_000).optional(),
    messageTypes: z.array(z.enum(MESSAGE_TYPES)).min(1).optional(),
    invoiceNumbers: z.array(z.string().min(1).max(16)).min(1).optional(),
    stage: z.enum(['SRC', 'G']).optional(),
  })
  .strict();

export type ModeInput = z.infer<typeof modeInputSchema>;

export type ModeState = {
  mode: Mode;
  /** reject: the platform code answered. */
  code?: string;
  /** accept/reject: upload → reply delay. stall/down: how long until back to accept. */
  delayMs?: number;
  messageTypes?: string[];
  invoiceNumbers?: string[];
  stage?: 'SRC' | 'G';
  /** When this mode was set, and (stall/down with delayMs) when it ends. ISO strings. */
  since: string;
  until?: string;
};

export function toState(input: ModeInput, now: Date, defaultRejectCode: string): ModeState {
  const s: ModeState = { mode: input.mode, since: now.toISOString() };
  if (input.delayMs !== undefined) s.delayMs = input.delayMs;
  if (input.mode === 'reject') {
    s.code = input.code ?? defaultRejectCode;
    if (input.messageTypes) s.messageTypes = input.messageTypes;
    if (input.invoiceNumbers) s.invoiceNumbers = input.invoiceNumbers;
  }
  if (input.mode === 'stall') s.stage = input.stage ?? 'G';
  if ((input.mode === 'stall' || input.mode === 'down') && input.delayMs !== undefined) {
    s.until = new Date(now.getTime() + input.delayMs).toISOString();
  }
  return s;
}

/** Does reject mode `s` apply to this message? */
export function rejects(s: ModeState, messageType: string, referenceNumber: string): boolean {
  if (s.mode !== 'reject') return false;
  if (s.messageTypes && !s.messageTypes.includes(messageType)) return false;
  if (s.invoiceNumbers && !s.invoiceNumbers.includes(referenceNumber)) return false;
  return true;
}
