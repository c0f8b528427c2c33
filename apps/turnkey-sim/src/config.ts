/**
 * The simulator's configuration, parsed once from the environment at start-up (README.md lists every
 * variable). Separate from the product's `@app/config`: the stand-in is not part of a tenant stack.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The folder holding the official MIG files, beside the repository (`<repo>/../shared/mig`). */
const SHARED_MIG = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'mig');

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);

/** `user@host` account names for `ALTER USER … ACCOUNT LOCK` (host `%` when omitted). */
const accounts = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_]{1,80}(@[A-Za-z0-9_.%:-]{1,255})?$/, 'must be user or user@host')));

export const simConfigSchema = z
  .object({
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Turnkey's work folder (holds UpCast/ and Unpack/). */
    TURNKEY_ROOT: z.string({ error: 'required (Turnkey work folder: UpCast/, Unpack/)' }).min(1),
    /** mysql://user:password@host:port/database of Turnkey's database. Unset: an embedded MariaDB is started. */
    TURNKEY_SIM_DB_URL: z
      .string()
      .refine((u) => /^(mysql|mariadb):\/\//.test(u), 'must be a mysql:// URL')
      .optional(),
    /** Embedded MariaDB (when TURNKEY_SIM_DB_URL is unset): data folder, port (0 = any free), product account. */
    TURNKEY_SIM_MARIADB_DIR: z.string().default('./.data/turnkey-sim/mariadb'),
    TURNKEY_SIM_MARIADB_PORT: int(0, 0, 65535),
    TURNKEY_SIM_MARIADB_USER: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,32}$/)
      .default('turnkey'),
    TURNKEY_SIM_MARIADB_PASSWORD: z.string().min(8).optional(),
    /** Official XSDs (v41/, common/) and the Turnkey result-code table. */
    TURNKEY_SIM_XSD_DIR: z.string().default(join(SHARED_MIG, 'xsd')),
    /** Start-up mode and the code used by `reject` when none is given. */
    TURNKEY_SIM_MODE: z.enum(['accept', 'reject', 'stall', 'down']).default('accept'),
    TURNKEY_SIM_REJECT_CODE: z
      .string()
      .regex(/^E\d{4}$/)
      .default('E0201'),
    /** How often SRC is scanned and due replies are sent. */
    TURNKEY_SIM_POLL_MS: int(1000, 10, 3_600_000),
    /** Time between upload (G) and the platform's reply (C/E) in accept and reject modes. */
    TURNKEY_SIM_REPLY_DELAY_MS: int(0, 0),
    /** A file younger than this is not taken yet (protects writers that do not rename atomically). */
    TURNKEY_SIM_SETTLE_MS: int(100, 0),
    /** Most files taken per message type and scan (one pack holds at most 1000 messages). */
    TURNKEY_SIM_BATCH_SIZE: int(1000, 1, 1000),
    /** Reject a message already accepted for the same number with E0201 訊息重複. */
    TURNKEY_SIM_DUPLICATE_CHECK: z
      .enum(['true', 'false', '1', '0'])
      .default('true')
      .transform((v) => v === 'true' || v === '1'),
    /** FROM_ROUTING_ID when the seller has no FROM_CONFIG row ('' = the seller's BAN). */
    TURNKEY_SIM_ROUTING_ID: z.string().max(39).default(''),
    /** Database accounts locked (and their connections killed) while the mode is `down`. */
    TURNKEY_SIM_DOWN_LOCK_ACCOUNTS: accounts,
    /** The HTTP control endpoint (JSON). Port 0 = any free port (logged). */
    TURNKEY_SIM_CONTROL_HOST: z.string().default('127.0.0.1'),
    TURNKEY_SIM_CONTROL_PORT: int(8479, 0, 65535),
  })
  .superRefine((c, ctx) => {
    if (!c.TURNKEY_SIM_DB_URL && !c.TURNKEY_SIM_MARIADB_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['TURNKEY_SIM_MARIADB_PASSWORD'],
        message: 'required when TURNKEY_SIM_DB_URL is unset (the password of the embedded MariaDB account; no default)',
      });
    }
  });

export type SimConfig = z.infer<typeof simConfigSchema>;

export class SimConfigError extends Error {
  override readonly name = 'SimConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** Parses `env` (empty strings count as unset); throws SimConfigError naming every bad variable. */
export function parseSimConfig(env: Record<string, string | undefined>): SimConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = simConfigSchema.safeParse(cleaned);
  if (r.success) return r.data;
  throw new SimConfigError(r.error.issues.map((i) => ({ variable: i.path.join('.') || '(root)', message: i.message })));
}
