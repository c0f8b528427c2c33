/**
 * The per-tenant Compose template (docker-compose.yml) and the Dockerfiles it builds, checked statically
 * (there is no Docker engine here): dclint's schema and style check, then the rules of platform plan v2.1
 * §2.2 read from the parsed file — resource fences outside Swarm, restart, healthchecks, pinned images,
 * PostgreSQL's runtime settings, Redis that never evicts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

// The YAML parser dclint itself uses (the workspace has no direct dependency on one).
const yaml = createRequire(createRequire(import.meta.url).resolve('dclint'))('yaml') as {
  parse(src: string, options: { merge: boolean }): unknown;
};

type Service = {
  image: string;
  build?: { context: string; dockerfile: string; target?: string };
  depends_on?: Record<string, { condition: string; restart?: boolean }>;
  volumes?: string[];
  ports?: { target: number }[];
  command?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  logging?: { driver: string; options: Record<string, string> };
  cpus?: string;
  mem_limit?: string;
  mem_reservation?: string;
  pids_limit?: number;
  [key: string]: unknown;
};

const compose = yaml.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const names = Object.keys(services).sort();
/** Jobs others wait to finish (migrate, minio-init); every other service runs for good. */
const oneShot = new Set(
  Object.values(services).flatMap((s) =>
    Object.entries(s.depends_on ?? {}).flatMap(([dep, d]) => (d.condition === 'service_completed_successfully' ? [dep] : [])),
  ),
);
const longRunning = names.filter((n) => !oneShot.has(n));

/**
 * The version in a tag that names one release (20.20.2-bookworm-slim, 1.28.3-alpine, MinIO's
 * RELEASE.<date>), else null: `latest`, a missing tag, a bare major or minor (16-alpine, 1.28-alpine).
 * PostgreSQL numbers its releases major.minor since 10, so 16.15 is one release.
 */
function pinnedVersion(image: string): string | null {
  const at = image.lastIndexOf(':');
  const tag = at > image.lastIndexOf('/') ? image.slice(at + 1) : '';
  const repo = image.slice(0, at).split('/').at(-1);
  const release = repo === 'postgres' ? /^\d+\.\d+(-[a-z0-9.-]+)?$/ : /^\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/;
  return release.test(tag) || /^RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/.test(tag) ? tag : null;
}

type Stage = { name: string; from: string; user?: string; healthcheck?: string[]; cmd?: string[] };

/** The stages of a Dockerfile with what the checks need: base, USER, HEALTHCHECK and CMD (exec form). */
function parseDockerfile(path: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = read(path)
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const value = rest.join(' ');
    const stage = stages.at(-1);
    if (instruction === 'ARG' && !stage && value.includes('=')) {
      const [k, v] = value.split('=') as [string, string];
      args[k] = v;
    } else if (instruction === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(value)!;
      stages.push({ from: m[1]!.replace(/^\$\{(\w+)\}$/, (_, a: string) => args[a] ?? `unset ${a}`), name: m[2] ?? '' });
    } else if (stage && instruction === 'USER') {
      stage.user = value;
    } else if (stage && instruction === 'CMD') {
      stage.cmd = JSON.parse(value);
    } else if (stage && instruction === 'HEALTHCHECK') {
      stage.healthcheck = JSON.parse(value.slice(value.indexOf('CMD ') + 4));
    }
  }
  return { args, stages };
}

/** What a build target ends up with: its own settings, else those of the stage it is built from. */
function effective(file: { stages: Stage[] }, target: string | undefined): Stage & { base: string } {
  const byName = new Map(file.stages.map((s) => [s.name, s]));
  let stage = target === undefined ? file.stages.at(-1)! : byName.get(target)!;
  expect(stage, `build target ${target}`).toBeDefined();
  const result: Stage & { base: string } = { ...stage, base: stage.from };
  while (byName.has(stage.from)) {
    stage = byName.get(stage.from)!;
    result.user ??= stage.user;
    result.healthcheck ??= stage.healthcheck;
    result.cmd ??= stage.cmd;
    result.base = stage.from;
  }
  return result;
}

const dockerfiles = {
  'deploy/Dockerfile': parseDockerfile('deploy/Dockerfile'),
  'deploy/Dockerfile.web': parseDockerfile('deploy/Dockerfile.web'),
};
type DockerfilePath = keyof typeof dockerfiles;

/** `-c name=value` pairs of the db service's command. */
function postgresSettings(): Record<string, string> {
  const cmd = services.db!.command!;
  const settings: Record<string, string> = {};
  cmd.forEach((arg, i) => {
    if (cmd[i - 1] === '-c') {
      const [k, v] = arg.split('=') as [string, string];
      settings[k] = v;
    }
  });
  return settings;
}

function bytes(size: string): number {
  // A size deploy/.env may set (${DB_MEM_LIMIT:-3g}) is checked at its default.
  const m = /^(\d+)([kmg])b?$/i.exec(size.replace(/^\$\{[A-Z][A-Z0-9_]*:-([^}]+)\}$/, '$1'));
  if (!m) throw new Error(`not a size: ${size}`);
  return Number(m[1]) * 1024 ** ({ k: 1, m: 2, g: 3 }[m[2]!.toLowerCase() as 'k' | 'm' | 'g'] ?? 0);
}

describe('docker-compose.yml', () => {
  it('passes dclint (compose schema and style) without a warning', () => {
    const r = spawnSync('pnpm', ['exec', 'dclint', '--max-warnings', '0', 'docker-compose.yml'], { cwd: ROOT, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('has the expected services; the one-shot jobs never restart', () => {
    expect(longRunning).toEqual(['api', 'db', 'minio', 'nginx', 'redis', 'worker']);
    expect([...oneShot].sort()).toEqual(['migrate', 'minio-init']);
    for (const n of oneShot) expect(services[n]!.restart, n).toBe('no');
  });

  it('gives every long-running service restart: always, resource fences outside Swarm, a healthcheck and bounded logs', () => {
    for (const n of names) {
      const s = services[n]!;
      // A `deploy:` block is ignored by plain `docker compose` (platform plan v2.1 §2.2).
      expect(s.deploy, `${n}: deploy`).toBeUndefined();
      expect(s.logging, `${n}: logging`).toMatchObject({ driver: 'json-file', options: { 'max-size': expect.any(String) } });
      expect(Number(s.logging!.options['max-file']), `${n}: logging max-file`).toBeGreaterThan(0);
      expect(bytes(s.mem_limit ?? ''), `${n}: mem_limit`).toBeGreaterThan(0);
      expect(s.pids_limit, `${n}: pids_limit`).toBeGreaterThan(0);
    }
    for (const n of longRunning) {
      const s = services[n]!;
      expect(s.restart, `${n}: restart`).toBe('always');
      expect(Number(s.cpus), `${n}: cpus`).toBeGreaterThan(0);
      expect(bytes(s.mem_reservation ?? ''), `${n}: mem_reservation`).toBeGreaterThan(0);
      expect(bytes(s.mem_reservation!), `${n}: mem_reservation below mem_limit`).toBeLessThan(bytes(s.mem_limit!));
      expect(s.healthcheck?.disable, `${n}: healthcheck disabled`).toBeUndefined();
      expect(s.healthcheck?.test?.[0], `${n}: healthcheck`).toMatch(/^CMD(-SHELL)?$/);
    }
  });

  it('starts a service only once what it needs is healthy (or, for the jobs, done)', () => {
    for (const n of names) {
      for (const [dep, d] of Object.entries(services[n]!.depends_on ?? {})) {
        expect(services[dep], `${n} depends on unknown ${dep}`).toBeDefined();
        expect(d.condition, `${n} → ${dep}`).toBe(oneShot.has(dep) ? 'service_completed_successfully' : 'service_healthy');
      }
    }
    for (const n of ['api', 'worker']) {
      expect(Object.keys(services[n]!.depends_on!).sort(), n).toEqual(['db', 'migrate', 'minio-init', 'redis']);
    }
    // nginx resolves `api` once at start: a recreated API must restart it.
    expect(services.nginx!.depends_on).toEqual({ api: { condition: 'service_healthy', restart: true } });
  });

  it('pins every image to one release: no latest, no bare major or minor tag', () => {
    for (const n of names) {
      const { image, build } = services[n]!;
      if (image.startsWith('${')) {
        // Ours, built from a Dockerfile here and tagged with the release (APP_IMAGE_TAG).
        expect(build, `${n}: an image of ours needs a build section`).toBeDefined();
        expect(image, n).toMatch(/:\$\{APP_IMAGE_TAG:\?[^}]+\}$/);
      } else {
        expect(pinnedVersion(image), `${n}: ${image}`).not.toBeNull();
      }
    }
    // The bases of our images: every FROM that is not an earlier stage.
    for (const [path, file] of Object.entries(dockerfiles)) {
      for (const stage of file.stages.filter((s) => !file.stages.some((o) => o.name === s.from))) {
        expect(pinnedVersion(stage.from), `${path}: FROM ${stage.from}`).not.toBeNull();
      }
    }
  });

  it('builds api, worker and nginx from their own Dockerfile targets, running as a non-root user', () => {
    const targets: Record<string, [DockerfilePath, string | undefined]> = {
      api: ['deploy/Dockerfile', 'api'],
      migrate: ['deploy/Dockerfile', 'api'],
      worker: ['deploy/Dockerfile', 'worker'],
      nginx: ['deploy/Dockerfile.web', undefined],
    };
    for (const [n, [dockerfile, target]] of Object.entries(targets)) {
      expect(services[n]!.build, n).toEqual({ context: '.', dockerfile, ...(target ? { target } : {}) });
      const user = effective(dockerfiles[dockerfile], target).user;
      expect(user, `${n}: USER`).toBeDefined();
      expect(user, `${n}: USER`).not.toMatch(/^(root|0)(:|$)/);
    }
    // migrate runs in the API's image; the worker's image is its own.
    expect(services.migrate!.image).toBe(services.api!.image);
    expect(services.worker!.image).not.toBe(services.api!.image);
    // The images start their process themselves; only the job overrides the command.
    expect(effective(dockerfiles['deploy/Dockerfile'], 'api').cmd).toEqual(['node', '--import', 'tsx', 'apps/api/src/server.ts']);
    expect(effective(dockerfiles['deploy/Dockerfile'], 'worker').cmd).toEqual([
      'node',
      '--import',
      'tsx',
      'apps/worker/src/main.ts',
    ]);
    expect(services.api!.command).toBeUndefined();
    expect(services.worker!.command).toBeUndefined();
    // The default target (a plain `docker build`) is the API.
    expect(dockerfiles['deploy/Dockerfile'].stages.at(-1)!.name).toBe('api');
  });

  it("checks health the same way as the images' HEALTHCHECK", () => {
    const pairs: [string, DockerfilePath, string | undefined][] = [
      ['api', 'deploy/Dockerfile', 'api'],
      ['worker', 'deploy/Dockerfile', 'worker'],
      ['nginx', 'deploy/Dockerfile.web', undefined],
    ];
    for (const [n, dockerfile, target] of pairs) {
      const image = effective(dockerfiles[dockerfile], target).healthcheck;
      expect(image, `${dockerfile} ${target ?? ''}: HEALTHCHECK`).toBeDefined();
      expect(services[n]!.healthcheck!.test, n).toEqual(['CMD', ...image!]);
    }
    expect(services.api!.healthcheck!.test!.join(' ')).toContain('http://127.0.0.1:3000/health/live');
    expect(services.worker!.healthcheck!.test!.join(' ')).toContain('process.env.WORKER_HEARTBEAT_FILE');
    expect(read('deploy/Dockerfile')).toContain('ENV WORKER_HEARTBEAT_FILE=/tmp/worker.heartbeat');
  });

  it('runs PostgreSQL 16 with its runtime settings on the command line, pg_stat_statements loaded', () => {
    expect(pinnedVersion(services.db!.image)).toMatch(/^16\./);
    expect(services.db!.command![0]).toBe('postgres');
    expect(postgresSettings()).toMatchObject({
      log_min_duration_statement: '500',
      autovacuum_max_workers: '3',
      autovacuum_naptime: '10s',
      autovacuum_vacuum_scale_factor: '0.05',
      autovacuum_analyze_scale_factor: '0.02',
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track': 'top',
    });
    // POSTGRES_INITDB_ARGS only reaches initdb, not the running server (platform plan v2.1 §2.2).
    expect(JSON.stringify(services.db!.environment ?? {})).not.toContain('POSTGRES_INITDB_ARGS');
  });

  it('runs Redis 7 append-only with a memory cap below its container limit and noeviction', () => {
    expect(pinnedVersion(services.redis!.image)).toMatch(/^7\./);
    const cmd = services.redis!.command!;
    const flag = (name: string) => cmd[cmd.indexOf(name) + 1];
    expect(cmd).toContain('--maxmemory');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(flag('--appendonly')).toBe('yes');
    expect(bytes(flag('--maxmemory')!)).toBeLessThan(bytes(services.redis!.mem_limit!));
  });

  it('creates the MinIO bucket before the app starts', () => {
    const init = services['minio-init']!;
    expect(init.depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(init.command!.join(' ')).toMatch(/mc mb --ignore-existing "tenant\/\$\$S3_BUCKET"/);
  });

  it('shares the Turnkey folder with the worker and mounts the gateway config, certificates and ACME folder', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's interpolation, as written in the file
    expect(services.worker!.volumes).toContain('./data/turnkey:${TURNKEY_ROOT:-/srv/turnkey}');
    expect(services.nginx!.volumes).toEqual([
      './deploy/nginx:/etc/nginx/einvoice:ro',
      './data/certs:/etc/nginx/certs:ro',
      './data/acme:/var/www/acme:ro',
    ]);
    // The published ports lead to what nginx.conf listens on (unprivileged: 8080 and 8443).
    const listens = [...read('deploy/nginx/nginx.conf').matchAll(/^\s*listen (\d+)/gm)].map((m) => Number(m[1]));
    expect(services.nginx!.ports!.map((p) => p.target)).toEqual(listens);
    expect(listens).toEqual([8080, 8443]);
  });
});
