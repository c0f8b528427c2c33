/**
 * The Turnkey stand-in process: config → logger → database (given or embedded) → scan loop + control
 * endpoint → on SIGTERM/SIGINT a graceful stop (current scan finishes, embedded MariaDB stopped) and exit 0.
 * A bad config or a failed start is one fatal line and exit 1. README.md describes what it simulates.
 */
import { createLogger, fatalExit } from '@app/logger';
import { parseSimConfig, SimConfigError } from './config.ts';
import { startRuntime } from './runtime.ts';

let config: ReturnType<typeof parseSimConfig>;
try {
  config = parseSimConfig(process.env);
} catch (e) {
  if (e instanceof SimConfigError) {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', name: 'turnkey-sim', msg: e.message, problems: e.problems })}\n`);
    process.exit(1);
  }
  throw e;
}
const log = createLogger({ name: 'turnkey-sim', level: config.LOG_LEVEL });

function die(err: unknown, msg: string): never {
  fatalExit(log, { err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, msg);
}
process.on('uncaughtException', (err) => die(err, 'uncaught exception'));
process.on('unhandledRejection', (err) => die(err, 'unhandled promise rejection'));

async function main(): Promise<void> {
  const runtime = await startRuntime(config, log);
  log.info(
    {
      turnkeyRoot: config.TURNKEY_ROOT,
      control: runtime.controlUrl,
      mode: runtime.sim.getMode().mode,
      pollMs: config.TURNKEY_SIM_POLL_MS,
      embeddedMariadbPort: runtime.mariadb?.port,
    },
    'turnkey-sim started',
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) die(new Error(`${signal} during shutdown`), 'second signal; exiting at once');
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => die(new Error('shutdown took longer than 60 s'), 'shutdown timed out'), 60_000).unref();
    runtime
      .stop()
      .then(() => {
        log.info('turnkey-sim stopped');
        process.exit(0);
      })
      .catch((err) => die(err, 'error while stopping'));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err) => die(err, 'turnkey-sim failed to start'));
