/**
 * Turnkey's hand-off folders (einvoice-domain.md §5.2–5.3): one unsigned MIG XML per file in
 * `<TURNKEY_ROOT>/UpCast/<CAT>/<MSG>/SRC/`, written atomically — a temp file in the message's folder
 * (same file system), fsync'd, renamed into SRC, and SRC fsync'd — so Turnkey never reads half a file.
 * Turnkey moves what it took to `BAK/<YYYYMMDD>/<HH>/` or `ERR/<YYYYMMDD>/` (layout reported, unverified).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type MessageType = 'F0401' | 'F0501' | 'F0701' | 'G0401' | 'G0501' | 'G0701' | 'E0401' | 'E0402';

/** B2S storage for the F/G messages (MIG 4.x); B2P messages for E0401/E0402. */
export const categoryOf = (type: MessageType): 'B2SSTORAGE' | 'B2PMESSAGE' =>
  type.startsWith('E') ? 'B2PMESSAGE' : 'B2SSTORAGE';

export const messageDir = (root: string, type: MessageType) => join(root, 'UpCast', categoryOf(type), type);
export const srcDir = (root: string, type: MessageType) => join(messageDir(root, type), 'SRC');

/**
 * The file's name: traceable to the message (type, seller, document identifier) and unique (the
 * message's id), and the same on every attempt, so a retry can tell whether the file was already handed off.
 */
export const handOffFileName = (m: { id: string; message_type: string; seller_ban: string; identifier: string }) =>
  `${m.seller_ban}_${m.message_type}_${m.identifier}_${m.id}.xml`;

export async function fsyncDir(dir: string) {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Write `xml` as `SRC/<name>`: a temp file in the message's folder, fsync'd, renamed into SRC. The rename is
 * durable once SRC itself is fsync'd — `writeAtomically` does it; the hand-off writes a batch with
 * `syncSrc: false` and then fsyncs each SRC folder once, before any of the batch is marked delivered.
 */
export async function writeAtomically(
  root: string,
  type: MessageType,
  name: string,
  xml: string,
  opts: { syncSrc?: boolean } = {},
): Promise<void> {
  const src = srcDir(root, type);
  await mkdir(src, { recursive: true });
  const tmp = join(messageDir(root, type), `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const h = await open(tmp, 'wx');
  try {
    await h.writeFile(xml, 'utf8');
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await rename(tmp, join(src, name));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (opts.syncSrc ?? true) await fsyncDir(src);
}

const ymd = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');

/**
 * Which of `names` were already handed off: still in SRC, or moved by Turnkey to BAK or ERR. Only the dated
 * sub-folders (`BAK/<yyyyMMdd>/…`, Asia/Taipei) from the day before `since` on are searched, so a Turnkey
 * folder holding years of BAK costs nothing here. Used only for messages whose earlier attempt may have
 * written the file before it could be marked delivered (a worker killed mid-batch).
 */
export async function handedOff(root: string, type: MessageType, names: readonly string[], since: Date): Promise<Set<string>> {
  const found = new Set<string>();
  if (names.length === 0) return found;
  const wanted = new Set(names);
  for (const n of names) if (existsSync(join(srcDir(root, type), n))) found.add(n);
  const from = ymd(new Date(since.getTime() - 86_400_000));
  for (const kind of ['BAK', 'ERR']) {
    const base = join(messageDir(root, type), kind);
    let days: string[];
    try {
      days = await readdir(base);
    } catch {
      continue;
    }
    for (const day of days) {
      if (wanted.has(day)) found.add(day);
      // Dated folders older than the message are skipped; anything not named like a date is searched.
      if (/^\d{8}$/.test(day) && day < from) continue;
      const entries = await readdir(join(base, day), { recursive: true }).catch(() => [] as string[]);
      for (const e of entries) {
        const name = e.slice(e.lastIndexOf('/') + 1);
        if (wanted.has(name)) found.add(name);
      }
    }
  }
  return found;
}

const TEMP_RE = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temp files (`.<name>.<random>.tmp` beside SRC) a hand-off left when its process died between
 * writing and renaming — older than `olderThanMs`, so a write in progress is never touched. Turnkey ignores
 * them (they are not in SRC); this keeps the folders clean. Returns how many were removed.
 */
export async function removeStaleTemps(root: string, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const cat of ['B2SSTORAGE', 'B2PMESSAGE']) {
    const base = join(root, 'UpCast', cat);
    const types = await readdir(base).catch(() => [] as string[]);
    for (const type of types) {
      const dir = join(base, type);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!TEMP_RE.test(name)) continue;
        const path = join(dir, name);
        const st = await stat(path).catch(() => null);
        if (st?.isFile() && now - st.mtimeMs > olderThanMs) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
  }
  return removed;
}
