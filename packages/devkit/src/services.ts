/**
 * Start and stop the local PostgreSQL and Redis servers used by the local stack and by the tests (and MariaDB,
 * for the tests and demos that need a Turnkey database).
 * Servers run on private loopback ports with data in a folder we own, and are stopped by PID.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const isRoot = process.getuid?.() === 0;

/** The directory holding PostgreSQL's server binaries (PG_BIN, else the newest under /usr/lib/postgresql). */
export function pgBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  throw new Error('PostgreSQL server binaries not found: install them with `apt-get install -y postgresql` or set PG_BIN');
}

export function redisServerBin(): string {
  for (const p of [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('redis-server not found: install it with `apt-get install -y redis-server` or set REDIS_SERVER_BIN');
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Send `signal` to `pid` and wait until it is gone (SIGKILL after `timeoutMs`). */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const until = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > until) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
      await sleep(100);
      return;
    }
    await sleep(50);
  }
}

async function waitForPort(port: number, timeoutMs: number, what: string, logFile?: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  const tail = logFile && existsSync(logFile) ? `\n${readFileSync(logFile, 'utf8').slice(-2000)}` : '';
  throw new Error(`${what} did not start listening on port ${port} within ${timeoutMs} ms${tail}`);
}

/** Give an unprivileged OS user (postgres, mysql) a directory, when we run as root. */
function ownForUser(user: string, dir: string): void {
  if (!isRoot) return;
  execFileSync('chown', ['-R', `${user}:${user}`, dir]);
  // The user must be able to reach the directory (mkdtemp makes 0700 parents).
  for (let p = dirname(dir); p !== '/'; p = dirname(p)) {
    const mode = statSync(p).mode;
    if ((mode & 0o001) === 0) chmodSync(p, (mode & 0o7777) | 0o711);
  }
}

/** Give the postgres OS user a directory (PostgreSQL refuses to run as root). */
function ownForPostgres(dir: string): void {
  ownForUser('postgres', dir);
}

function asPostgres(bin: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

export type PostgresServer = {
  pid: number;
  port: number;
  dataDir: string;
  url: (db: string) => string;
  stop: () => Promise<void>;
};

/**
 * Start PostgreSQL with its cluster in `dataDir` (created with initdb when empty). Local trust
 * authentication on 127.0.0.1 only: these servers are private to this machine and this user.
 * `durable: false` turns fsync off (tests); the local stack and benchmarks keep it on. `settings` are
 * passed as `-c name=value` after (so over) the defaults below, e.g. shared_preload_libraries.
 */
export async function startPostgres(opts: {
  dataDir: string;
  port: number;
  durable: boolean;
  logFile?: string;
  settings?: Record<string, string>;
}): Promise<PostgresServer> {
  const bin = pgBinDir();
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const logFile = opts.logFile ?? join(opts.dataDir, '..', `postgres-${opts.port}.log`);
  if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) {
    ownForPostgres(opts.dataDir);
    const [cmd, args] = asPostgres(join(bin, 'initdb'), [
      '-D',
      opts.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ]);
    execFileSync(cmd, args, { stdio: 'pipe' });
  }
  ownForPostgres(opts.dataDir);
  const socketDir = opts.dataDir;
  const settings = [
    ['listen_addresses', '127.0.0.1'],
    ['port', String(opts.port)],
    ['unix_socket_directories', socketDir],
    ['max_connections', '300'],
    ['shared_buffers', '256MB'],
    ['fsync', opts.durable ? 'on' : 'off'],
    ['synchronous_commit', opts.durable ? 'on' : 'off'],
    ['full_page_writes', opts.durable ? 'on' : 'off'],
    ['log_min_duration_statement', '500'],
    ['timezone', 'UTC'],
    // SSD/page cache: random reads cost about what sequential ones do. With the default 4 the planner
    // prefers an index that merely matches the ORDER BY and filters (db/queries/README.md).
    ['random_page_cost', '1.1'],
    ...Object.entries(opts.settings ?? {}),
  ];
  const args = ['-D', opts.dataDir, ...settings.flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  // Stale pid file from a crash: postgres handles it itself when that pid is not running.
  const [cmd, argv] = asPostgres(join(bin, 'postgres'), args);
  const out = openSync(logFile, 'a');
  if (isRoot) chownSync(logFile, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
  const child = spawn(cmd, argv, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  await waitForPort(opts.port, 30_000, 'PostgreSQL', logFile);
  // With runuser the child is runuser itself; the postmaster's own pid is in postmaster.pid.
  const pid = Number(readFileSync(join(opts.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const url = (db: string) => `postgres://postgres@127.0.0.1:${opts.port}/${db}`;
  return {
    pid,
    port: opts.port,
    dataDir: opts.dataDir,
    url,
    // SIGINT = PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
    stop: async () => {
      await stopPid(pid, 'SIGINT', 30_000);
      if (child.pid) await stopPid(child.pid, 'SIGTERM', 5_000);
    },
  };
}

export type RedisServer = { pid: number; port: number; url: string; stop: () => Promise<void> };

/** Start redis-server on `port`; `durable` turns on the append-only file in `dataDir`. */
export async function startRedis(opts: {
  dataDir: string;
  port: number;
  durable: boolean;
  logFile?: string;
}): Promise<RedisServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const logFile = opts.logFile ?? join(opts.dataDir, '..', `redis-${opts.port}.log`);
  const args = [
    '--port',
    String(opts.port),
    '--bind',
    '127.0.0.1',
    '--dir',
    opts.dataDir,
    '--daemonize',
    'no',
    '--save',
    '',
    '--appendonly',
    opts.durable ? 'yes' : 'no',
    '--maxmemory-policy',
    'noeviction', // BullMQ needs it
    '--protected-mode',
    'yes',
  ];
  const out = openSync(logFile, 'a');
  const child = spawn(redisServerBin(), args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error('redis-server did not start');
  await waitForPort(opts.port, 15_000, 'Redis', logFile);
  return { pid, port: opts.port, url: `redis://127.0.0.1:${opts.port}`, stop: () => stopPid(pid, 'SIGTERM') };
}

/** The MariaDB programs: the server, the data-directory initialiser and the command-line client. */
export function mariadbBins(): { server: string; installDb: string; client: string } {
  const find = (what: string, names: string[], dirs: string[]) => {
    for (const d of dirs) for (const n of names) if (existsSync(join(d, n))) return join(d, n);
    throw new Error(
      `${what} not found: install MariaDB with \`apt-get install -y --no-install-recommends mariadb-server\` or set MARIADB_BIN`,
    );
  };
  const dirs = [process.env.MARIADB_BIN, '/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'].filter(
    (d): d is string => !!d,
  );
  return {
    server: find('mariadbd', ['mariadbd', 'mysqld'], dirs),
    installDb: find('mariadb-install-db', ['mariadb-install-db', 'mysql_install_db'], dirs),
    client: find('the mariadb client', ['mariadb', 'mysql'], dirs),
  };
}

export type MariadbServer = {
  pid: number;
  port: number;
  dataDir: string;
  /** The server's Unix socket (inside `dataDir`). */
  socket: string;
  /** The database and user created at start (`database`, `user`, `password` of the options). */
  database: string;
  user: string;
  /** `mysql://user:password@127.0.0.1:port/database`, or for another account/database when given. */
  url: (opts?: { user?: string; password?: string; database?: string }) => string;
  /** `mysql://root@127.0.0.1:port/<database>`: the password-less administrator, reachable from this machine only. */
  rootUrl: (database?: string) => string;
  /** Run SQL as root through the Unix socket with the `mariadb` client; returns its tab-separated output. */
  exec: (sql: string) => string;
  stop: () => Promise<void>;
};

const SQL_NAME_RE = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Start MariaDB with its data in `dataDir` (initialised with mariadb-install-db when empty), listening on
 * 127.0.0.1:`port` and on a socket inside `dataDir`, and make sure `database` exists with `user`/`password`
 * holding all privileges on it (defaults: database and user `app`, password `app`). root has no password and
 * is reachable from this machine only, like the trust-authenticated PostgreSQL above. Run as root, the server
 * switches to the `mysql` OS user. `durable: false` (the default) flushes InnoDB's log once a second instead of
 * at every commit (tests). No option file is read (`--no-defaults`), so a packaged MariaDB's config and
 * service never interfere; apt starts no service here and we start none.
 */
export async function startMariadb(opts: {
  dataDir: string;
  port: number;
  durable?: boolean;
  logFile?: string;
  database?: string;
  user?: string;
  password?: string;
}): Promise<MariadbServer> {
  const bins = mariadbBins();
  const database = opts.database ?? 'app';
  const user = opts.user ?? 'app';
  const password = opts.password ?? 'app';
  for (const [k, v] of Object.entries({ database, user })) {
    if (!SQL_NAME_RE.test(v)) throw new Error(`startMariadb: ${k} "${v}" must be 1-64 letters, digits or underscores`);
  }
  if (/['\\]/.test(password)) throw new Error('startMariadb: the password must not contain quotes or backslashes');
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const socket = join(opts.dataDir, 'mariadbd.sock');
  if (Buffer.byteLength(socket) > 100) throw new Error(`startMariadb: socket path too long for a Unix socket: ${socket}`);
  const logFile = opts.logFile ?? join(opts.dataDir, '..', `mariadb-${opts.port}.log`);
  const asUser = isRoot ? ['--user=mysql'] : [];
  ownForUser('mysql', opts.dataDir);
  if (!existsSync(join(opts.dataDir, 'mysql'))) {
    try {
      execFileSync(
        bins.installDb,
        [
          '--no-defaults',
          `--datadir=${opts.dataDir}`,
          ...asUser,
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
          '--skip-name-resolve',
        ],
        { stdio: 'pipe' },
      );
    } catch (e) {
      const out = e as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`mariadb-install-db failed: ${String(out.stderr ?? '')}${String(out.stdout ?? '')}`.slice(0, 4000));
    }
  }
  const args = [
    '--no-defaults',
    `--datadir=${opts.dataDir}`,
    ...asUser,
    '--bind-address=127.0.0.1',
    `--port=${opts.port}`,
    `--socket=${socket}`,
    `--pid-file=${join(opts.dataDir, 'mariadbd.pid')}`,
    '--skip-name-resolve',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--max-connections=200',
    '--innodb-buffer-pool-size=64M',
    `--innodb-flush-log-at-trx-commit=${opts.durable ? 1 : 2}`,
  ];
  // No --log-error: the error log goes to stderr, i.e. to `logFile`, opened here (so root may own it).
  const out = openSync(logFile, 'a');
  const child = spawn(bins.server, args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error('mariadbd did not start');
  try {
    await waitForPort(opts.port, 30_000, 'MariaDB', logFile);
  } catch (e) {
    await stopPid(pid, 'SIGTERM', 10_000);
    throw e;
  }
  const exec = (sql: string): string =>
    execFileSync(bins.client, ['--no-defaults', '--protocol=socket', `--socket=${socket}`, '-uroot', '--batch', '-e', sql], {
      stdio: 'pipe',
    }).toString();
  exec(
    [
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}'`,
      `ALTER USER '${user}'@'%' IDENTIFIED BY '${password}'`,
      `GRANT ALL PRIVILEGES ON \`${database}\`.* TO '${user}'@'%'`,
    ].join(';\n'),
  );
  const enc = encodeURIComponent;
  return {
    pid,
    port: opts.port,
    dataDir: opts.dataDir,
    socket,
    database,
    user,
    url: (o = {}) =>
      `mysql://${enc(o.user ?? user)}:${enc(o.password ?? (o.user === undefined ? password : ''))}@127.0.0.1:${opts.port}/${o.database ?? database}`,
    rootUrl: (db = '') => `mysql://root@127.0.0.1:${opts.port}/${db}`,
    exec,
    // SIGTERM = a normal shutdown: InnoDB flushes and the server exits.
    stop: () => stopPid(pid, 'SIGTERM', 30_000),
  };
}

/** Write JSON to `file` atomically (temp file + rename), readable by the owner only by default. */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(tmp, file);
}
