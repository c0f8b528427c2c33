import { z } from 'zod';

/**
 * The one configuration schema of every process (API, worker, scripts). Parsed once at start-up;
 * a bad or missing variable stops the process with a message naming it. Secrets have no defaults.
 * Every variable is documented in deploy/.env.example (a test keeps the two in step).
 */
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const secret = (min: number, what: string) =>
  z.string({ error: `required (${what}; secrets have no default)` }).min(min, `must be at least ${min} characters`);

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    // Tenant
    TENANT_CODE: z
      .string({ error: 'required (the code of the tenant this stack serves)' })
      .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'must be 2-40 lowercase letters, digits or dashes'),

    // PostgreSQL
    DATABASE_URL: z
      .string({ error: 'required' })
      .url()
      .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL'),
    // Connections per process. Few beat many: on the 2-core target, 8 issue ~990 invoices/s where 20 issue
    // ~650 (docs/benchmarks.md) — more backends than cores only queue on CPU and WAL locks.
    DATABASE_POOL_MAX: int(8, 1, 500),
    DATABASE_STATEMENT_TIMEOUT_MS: int(15_000, 100),

    // Redis
    REDIS_URL: z.string({ error: 'required' }).refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// URL'),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .default('einv'),

    // HTTP API
    API_HOST: z.string().default('0.0.0.0'),
    API_PORT: int(3000, 0, 65535),
    TRUST_PROXY: bool(false),
    BODY_LIMIT_BYTES: int(1_048_576, 1024),
    IMPORT_MAX_BYTES: int(10_485_760, 1024),
    /** Largest invoice import file (POST /api/v1/imports); Nginx's client_max_body_size (20m) must stay above it. */
    INVOICE_IMPORT_MAX_BYTES: int(16_777_216, 1024),
    /** Most invoices in one import file (CSV refs or JSON lines); a larger file fails as a whole. */
    INVOICE_IMPORT_MAX_INVOICES: int(100_000, 1, 1_000_000),
    /** Body limit of the invoice routes (an invoice may carry 9,999 items; a batch up to 500 invoices). */
    INVOICE_BODY_LIMIT_BYTES: int(8_388_608, 1024),

    // E-invoice
    TRACK_LOW_THRESHOLD: int(500, 0),
    // Days after a period's end during which its invoices may still be cancelled (作廢); later: allowances.
    CANCEL_GRACE_DAYS: int(15, 0, 366),
    // Hours after a period's end during which offline invoices made in it (reserved numbers) are still
    // accepted; the period.close job closes its blocks and stores its blanks (E0402) only after them.
    OFFLINE_SUBMIT_GRACE_HOURS: int(48, 0, 240),

    // Authentication
    JWT_SECRET: secret(32, 'HMAC key signing access tokens'),
    APP_ENCRYPTION_KEY: z
      .string({ error: 'required (base64 of 32 random bytes; encrypts secrets at rest; secrets have no default)' })
      .refine((s) => Buffer.from(s, 'base64').length === 32, 'must be base64 of exactly 32 bytes'),
    ACCESS_TOKEN_TTL_SECONDS: int(900, 60, 86_400),
    REFRESH_TOKEN_TTL_SECONDS: int(604_800, 3600),
    LOGIN_MAX_FAILURES: int(5, 1, 100),
    LOGIN_FAILURE_WINDOW_SECONDS: int(60, 1),
    LOGIN_LOCK_MINUTES: int(15, 1),
    LOGIN_IP_MAX_PER_MINUTE: int(30, 1),

    // Rate limits
    RATE_LIMIT_GENERAL_PER_MINUTE: int(300, 1),
    RATE_LIMIT_EXPORT_PER_HOUR: int(5, 1),
    // The polling routes of screens (dashboard summary, import status) count here instead of the general budget.
    RATE_LIMIT_POLL_PER_MINUTE: int(120, 1),

    // Live status for screens (platform plan §4; docs/integration-guide.md §9): polled views are cached this
    // long per data scope and answered 304 while unchanged; the WebSocket channel is an enterprise option.
    LIVE_CACHE_MS: int(1_500, 100, 60_000),
    LIVE_WEBSOCKET_ENABLED: bool(false),
    LIVE_HEARTBEAT_SECONDS: int(25, 1, 300),
    LIVE_MAX_CONNECTIONS_PER_USER: int(5, 1, 1_000),

    // Idempotency
    IDEMPOTENCY_TTL_HOURS: int(24, 1, 24 * 30),
    IDEMPOTENCY_LEASE_SECONDS: int(60, 5),

    // Storage
    STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
    STORAGE_LOCAL_ROOT: z.string().default('./.data/storage'),
    S3_ENDPOINT: z.string().optional(),
    S3_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    S3_USE_SSL: bool(true),
    S3_ACCESS_KEY: z.string().optional(),
    S3_SECRET_KEY: z.string().optional(),
    S3_BUCKET: z.string().optional(),
    S3_REGION: z.string().default('us-east-1'),

    // Worker
    // Jobs one worker process runs at once per priority class (platform plan §9). Each class has its own
    // queue and its own slots, so a backlog of P4 maintenance never holds up a P1 job.
    WORKER_CONCURRENCY_P1: int(4, 1, 256),
    WORKER_CONCURRENCY_P2: int(4, 1, 256),
    WORKER_CONCURRENCY_P3: int(2, 1, 256),
    WORKER_CONCURRENCY_P4: int(1, 1, 256),
    JOB_TIMEOUT_MS: int(30_000, 100),
    REPORT_JOB_TIMEOUT_MS: int(900_000, 1000),
    OUTBOX_BATCH_SIZE: int(500, 1, 10_000),
    OUTBOX_POLL_MS: int(500, 10),
    // A file the worker touches every few seconds while its loop runs (the container healthcheck reads its age);
    // unset: none is written. Maintenance mode pauses the worker's jobs but not the heartbeat.
    WORKER_HEARTBEAT_FILE: z.string().min(1).optional(),

    // Turnkey (docs/turnkey.md). Without TURNKEY_ROOT nothing is handed off; without TURNKEY_DB_URL no result
    // is read back; without TURNKEY_XSD_DIR documents are not checked before the hand-off (set it in production).
    TURNKEY_ROOT: z.string().min(1).optional(),
    TURNKEY_XSD_DIR: z.string().min(1).optional(),
    TURNKEY_DB_URL: z
      .string()
      .regex(/^mysql:\/\//, 'a mysql:// URL (Turnkey runs on MariaDB or MySQL)')
      .optional(),
    // Messages per hand-off batch (one xmllint run validates up to 1,000), and batches in flight at once per
    // run: while one batch is being validated (in a worker thread) another is built or written.
    TURNKEY_HANDOFF_BATCH: int(1_000, 1, 5_000),
    TURNKEY_HANDOFF_LANES: int(2, 1, 8),
    // How long a claimed batch belongs to the worker that claimed it: if that worker dies, its messages come
    // due again after this (any file it already wrote is found and not written twice).
    TURNKEY_HANDOFF_LEASE_SECONDS: int(120, 1, 3_600),
    // A message not accepted this long after it was queued is flagged at risk (DeadlineAtRisk), well before
    // the legal upload limits: B2C 48 h, B2B (the buyer has a BAN) 7 days (einvoice-domain.md §4.5).
    TURNKEY_RISK_B2C_HOURS: int(24, 1, 47),
    TURNKEY_RISK_B2B_HOURS: int(96, 1, 167),
    // The worker reads Unpack/BAK's day folders (yyyyMMdd) of this many past days (older files were read when new).
    TURNKEY_UNPACK_LOOKBACK_DAYS: int(14, 1, 3_650),

    // Webhooks (docs/integration-guide.md §10). A target that resolves to a loopback, private, CGNAT, link-local
    // or unique-local address is refused unless this is true (on-prem installs whose ERP sits on the internal
    // network); cloud metadata, multicast and unspecified addresses are refused always.
    WEBHOOK_ALLOW_INTERNAL_TARGETS: bool(false),
    // Request timeout (platform plan §3.2: 30 s), and 60 s for bodies over WEBHOOK_LARGE_PAYLOAD_BYTES.
    WEBHOOK_TIMEOUT_MS: int(30_000, 100, 120_000),
    WEBHOOK_LARGE_TIMEOUT_MS: int(60_000, 100, 300_000),
    WEBHOOK_LARGE_PAYLOAD_BYTES: int(262_144, 1_024),
    // Requests one worker process has in flight, in all and per subscription (a slow receiver holds at most its share).
    WEBHOOK_CONCURRENCY: int(16, 1, 256),
    WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: int(4, 1, 64),
    // Days the delivery log (deliveries and their tries) is kept (platform plan §6: webhook logs online 90 days).
    WEBHOOK_LOG_RETENTION_DAYS: int(90, 1, 3_650),

    // E-mail notifications (docs/notifications.md). Without SMTP_HOST no e-mail is sent: the worker logs
    // that e-mail is off, and the preferences answer emailEnabled: false.
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: int(587, 1, 65_535),
    // true: TLS from the first byte (usually port 465); false: plain, upgraded by STARTTLS when the server offers it.
    SMTP_SECURE: bool(false),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    // The sender, `Name <address>` or a bare address.
    SMTP_FROM: z
      .string()
      .regex(/^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'an address, or "Name <address>"')
      .optional(),
    // Retention per data class (platform plan §6.3), in days; the hourly maintenance.cleanup job deletes older
    // rows in small batches. Audit log: 2 years online (with the decided approval requests it explains); the
    // web app's error reports; sent or failed notification mails and their items.
    RETENTION_AUDIT_DAYS: int(730, 30, 36_500),
    RETENTION_CLIENT_ERRORS_DAYS: int(90, 1, 3_650),
    RETENTION_NOTIFICATIONS_DAYS: int(90, 1, 3_650),
    // The same job deletes objects in storage by their age (last modified): generated report files under
    // reports/ and temporary files under tmp/. Uploaded import files (imports/) are evidence and are kept.
    RETENTION_REPORT_FILES_DAYS: int(30, 1, 3_650),
    RETENTION_TEMP_FILES_DAYS: int(7, 1, 3_650),
    // Archive (docs/archive.md): invoice months that ended more than this many months ago (Asia/Taipei) are
    // moved to storage by the daily maintenance.archive job, once every Turnkey message of theirs is accepted;
    // 0 turns archiving off. Fewer than 3 would reach into months still being cancelled and reported.
    ARCHIVE_HOT_MONTHS: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_200)
      .default(12)
      .refine((n) => n === 0 || n >= 3, 'must be 0 (archiving off) or at least 3 months'),
    // A month brought back with scripts/archive-restore.sh stays online this many days before the job archives it again.
    ARCHIVE_RESTORED_KEEP_DAYS: int(30, 1, 3_650),
    // The daily slow-query report (maintenance.slow_queries into sys_ops_reports): a statement whose longest run
    // took more than this sets the report's alert, logs an error and mails the administrators (ops_slow_query).
    SLOW_QUERY_ALERT_MS: int(5_000, 1, 3_600_000),
    // The PostgreSQL log the report reads slow statements from (log_min_duration_statement lines) when
    // pg_stat_statements is not loaded; unset: pg_stat_statements only.
    SLOW_QUERY_LOG_FILE: z.string().min(1).optional(),
    // Two-step approval (docs/approvals.md): which actions wait for a second person holding `approve`
    // (comma-separated; `none` = none: an empty value means the default, all three), and the allowance total
    // (TWD, tax included) above which an allowance does.
    APPROVAL_REQUIRED_FOR: z
      .string()
      .default('turnkey.resend,invoice.void,allowance.issue')
      .transform((s) =>
        s.trim() === 'none'
          ? []
          : s
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
      )
      .pipe(z.array(z.enum(['turnkey.resend', 'invoice.void', 'allowance.issue']))),
    APPROVAL_ALLOWANCE_THRESHOLD: int(10_000, 0, 1_000_000_000),
    // Web app error reports (POST /api/v1/client-errors) accepted per address and minute.
    CLIENT_ERROR_REPORTS_PER_MINUTE: int(10, 1, 10_000),
    // The built web app (`pnpm --filter @app/web build` → apps/web/dist): when set, the API serves it at / with
    // the single-page fallback (the local stack sets it; in the Compose stack Nginx serves the web image).
    WEB_DIST_DIR: z.string().min(1).optional(),
    // Where people open the web app; the mails link to it.
    APP_PUBLIC_URL: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.SMTP_HOST) {
      for (const k of ['SMTP_FROM', 'APP_PUBLIC_URL'] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required when SMTP_HOST is set' });
      }
    }
    if (!c.SMTP_USER !== !c.SMTP_PASSWORD) {
      const missing = c.SMTP_USER ? 'SMTP_PASSWORD' : 'SMTP_USER';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'SMTP_USER and SMTP_PASSWORD go together' });
    }
    if (c.STORAGE_DRIVER === 's3') {
      for (const k of ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET'] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'required when STORAGE_DRIVER=s3' });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** Parse and validate `env`; throws ConfigError naming every bad or missing variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as "not set", so `FOO=` in an env file falls back to the default or is reported missing.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => ({ variable: i.path.join('.') || '(root)', message: i.message })));
}

/** For process entry points: parse `process.env`, or print the problems and exit 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: e.message, problems: e.problems })}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** The names of all variables the schema knows, for the .env.example check. */
export const CONFIG_VARIABLES = Object.keys(configSchema.shape) as (keyof Config)[];
