/**
 * Loading one message's XSD with everything it includes or imports, for xmllint-wasm: the WebAssembly xmllint reads
 * only files handed to it in memory, so every referenced schema is preloaded under the path the referring schema
 * names it by. Paths are resolved relative to the referring file (as an XML processor resolves `schemaLocation`), so
 * the layout of the folder does not matter: the MOF gateway jar's `v41/` + `common/` (`../common/GenericType_4.0.xsd`)
 * works, and so does any other copy as long as its own references are right.
 *
 * One repair is applied while loading, see `collapseDeclarationNames`: the official v41/E0401.xsd and v41/E0402.xsd
 * declare `name=" InvoiceBeginNo"` / `name=" BranchBan"` with a leading space.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** A file as xmllint-wasm takes it: a path in its in-memory file system and the raw bytes (any declared encoding). */
export type LoadedFile = { fileName: string; contents: Uint8Array };

export type SchemaSet = {
  /** The message's own XSD (absolute path on disk). */
  mainPath: string;
  main: LoadedFile;
  /** Every file reachable through xsd:include / xsd:import / xsd:redefine, under its in-memory path. */
  preload: LoadedFile[];
};

/** In-memory folder the schema tree is mirrored into (the documents sit at the root, beside it). */
const VIRTUAL_ROOT = 'xsd';

const COMMENT_RE = /<!--[\s\S]*?-->/g;
const REFERENCE_RE = /<(?:[\w.-]+:)?(?:include|import|redefine|override)\b[^>]*?\bschemaLocation\s*=\s*(["'])(.*?)\1/g;
/** `http:`, `file:`, `urn:` … (a Windows drive letter `C:` is two characters and never matches). */
const URI_SCHEME_RE = /^[a-z][a-z0-9+.-]+:/i;

/** The `schemaLocation`s an XSD refers to (comments skipped). */
export function schemaReferences(xsd: string): string[] {
  const text = xsd.replace(COMMENT_RE, '');
  return [...text.matchAll(REFERENCE_RE)].map((m) => (m[2] ?? '').trim()).filter((loc) => loc !== '');
}

/** Read `mainPath` and, transitively, every schema it refers to. Errors name the file and who referred to it. */
export async function loadSchemaSet(mainPath: string): Promise<SchemaSet> {
  const files = new Map<string, Uint8Array>();
  const queue: { path: string; from: string | null }[] = [{ path: resolve(mainPath), from: null }];
  while (queue.length > 0) {
    const { path, from } = queue.shift() as { path: string; from: string | null };
    if (files.has(path)) continue;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`cannot read XSD ${path}${from ? ` (referenced by ${from})` : ''}: ${why}`);
    }
    files.set(path, collapseDeclarationNames(bytes));
    for (const loc of schemaReferences(Buffer.from(bytes).toString('utf8'))) {
      if (URI_SCHEME_RE.test(loc) || isAbsolute(loc)) {
        throw new Error(`XSD ${path} refers to '${loc}': only relative schema locations can be preloaded into xmllint-wasm`);
      }
      queue.push({ path: resolve(dirname(path), decodeURI(loc)), from: path });
    }
  }

  // Mirror the files below their deepest common folder, so that every relative reference between them
  // (`../common/GenericType_4.0.xsd` from `v41/F0401.xsd`) points at the same file in memory as on disk.
  const paths = [...files.keys()];
  const root = commonFolder(paths);
  const virtual = (p: string) => `${VIRTUAL_ROOT}/${relative(root, p).split(sep).join('/')}`;
  const main = resolve(mainPath);
  return {
    mainPath: main,
    main: { fileName: virtual(main), contents: files.get(main) as Uint8Array },
    preload: paths.filter((p) => p !== main).map((p) => ({ fileName: virtual(p), contents: files.get(p) as Uint8Array })),
  };
}

const DECLARATION_NAME_RE = /(\s(?:name|ref|type|base|itemType|substitutionGroup)\s*=\s*)(["'])([^"']*)\2/g;

/**
 * Trim the white space around names in schema declarations (`name=" BranchBan"` → `name="BranchBan"`). In the XML
 * Schema for schemas these attributes are NCName/QName, whose `whiteSpace` is `collapse`, so a conforming processor
 * (Xerces in Turnkey's Java validator, libxml2 2.9) reads the name without the space; libxml2 2.13 — the one in
 * xmllint-wasm 5.3 — keeps it, and then no document can match: `<BranchBan>` is "not expected, expected is
 * ( BranchBan, …)". The rewrite works on the bytes as latin1, so the file's own encoding is untouched.
 */
export function collapseDeclarationNames(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  let changed = false;
  const fixed = text.replace(DECLARATION_NAME_RE, (all, lead: string, quote: string, value: string) => {
    const collapsed = value.replace(/[\t\n\r ]+/g, ' ').trim();
    if (collapsed === value) return all;
    changed = true;
    return `${lead}${quote}${collapsed}${quote}`;
  });
  return changed ? Buffer.from(fixed, 'latin1') : bytes;
}

function commonFolder(paths: readonly string[]): string {
  const split = paths.map((p) => dirname(p).split(sep));
  const first = split[0] ?? [];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}
