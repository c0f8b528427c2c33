/**
 * Wires the simulator: database (given, or an embedded MariaDB started with @app/devkit), repository, XSD
 * validator, code book, the scan loop and the control endpoint. `main.ts` runs it; tests start it in-process.
 */
import { join, resolve } from 'node:path';
import { freePort, type MariadbServer, startMariadb } from '@app/devkit';
import type { Logger } from '@app/logger';
import { createXsdValidator, type XsdValidator } from '@app/xsd';
import { createPool, type Pool } from 'mysql2/promise';
import { loadCodeBook } from './codes.ts';
import type { SimConfig } from './config.ts';
import { createControlServer, listen } from './control.ts';
import { createRepository } from './repository.ts';
import { createTurnkeySim, type TurnkeySim } from './sim.ts';

export type SimRuntime = {
  sim: TurnkeySim;
  pool: Pool;
  /** Base URL of the control endpoint. */
  controlUrl: string;
  /** The embedded MariaDB, when TURNKEY_SIM_DB_URL was unset. */
  mariadb?: MariadbServer;
  /** URL for the product to read TURNKEY_* with (the embedded database's account; else TURNKEY_SIM_DB_URL). */
  productDbUrl: string;
  stop: () => Promise<void>;
};

export async function startRuntime(config: SimConfig, log: Logger, overrides: { xsd?: XsdValidator } = {}): Promise<SimRuntime> {
  // Fail on a missing XSD folder or code table before anything is started.
  const xsd = overrides.xsd ?? createXsdValidator(config.TURNKEY_SIM_XSD_DIR);
  const codes = loadCodeBook();

  let mariadb: MariadbServer | undefined;
  let dbUrl = config.TURNKEY_SIM_DB_URL;
  let productDbUrl = dbUrl ?? '';
  let lockAccounts = config.TURNKEY_SIM_DOWN_LOCK_ACCOUNTS;
  if (!dbUrl) {
    const dataDir = resolve(config.TURNKEY_SIM_MARIADB_DIR);
    const port = config.TURNKEY_SIM_MARIADB_PORT || (await freePort());
    mariadb = await startMariadb({
      dataDir,
      port,
      durable: true,
      logFile: join(dataDir, '..', 'mariadb.log'),
      database: 'turnkey',
      user: config.TURNKEY_SIM_MARIADB_USER,
      password: config.TURNKEY_SIM_MARIADB_PASSWORD as string,
    });
    // The simulator works as root (it locks the product's account when down); the product uses the account.
    dbUrl = mariadb.rootUrl('turnkey');
    productDbUrl = mariadb.url();
    if (lockAccounts.length === 0) lockAccounts = [`${config.TURNKEY_SIM_MARIADB_USER}@%`];
    log.info({ port, dataDir, mariadbPid: mariadb.pid, user: config.TURNKEY_SIM_MARIADB_USER }, 'embedded MariaDB started');
  }

  const pool = createPool({ uri: dbUrl, connectionLimit: 4, charset: 'utf8mb4', dateStrings: true });
  // An idle connection dropped by a MariaDB restart must not take the simulator down.
  pool.on('connection', (c) => c.on('error', (err) => log.warn({ err }, 'database connection lost')));
  const sim = createTurnkeySim({
    options: { ...config, TURNKEY_SIM_DOWN_LOCK_ACCOUNTS: lockAccounts },
    repo: createRepository(pool),
    xsd,
    codes,
    log,
  });
  const server = createControlServer(sim, log);
  try {
    await sim.start();
    const controlUrl = await listen(server, config.TURNKEY_SIM_CONTROL_HOST, config.TURNKEY_SIM_CONTROL_PORT);
    return {
      sim,
      pool,
      controlUrl,
      ...(mariadb ? { mariadb } : {}),
      productDbUrl,
      stop: async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await closed;
        await sim.stop();
        await pool.end().catch(() => {});
        await mariadb?.stop();
      },
    };
  } catch (e) {
    await sim.stop();
    server.close();
    await pool.end().catch(() => {});
    await mariadb?.stop();
    throw e;
  }
}
