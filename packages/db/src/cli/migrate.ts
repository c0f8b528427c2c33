/** `pnpm migrate`: apply pending migrations to DATABASE_URL. */
import { migrate } from '../migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL: required');
  process.exit(1);
}
const r = await migrate(url, { log: (m) => console.log(m) });
console.log(
  r.applied.length
    ? `applied ${r.applied.length} migration(s); schema version ${r.version}`
    : `up to date; schema version ${r.version}`,
);
