/**
 * scripts/install.sh rendering a Compose tenant (--no-start: there is no Docker engine here): the template and
 * the nginx config copied, deploy/.env with generated secrets (distinct, of the right form, mode 600) that make a
 * valid app config once Compose wires the database and MinIO accounts in, free ports that another tenant under
 * the same parent does not claim, a certificate nginx can read; an existing .env never overwritten; a folder of
 * another tenant refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseConfig } from '@app/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from './env.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ops-install-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function install(...args: string[]) {
  try {
    const r = await promisify(execFile)(join(ROOT, 'scripts/install.sh'), args);
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('install.sh (Compose rendering)', () => {
  it('renders a tenant with generated secrets and free ports, and never overwrites its .env', async () => {
    const acme = join(dir, 'acme');
    const r = await install('acme', '--dir', acme, '--no-start');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`rendered ${acme} (not started: --no-start)`);
    expect(readFileSync(join(acme, 'docker-compose.yml'), 'utf8')).toBe(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
    for (const f of ['nginx.conf', 'einvoice-locations.conf', 'allowlist.conf']) {
      expect(readFileSync(join(acme, 'deploy/nginx', f), 'utf8')).toBe(readFileSync(join(ROOT, 'deploy/nginx', f), 'utf8'));
    }

    const envFile = join(acme, 'deploy/.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = parseEnvFile(readFileSync(envFile, 'utf8'));
    expect(env.TENANT_CODE).toBe('acme');
    expect(Buffer.from(env.APP_ENCRYPTION_KEY as string, 'base64')).toHaveLength(32);
    expect(Buffer.from(env.JWT_SECRET as string, 'base64').length).toBeGreaterThanOrEqual(48);
    expect(env.POSTGRES_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    expect(env.MINIO_ROOT_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    const secrets = [env.APP_ENCRYPTION_KEY, env.JWT_SECRET, env.POSTGRES_PASSWORD, env.MINIO_ROOT_PASSWORD];
    expect(new Set(secrets).size).toBe(4);
    // What docker-compose.yml builds from them (x-app-wiring) completes a valid app config.
    const config = parseConfig({
      ...env,
      DATABASE_URL: `postgres://${env.POSTGRES_USER}:${env.POSTGRES_PASSWORD}@db:5432/${env.POSTGRES_DB}`,
      S3_ACCESS_KEY: env.MINIO_ROOT_USER as string,
      S3_SECRET_KEY: env.MINIO_ROOT_PASSWORD as string,
    });
    expect(config.TENANT_CODE).toBe('acme');
    expect(Number(env.HTTP_PORT)).toBeGreaterThanOrEqual(8080);
    expect(Number(env.HTTPS_PORT)).toBeGreaterThanOrEqual(8443);

    // nginx (uid 101) reads the certificate; it names the tenant.
    expect(statSync(join(acme, 'data/certs/fullchain.pem')).mode & 0o004).toBe(0o004);
    const subject = await promisify(execFile)('openssl', [
      'x509',
      '-noout',
      '-subject',
      '-in',
      join(acme, 'data/certs/fullchain.pem'),
    ]);
    expect(subject.stdout).toMatch(/CN\s*=\s*acme/);

    // Again: the .env is kept as it is (secrets included); the template is refreshed.
    writeFileSync(envFile, `${readFileSync(envFile, 'utf8')}SMTP_HOST=mail.example.com\n`);
    const before = readFileSync(envFile, 'utf8');
    const again = await install('acme', '--dir', acme, '--no-start');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('deploy/.env exists: keeping it');
    expect(readFileSync(envFile, 'utf8')).toBe(before);

    // A second tenant beside it gets ports nobody claims.
    const beta = join(dir, 'beta');
    expect((await install('beta', '--dir', beta, '--no-start')).code).toBe(0);
    const envB = parseEnvFile(readFileSync(join(beta, 'deploy/.env'), 'utf8'));
    expect(envB.HTTP_PORT).not.toBe(env.HTTP_PORT);
    expect(envB.HTTPS_PORT).not.toBe(env.HTTPS_PORT);
    expect(envB.APP_ENCRYPTION_KEY).not.toBe(env.APP_ENCRYPTION_KEY);

    // The folder of another tenant is refused; bad usage is 2.
    const other = await install('other', '--dir', acme, '--no-start');
    expect(other.code).toBe(1);
    expect(other.err).toContain('belongs to another tenant (acme)');
    expect((await install('Bad_Code', '--no-start')).code).toBe(2);
    expect((await install('acme', '--http-port', '70000', '--no-start')).err).toContain('is not a TCP port');
  });
});
