/**
 * Turnkey's hand-off folders (einvoice-domain.md §5.2–5.3): one unsigned MIG XML per file in
 * `<TURNKEY_ROOT>/UpCast/<CAT>/<MSG>/SRC/`, written atomically — a temp file in the message's folder
 * (same file system), fsync'd, renamed into SRC, and SRC fsync'd — so Turnkey never reads half a file.
 * Turnkey moves what it took to `BAK/<YYYYMMDD>/<HH>/` or `ERR/<YYYYMMDD>/` (layout reported, unverified).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
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

async function fsyncDir(dir: string) {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Write `xml` as `SRC/<name>` atomically. */
export async function writeAtomically(root: string, type: MessageType, name: string, xml: string): Promise<void> {
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
  await fsyncDir(src);
}

/**
 * Whether a file of this name was already handed off: still in SRC, or moved by Turnkey to BAK or ERR
 * (their dated sub-folders are searched). Used only for a message whose earlier attempt may have
 * written its file before it could be marked delivered.
 */
export async function alreadyHandedOff(root: string, type: MessageType, name: string): Promise<boolean> {
  if (existsSync(join(srcDir(root, type), name))) return true;
  for (const kind of ['BAK', 'ERR']) {
    const base = join(messageDir(root, type), kind);
    if (!existsSync(base)) continue;
    const entries = await readdir(base, { recursive: true });
    if (entries.some((e) => e === name || e.endsWith(`/${name}`))) return true;
  }
  return false;
}
