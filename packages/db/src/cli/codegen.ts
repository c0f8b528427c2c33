/** `pnpm db:codegen`: migrate a throwaway database and regenerate the committed DB types. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startPostgres } from '@app/devkit';
import pg from 'pg';
import { generateTypes, generateVersionFile, TYPES_FILE, VERSION_FILE } from '../codegen.ts';
import { migrate } from '../migrate.ts';

const root = mkdtempSync(join(tmpdir(), 'einv-codegen-'));
const server = await startPostgres({ dataDir: join(root, 'pg'), port: await freePort(), durable: false });
try {
  const c = new pg.Client({ connectionString: server.url('postgres') });
  await c.connect();
  await c.query('CREATE DATABASE codegen');
  await c.end();
  await migrate(server.url('codegen'));
  const tmp = join(root, 'types.ts');
  writeFileSync(TYPES_FILE, await generateTypes(server.url('codegen'), tmp));
  writeFileSync(VERSION_FILE, await generateVersionFile());
  console.log(`wrote ${TYPES_FILE}\nwrote ${VERSION_FILE}`);
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
