/**
 * The gateway's real configuration (deploy/nginx/), made runnable by a plain `nginx` outside the container:
 * the same files with only addresses and paths changed — the API upstream, the listen ports, the certificate
 * folder, the web root, the ACME folder, the pid and temp files. What is tested is then what ships.
 * scripts/deploy/nginx.test.ts runs it; so can any check that wants `nginx -t` on the shipped config.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_SOURCE_DIR = fileURLToPath(new URL('../../deploy/nginx/', import.meta.url));

export type NginxRenderOptions = {
  /** Gets the configuration files, the pid file and nginx's temp folders. */
  outDir: string;
  /** host:port standing in for the API container (`api:3000`). */
  upstream: string;
  /** Stand-ins for the container's 8080 (plain HTTP) and 8443 (HTTPS). */
  httpPort: number;
  httpsPort: number;
  /** Holds fullchain.pem and privkey.pem (the container's /etc/nginx/certs). */
  certDir: string;
  /** The web app's files (the container's /usr/share/nginx/html). */
  webRoot: string;
  /** Let's Encrypt's HTTP-01 tokens (the container's /var/www/acme). */
  acmeRoot: string;
  /** Replaces allowlist.conf's content, e.g. 'deny all;'. */
  allowlist?: string;
};

/** Writes the rendered configuration into `outDir` and returns the path of its nginx.conf. */
export function renderNginxConfig(o: NginxRenderOptions): string {
  const outDir = resolve(o.outDir);
  // Container path or address → stand-in. Longest first, and one pass over the text, so a replacement is
  // never replaced again (outDir may itself lie under /tmp).
  const swaps: [string, string][] = [
    ['/etc/nginx/einvoice/', `${outDir}/`],
    ['/etc/nginx/certs/', `${resolve(o.certDir)}/`],
    ['/usr/share/nginx/html', resolve(o.webRoot)],
    ['/var/www/acme', resolve(o.acmeRoot)],
    ['server api:3000;', `server ${o.upstream};`],
    ['listen 8080 ', `listen ${o.httpPort} `],
    ['listen 8443 ', `listen ${o.httpsPort} `],
    ['/tmp/', `${outDir}/`],
  ];
  const pattern = new RegExp(swaps.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const used = new Set<string>();
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(NGINX_SOURCE_DIR).filter((f) => f.endsWith('.conf'))) {
    const source =
      name === 'allowlist.conf' && o.allowlist !== undefined ? o.allowlist : readFileSync(join(NGINX_SOURCE_DIR, name), 'utf8');
    const rendered = source.replace(pattern, (from) => {
      used.add(from);
      return swaps.find(([f]) => f === from)![1];
    });
    writeFileSync(join(outDir, name), rendered);
  }
  // A swap that matched nothing means the shipped config changed shape: the render would run something else.
  const unused = swaps.map(([from]) => from).filter((from) => !used.has(from));
  if (unused.length > 0) {
    throw new Error(
      `deploy/nginx/ no longer contains ${unused.map((u) => `"${u}"`).join(', ')}: update scripts/deploy/nginx-render.ts to match`,
    );
  }
  return join(outDir, 'nginx.conf');
}

/** nginx's command line for a rendered config: its own prefix, start-up errors to stderr. */
export function nginxArgs(confPath: string, extra: string[] = []): string[] {
  return ['-c', confPath, '-p', `${resolve(confPath, '..')}/`, '-e', 'stderr', ...extra];
}

/**
 * Where a started nginx should write (its stdout and stderr): a regular file. The config logs to /dev/stdout,
 * which nginx opens by name, and that fails (ENXIO) when stdout is the socket Node gives a child for 'pipe'.
 */
export function nginxLogFile(confPath: string): string {
  return join(resolve(confPath, '..'), 'nginx.out');
}

/** The nginx binary: NGINX_BIN, else Debian's (/usr/sbin is not on every user's PATH), else `nginx` from PATH. */
export function nginxBin(): string {
  return process.env.NGINX_BIN ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
}

/** `nginx -t` on a rendered config: the exit status and what nginx said. */
export function checkNginxConfig(confPath: string, bin = nginxBin()): { status: number; output: string } {
  const logFile = join(resolve(confPath, '..'), 'nginx-t.out');
  const fd = openSync(logFile, 'w');
  try {
    const r = spawnSync(bin, nginxArgs(confPath, ['-t']), { stdio: ['ignore', fd, fd] });
    if (r.error) throw new Error(`could not run ${bin} (install it with \`apt-get install -y nginx\`): ${r.error.message}`);
    return { status: r.status ?? -1, output: readFileSync(logFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}
