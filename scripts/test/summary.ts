/** Print vitest's JSON results as the one line CI reads: `N passed, N failed` (last line of output). */
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
if (!existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`no test results at ${file}: the test run did not finish`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
  testResults: { name: string; status: string; message?: string; assertionResults: unknown[] }[];
};
// A file that failed to load (syntax error, failed beforeAll) has no test results of its own: count it.
const brokenFiles = r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.length === 0);
for (const f of brokenFiles) console.error(`test file failed before its tests ran: ${f.name}\n${f.message ?? ''}`);
const failed = r.numFailedTests + brokenFiles.length;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || r.numPassedTests === 0 ? 1 : 0);
