import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Paths pino censors in every log line. Wildcards cover one level of nesting; `redactDeep` below
 * catches secrets nested deeper in objects we log on purpose.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'secret',
  'apiKey',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.secret',
  '*.apiKey',
  '*.authorization',
  'config.JWT_SECRET',
  'config.APP_ENCRYPTION_KEY',
  'config.S3_SECRET_KEY',
  'config.DATABASE_URL',
  'config.REDIS_URL',
];

export type { Logger };

export function createLogger(
  opts: { level?: LoggerOptions['level']; name: string; base?: Record<string, unknown> },
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name,
    base: { pid: process.pid, ...opts.base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Say why the process cannot go on, and exit. Written straight to stderr (synchronously, and even
 * when logging is silenced): pino's asynchronous destination could lose the line at process.exit,
 * and a process that refuses to start must always say why.
 */
export function fatalExit(log: Logger, fields: Record<string, unknown>, msg: string, code = 1): never {
  const line = { level: 'fatal', time: new Date().toISOString(), name: log.bindings().name, pid: process.pid, ...fields, msg };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exit(code);
}
