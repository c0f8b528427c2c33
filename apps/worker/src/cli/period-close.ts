/**
 * `pnpm period:close [--period 11410]`: what the daily period.close job does, now, against DATABASE_URL:
 * close the blocks of every period that ended more than OFFLINE_SUBMIT_GRACE_HOURS (default 48) ago — or
 * only of `--period`, which must have ended (no grace: ops decide) — and store their blank numbers for E0402. Idempotent: running it again, or while the worker's job runs, changes
 * nothing more. Prints one line per seller and period it looked at; exits 1 on error, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { configSchema } from '@app/config';
import { assertSchemaVersion, createDb, createPool } from '@app/db';
import { isYearMonth } from '@app/domain';
import { closePeriods } from '../jobs/period.close.ts';

let period: string | undefined;
try {
  ({
    values: { period },
  } = parseArgs({ options: { period: { type: 'string' } }, strict: true }));
} catch (e) {
  console.error(`${(e as Error).message}\nusage: pnpm period:close [--period 11410]`);
  process.exit(2);
}
if (period !== undefined && !isYearMonth(period)) {
  console.error(`--period ${period}: ROC year + even month, e.g. 11410`);
  process.exit(2);
}
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL: required');
  process.exit(2);
}

const db = createDb(createPool({ connectionString: url, max: 2, applicationName: 'period-close' }));
try {
  await assertSchemaVersion(db);
  const graceHours = configSchema.shape.OFFLINE_SUBMIT_GRACE_HOURS.parse(process.env.OFFLINE_SUBMIT_GRACE_HOURS);
  const results = await closePeriods(db, { now: new Date(), period, graceHours });
  for (const r of results) {
    console.log(
      `${r.yearMonth} seller ${r.sellerBan}: ${r.firstClose ? 'closed' : 'already closed'}; ` +
        `${r.blocksClosed} block(s) closed now; ${r.blankSpans} blank run(s), ${r.blankNumbers} blank number(s)` +
        (r.blanksChanged > 0 ? ` (${r.blanksChanged} row(s) written)` : ''),
    );
  }
  if (results.length === 0) console.log(period ? `nothing to close in ${period}` : 'no ended period has anything to close');
} catch (e) {
  console.error(`period:close failed: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
