/**
 * What the ops scripts need to know about a tenant's stack, read from its env file (deploy/.env in Compose, or
 * the local stack's .stack/tenant.env) or, without one, from the environment: where the database, the object
 * storage and the Turnkey folder are. Read leniently on purpose — a backup must still run when an unrelated
 * variable is wrong — and checked strictly where it matters (a missing DATABASE_URL is named).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { StorageConfig } from '@app/storage';

/** KEY=value lines; surrounding quotes are dropped, `#` lines and blank lines skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    vars[m[1] as string] = (m[2] as string).replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OpsEnv = {
  /** Every variable read (the file's, or the process environment's). */
  vars: Record<string, string>;
  /** The tenant's configuration file, if any: archives carry it. */
  envFile: string | null;
  databaseUrl: string;
  tenantCode: string;
  storage: StorageConfig;
  /** TURNKEY_ROOT: the hand-off folder shared with Turnkey, when set. */
  turnkeyRoot: string | null;
};

/**
 * `configFile`: the tenant's configuration file that archives carry and restores write back beside (default:
 * `envFile`). In Compose the tools read the container's environment and are given deploy/.env this way.
 */
export function loadOpsEnv(envFile: string | undefined, configFile?: string): OpsEnv {
  let vars: Record<string, string>;
  if (configFile && !existsSync(configFile)) throw new UsageError(`no config file ${configFile}`);
  if (envFile) {
    if (!existsSync(envFile)) throw new UsageError(`no env file ${envFile}`);
    vars = parseEnvFile(readFileSync(envFile, 'utf8'));
  } else {
    vars = Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => /^[A-Z][A-Z0-9_]*$/.test(e[0]) && e[1] !== undefined),
    );
  }
  const need = (k: string) => {
    const v = vars[k];
    if (!v) throw new UsageError(`${k} is not set${envFile ? ` in ${envFile}` : ' (pass --env-file deploy/.env)'}`);
    return v;
  };
  const opt = (k: string) => (vars[k] ? vars[k] : undefined);
  const driver = (opt('STORAGE_DRIVER') ?? 'local') as 'local' | 's3';
  if (driver !== 'local' && driver !== 's3') throw new UsageError(`STORAGE_DRIVER must be local or s3 (got "${driver}")`);
  return {
    vars,
    envFile: configFile ?? envFile ?? null,
    databaseUrl: need('DATABASE_URL'),
    tenantCode: need('TENANT_CODE'),
    storage: {
      STORAGE_DRIVER: driver,
      STORAGE_LOCAL_ROOT: opt('STORAGE_LOCAL_ROOT') ?? './.data/storage',
      S3_ENDPOINT: opt('S3_ENDPOINT'),
      S3_PORT: opt('S3_PORT') ? Number(opt('S3_PORT')) : undefined,
      S3_USE_SSL: !/^(false|0|no)$/i.test(opt('S3_USE_SSL') ?? 'true'),
      S3_ACCESS_KEY: opt('S3_ACCESS_KEY'),
      S3_SECRET_KEY: opt('S3_SECRET_KEY'),
      S3_BUCKET: opt('S3_BUCKET'),
      S3_REGION: opt('S3_REGION') ?? 'us-east-1',
    },
    turnkeyRoot: opt('TURNKEY_ROOT') ?? null,
  };
}

/** `--name value` options and flags; anything else is a UsageError naming it. */
export function parseArgs<V extends string, F extends string>(
  argv: string[],
  spec: { values: readonly V[]; flags: readonly F[]; positional?: number },
): { values: Partial<Record<V, string>>; flags: Set<F>; positional: string[]; help: boolean } {
  const values: Partial<Record<V, string>> = {};
  const flags = new Set<F>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    // The wrappers put `--` first: Node 20 reads a `--env-file` anywhere on its command line as its own option.
    if (a === '--' && i === 0) continue;
    if (a === '--help' || a === '-h') help = true;
    else if ((spec.flags as readonly string[]).includes(a.slice(2)) && a.startsWith('--')) flags.add(a.slice(2) as F);
    else if ((spec.values as readonly string[]).includes(a.slice(2)) && a.startsWith('--')) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      values[a.slice(2) as V] = v;
    } else if (!a.startsWith('-') && positional.length < (spec.positional ?? 0)) positional.push(a);
    else throw new UsageError(`unknown argument ${a}`);
  }
  return { values, flags, positional, help };
}

/** Run a CLI main: its number is the exit code; UsageError → 2 with the usage; anything else → 1. */
export async function runCli(usage: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${usage}`);
      process.exitCode = 2;
    } else {
      console.error(`failed: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  }
}

/** The passphrase of an encrypted archive: the first line of --passphrase-file, else EXPORT_PASSPHRASE. */
export function readPassphrase(file: string | undefined, required: boolean): string | undefined {
  let p: string | undefined;
  if (file) {
    if (!existsSync(file)) throw new UsageError(`no passphrase file ${file}`);
    p = readFileSync(file, 'utf8').split(/\r?\n/)[0]?.trim();
  } else p = process.env.EXPORT_PASSPHRASE || undefined;
  if (!p) {
    if (required) throw new UsageError('give the passphrase with --passphrase-file FILE (or EXPORT_PASSPHRASE)');
    return undefined;
  }
  if (p.length < 12) throw new UsageError('the passphrase must be at least 12 characters');
  return p;
}

/** 20261121T150102Z: sorts by time, safe in file names. */
export const fileStamp = (d = new Date()) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Progress lines on stderr with the seconds since the start: `[import +42.1 s] restoring the database`. */
export function progress(tag: string): (step: string) => void {
  const t0 = performance.now();
  return (step) => console.error(`[${tag} +${((performance.now() - t0) / 1000).toFixed(1)} s] ${step}`);
}
