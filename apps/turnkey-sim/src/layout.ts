/**
 * Turnkey's work-folder layout (einvoice-domain.md §5.2) and the file operations on it.
 *
 *   UpCast/<CAT>/<MSG>/SRC/                    where the product drops one MIG XML per file
 *   UpCast/<CAT>/<MSG>/BAK/<yyyyMMdd>/<HH>/    taken messages (reported layout, unverified)
 *   UpCast/<CAT>/<MSG>/ERR/<yyyyMMdd>/         messages rejected before upload
 *   Unpack/BAK/ProcessResult/<yyyyMMdd>/<HH>/  platform replies, one per pack
 *   Unpack/BAK/SummaryResult/<yyyyMMdd>/<HH>/  daily summaries
 *   Unpack/BAK/E0501/<yyyyMMdd>/<HH>/          number allocations downloaded from the platform
 */
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { MessageSpec } from './messages.ts';
import type { TaipeiStamp } from './time.ts';

export function srcDir(root: string, spec: MessageSpec): string {
  return join(root, 'UpCast', spec.category, spec.type, 'SRC');
}

export function bakDir(root: string, spec: MessageSpec, at: TaipeiStamp): string {
  return join(root, 'UpCast', spec.category, spec.type, 'BAK', at.day, at.hour);
}

export function errDir(root: string, spec: MessageSpec, at: TaipeiStamp): string {
  return join(root, 'UpCast', spec.category, spec.type, 'ERR', at.day);
}

export type UnpackKind = 'ProcessResult' | 'SummaryResult' | 'E0501';

export function unpackDir(root: string, kind: UnpackKind, at: TaipeiStamp): string {
  return join(root, 'Unpack', 'BAK', kind, at.day, at.hour);
}

/** Creates the SRC folders of every message (so the product finds them, as after Turnkey's set-up). */
export function ensureSrcDirs(root: string, specs: readonly MessageSpec[]): void {
  for (const s of specs) mkdirSync(srcDir(root, s), { recursive: true });
}

export type SrcFile = { path: string; name: string; mtimeMs: number; size: number };

/**
 * Complete messages waiting in `dir`: regular files named `*.xml` (any case) not starting with a dot, older than
 * `settleMs`, oldest first. Temp files the product writes before its rename (`.x.tmp`, `x.xml.part`, …) are not
 * `*.xml` and are left alone.
 */
export function listSrc(dir: string, settleMs: number, now: number, limit: number): SrcFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: SrcFile[] = [];
  for (const name of names) {
    if (name.startsWith('.') || extname(name).toLowerCase() !== '.xml') continue;
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (!st.isFile() || (settleMs > 0 && now - st.mtimeMs < settleMs)) continue;
      files.push({ path, name, mtimeMs: st.mtimeMs, size: st.size });
    } catch {
      // vanished between readdir and stat
    }
  }
  files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files.slice(0, limit);
}

/** Moves `file` into `dir` (created), keeping its name unless taken — then `<name>_<suffix>.xml`. Returns the new path. */
export function moveInto(file: string, dir: string, suffix: string): string {
  mkdirSync(dir, { recursive: true });
  const name = basename(file);
  let target = join(dir, name);
  if (exists(target)) target = join(dir, `${name.slice(0, -extname(name).length)}_${suffix}${extname(name)}`);
  renameSync(file, target);
  return target;
}

/** Writes `content` to `dir/name` atomically: a dot-named temp file in the same folder, then a rename. */
export function writeAtomic(dir: string, name: string, content: string): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, content);
  renameSync(tmp, target);
  return target;
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
