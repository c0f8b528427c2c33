/**
 * How much JavaScript the first page load downloads, gzipped: the entry script of dist/index.html and the
 * chunks it preloads (lazy chunks are not counted). Builds first unless `--no-build` (then reads dist/).
 * Exits 1 above the web issue's budget (250 KB).
 *
 *   pnpm --filter @app/web size [--no-build]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const BUDGET_BYTES = 250 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

if (!process.argv.includes('--no-build')) await build({ root, logLevel: 'warn' });

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g)].map((m) => m[1]);
const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
const files = [...new Set([...scripts, ...preloads])].filter((f): f is string => !!f && !/^https?:/.test(f));
if (files.length === 0) throw new Error('dist/index.html names no module script');

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
let raw = 0;
let gz = 0;
for (const f of files) {
  const bytes = readFileSync(join(dist, f.replace(/^\//, '')));
  const g = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += g;
  console.log(`${f.padEnd(40)} ${kb(bytes.length).padStart(10)} ${kb(g).padStart(10)} gzip`);
}
console.log(`initial JS: ${kb(raw)}, ${kb(gz)} gzip (budget ${kb(BUDGET_BYTES)})`);
if (gz > BUDGET_BYTES) {
  console.error('over budget');
  process.exitCode = 1;
}
