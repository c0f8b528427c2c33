/**
 * deploy/.env.example documents every variable of the config schema, no more (apart from its marked
 * Compose-only section), leaves every secret empty, and with the secrets filled in it is a valid config.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from '../src/index.ts';

const ROOT = new URL('../../../', import.meta.url);
const EXAMPLE_FILE = fileURLToPath(new URL('deploy/.env.example', ROOT));
const COMPOSE_FILE = fileURLToPath(new URL('docker-compose.yml', ROOT));
const COMPOSE_ONLY_MARKER = '# ===== Compose-only';
const OPS_MARKER = '# ===== Ops scripts';
const OPS_BACKUP_TOOL = fileURLToPath(new URL('scripts/ops/backup.ts', ROOT));

/** App variables the example must leave empty: secrets, and values docker-compose.yml builds from secrets. */
const FILLED_AT_DEPLOY = {
  JWT_SECRET: () => randomBytes(32).toString('base64'),
  APP_ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  DATABASE_URL: () => `postgres://einvoice:${randomBytes(24).toString('hex')}@db:5432/einvoice`,
  S3_ACCESS_KEY: () => 'einvoice',
  S3_SECRET_KEY: () => randomBytes(24).toString('hex'),
  // Turnkey's database: the URL carries its read-only account's password.
  TURNKEY_DB_URL: () => `mysql://einvoice_ro:${randomBytes(16).toString('hex')}@turnkey-db:3306/turnkey`,
} as const;
/**
 * Not secrets but left empty: the Turnkey hand-off is off until the operator names Turnkey's folder and
 * schema folder (docs/turnkey.md), which the template cannot know.
 */
const OFF_UNTIL_SET = ['TURNKEY_ROOT', 'TURNKEY_XSD_DIR'];
/**
 * E-mail is off until the operator names the SMTP server (docs/notifications.md); its account (a password is
 * a secret), the sender and the web app's address the mails link to are only needed with it.
 */
const EMAIL_OFF_UNTIL_SET = ['SMTP_HOST', 'SMTP_USER', 'SMTP_PASSWORD', 'SMTP_FROM', 'APP_PUBLIC_URL'];
/** Empty in Compose: nginx serves the web app there (deploy/Dockerfile.web); the local stack sets it. */
const LOCAL_STACK_ONLY = ['WEB_DIST_DIR'];
/** The slow-query report reads pg_stat_statements (Compose preloads it); the log file is only its fallback. */
const FALLBACK_ONLY = ['SLOW_QUERY_LOG_FILE'];
const COMPOSE_SECRETS = ['POSTGRES_PASSWORD', 'MINIO_ROOT_PASSWORD'];

type Entry = { name: string; value: string; line: number };

function parseExample(text: string): { app: Entry[]; composeOnly: Entry[]; ops: Entry[]; problems: string[] } {
  const app: Entry[] = [];
  const composeOnly: Entry[] = [];
  const ops: Entry[] = [];
  const problems: string[] = [];
  let section = app;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith(COMPOSE_ONLY_MARKER)) section = composeOnly;
    if (line.startsWith(OPS_MARKER)) section = ops;
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) problems.push(`line ${i + 1} is not NAME=value: ${line}`);
    else section.push({ name: m[1] as string, value: m[2] as string, line: i + 1 });
  });
  return { app, composeOnly, ops, problems };
}

const example = parseExample(readFileSync(EXAMPLE_FILE, 'utf8'));
const values = (entries: Entry[]) => Object.fromEntries(entries.map((e) => [e.name, e.value]));

describe('deploy/.env.example', () => {
  it('is made of NAME=value lines and comments, each name once', () => {
    expect(example.problems).toEqual([]);
    const names = [...example.app, ...example.composeOnly, ...example.ops].map((e) => e.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('lists every variable of the config schema, and no variable the schema does not know', () => {
    const listed = new Set(example.app.map((e) => e.name));
    const known = new Set<string>(CONFIG_VARIABLES);
    expect(
      [...known].filter((v) => !listed.has(v)),
      'missing from deploy/.env.example',
    ).toEqual([]);
    expect(
      [...listed].filter((v) => !known.has(v)),
      `unknown to the schema (Compose-only variables go below "${COMPOSE_ONLY_MARKER}")`,
    ).toEqual([]);
  });

  it('keeps the Compose-only section apart from the app variables', () => {
    expect(example.composeOnly.length).toBeGreaterThan(0);
    const known = new Set<string>(CONFIG_VARIABLES);
    expect(example.composeOnly.map((e) => e.name).filter((v) => known.has(v))).toEqual([]);
  });

  it('documents every variable docker-compose.yml interpolates, and lists no Compose-only variable it does not use', () => {
    const compose = readFileSync(COMPOSE_FILE, 'utf8');
    // ${NAME}, ${NAME:-default}, ${NAME:?message}; $$NAME is a literal for the container's shell.
    const used = new Set([...compose.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] as string));
    const documented = new Set([...example.app, ...example.composeOnly].map((e) => e.name));
    expect(
      [...used].filter((v) => !documented.has(v)),
      'used by docker-compose.yml, missing from the example',
    ).toEqual([]);
    expect(
      example.composeOnly.map((e) => e.name).filter((v) => !used.has(v)),
      'in the Compose-only section but not used by docker-compose.yml',
    ).toEqual([]);
  });

  it('lists in its ops section exactly the variables the backup script reads, secrets empty', () => {
    const tool = readFileSync(OPS_BACKUP_TOOL, 'utf8');
    const read = new Set([...tool.matchAll(/\b(BACKUP_S3_[A-Z_]+)\b/g)].map((m) => m[1] as string));
    expect(example.ops.map((e) => e.name).sort()).toEqual([...read].sort());
    const ops = values(example.ops);
    expect(ops.BACKUP_S3_SECRET_KEY).toBe('');
    expect(ops.BACKUP_S3_ACCESS_KEY).toBe('');
  });

  it('gives no secret a value (and leaves only the secrets, the Turnkey folders and the e-mail settings empty)', () => {
    const all = values([...example.app, ...example.composeOnly]);
    const empty = Object.keys(all).filter((k) => all[k] === '');
    expect(empty.sort()).toEqual(
      [
        ...Object.keys(FILLED_AT_DEPLOY),
        ...COMPOSE_SECRETS,
        ...OFF_UNTIL_SET,
        ...EMAIL_OFF_UNTIL_SET,
        ...LOCAL_STACK_ONLY,
        ...FALLBACK_ONLY,
      ].sort(),
    );
  });

  it('is a valid config once the secrets are filled in', () => {
    const env: Record<string, string> = values(example.app);
    for (const [name, make] of Object.entries(FILLED_AT_DEPLOY)) env[name] = make();
    const config = parseConfig(env);
    expect(config.TENANT_CODE).toBe(env.TENANT_CODE);
    expect(config.STORAGE_DRIVER).toBe('s3');
  });

  it('turns e-mail on with SMTP_HOST, which then needs SMTP_FROM and APP_PUBLIC_URL; SMTP_USER and SMTP_PASSWORD go together', () => {
    const env: Record<string, string> = values(example.app);
    for (const [name, make] of Object.entries(FILLED_AT_DEPLOY)) env[name] = make();
    const problems = (extra: Record<string, string>) => {
      try {
        parseConfig({ ...env, ...extra });
        return [];
      } catch (e) {
        return (e as ConfigError).problems.map((p) => p.variable).sort();
      }
    };
    expect(parseConfig(env).SMTP_HOST).toBeUndefined();
    expect(problems({ SMTP_HOST: 'mail.example.com' })).toEqual(['APP_PUBLIC_URL', 'SMTP_FROM']);
    const on = {
      SMTP_HOST: 'mail.example.com',
      SMTP_FROM: '電子發票 <einvoice@example.com>',
      APP_PUBLIC_URL: 'https://einvoice.example.com',
    };
    expect(problems(on)).toEqual([]);
    expect(parseConfig({ ...env, ...on })).toMatchObject({ SMTP_PORT: 587, SMTP_SECURE: false });
    expect(problems({ ...on, SMTP_USER: 'mailer' })).toEqual(['SMTP_PASSWORD']);
    expect(problems({ ...on, SMTP_FROM: 'not an address' })).toEqual(['SMTP_FROM']);
    expect(problems({ ...on, APP_PUBLIC_URL: 'ftp://example.com' })).toEqual(['APP_PUBLIC_URL']);
  });

  it('fails naming JWT_SECRET when it is left empty', () => {
    const env: Record<string, string> = values(example.app);
    for (const [name, make] of Object.entries(FILLED_AT_DEPLOY)) env[name] = make();
    env.JWT_SECRET = '';
    let error: unknown;
    try {
      parseConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['JWT_SECRET']);
    expect((error as ConfigError).message).toContain('JWT_SECRET');
  });
});
