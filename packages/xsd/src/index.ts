/**
 * XSD validation of MIG messages with xmllint-wasm (libxml2's xmllint compiled to WebAssembly; no native library,
 * no network). Each xmllint run starts a worker thread and compiles the schema once, then validates every document
 * it was given — so documents are validated MANY per run: the fixed cost (~150 ms: worker, WebAssembly compile,
 * schema compile) is shared by the batch, and the per-document cost is a fraction of a millisecond. Runs go on in
 * parallel worker threads (`concurrency`). `pnpm --filter @app/xsd bench` (test/throughput.ts) prints the figures.
 *
 *   const xsd = createXsdValidator('/path/to/mig/xsd');        // v41/ + common/, or Turnkey's own copies
 *   const results = await xsd.validate('F0401', [{ name: 'AB12345678.xml', xml }]);
 *   // → [{ name: 'AB12345678.xml', ok: false, errors: ["line 7: Element 'Name': [facet 'maxLength'] …"] }]
 */
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { memoryPages, validateXML } from 'xmllint-wasm';
import { type DocResult, parseXmllintOutput } from './output.ts';
import { loadSchemaSet, type SchemaSet } from './schema-set.ts';

export { cleanMessage, type DocResult, parseXmllintOutput } from './output.ts';
export { collapseDeclarationNames, loadSchemaSet, type SchemaSet, schemaReferences } from './schema-set.ts';

export type XsdDocument = { name: string; xml: string };

export type XsdValidatorOptions = {
  /**
   * Most documents per xmllint run (default and maximum 1,000). Larger batches amortise the run's start-up better,
   * but xmllint-wasm passes every file name on the command line, which lives on the WebAssembly stack: around
   * 2,000–3,000 names the run crashes ("memory access out of bounds") or never returns. 1,000 keeps a wide margin.
   */
  batchSize?: number;
  /** Most characters of XML per xmllint run (default 32 MiB), so one run's in-memory copy stays bounded. */
  batchChars?: number;
  /** xmllint runs (worker threads) at once, across all `validate` calls (default: CPU count, at most 4). */
  concurrency?: number;
  /** WebAssembly memory cap per run, in 64 KiB pages (default 1 GiB; a 9,999-item F0401 needs ~100 MiB). */
  maxMemoryPages?: number;
};

export interface XsdValidator {
  /** The folder the schemas are read from (absolute). */
  readonly schemaDir: string;
  /** Path of the XSD used for `messageType` (`<dir>/v41/F0401.xsd`, or `<dir>/F0401.xsd` in a flat folder). */
  schemaPath(messageType: string): string;
  /**
   * Validate `docs` against the XSD of `messageType`. One result per document, in order: `ok`, and the errors as
   * `line N: message` (namespaces stripped, so messages name the bare element). Rejects when the message type has
   * no XSD or the schema cannot be read or compiled — never for an invalid document.
   */
  validate(messageType: string, docs: readonly XsdDocument[]): Promise<DocResult[]>;
}

/** Hard cap on documents per xmllint run (see `XsdValidatorOptions.batchSize`). */
export const MAX_BATCH_SIZE = 1000;

/** Folders (relative to the schema folder) searched for `<MSG>.xsd`, in order. */
const MESSAGE_FOLDERS = ['v41', '.'];

const MESSAGE_TYPE_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * A validator over the schema folder `schemaDir`. Throws at once if the folder cannot be read; each message type's
 * schema is loaded (with everything it includes) on first use and kept.
 */
export function createXsdValidator(schemaDir: string, options: XsdValidatorOptions = {}): XsdValidator {
  const dir = resolve(schemaDir);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    readdirSync(dir);
  } catch (e) {
    throw new Error(`XSD folder ${dir} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const batchSize = Math.min(MAX_BATCH_SIZE, Math.max(1, options.batchSize ?? MAX_BATCH_SIZE));
  const batchChars = Math.max(1, options.batchChars ?? 32 * 1024 * 1024);
  const concurrency = Math.max(1, options.concurrency ?? Math.min(4, availableParallelism()));
  const maxMemoryPages = options.maxMemoryPages ?? memoryPages.GiB;
  const schemas = new Map<string, Promise<SchemaSet>>();

  function schemaPath(messageType: string): string {
    if (!MESSAGE_TYPE_RE.test(messageType)) {
      throw new Error(`'${messageType}' is not a message type name (such as F0401)`);
    }
    const candidates = MESSAGE_FOLDERS.map((f) => join(dir, f, `${messageType}.xsd`));
    const found = candidates.find((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
    if (!found) throw new Error(`no XSD for message type ${messageType} in ${dir} (looked for ${candidates.join(', ')})`);
    return found;
  }

  function schemaOf(messageType: string): Promise<SchemaSet> {
    let s = schemas.get(messageType);
    if (!s) {
      s = Promise.resolve().then(() => loadSchemaSet(schemaPath(messageType)));
      // A failed load is not cached: the folder may be fixed and the call retried.
      s.catch(() => schemas.delete(messageType));
      schemas.set(messageType, s);
    }
    return s;
  }

  async function runBatch(schema: SchemaSet, docs: readonly XsdDocument[]): Promise<DocResult[]> {
    const fileNames = docs.map((_, i) => `m${i}.xml`);
    const options = {
      xml: docs.map((d, i) => ({ fileName: fileNames[i] as string, contents: d.xml })),
      schema: [schema.main],
      preload: schema.preload,
      maxMemoryPages,
    };
    let output: string;
    try {
      output = (await validateXML(options)).rawOutput;
    } catch (e) {
      // xmllint's exit code 1/3/4 with documents that are not well-formed or not valid is still a per-document
      // answer; anything else (5 = the schema does not compile, out of memory, …) is the run's failure.
      const code = (e as { code?: unknown }).code;
      const message = e instanceof Error ? e.message : String(e);
      if (code === 1 || code === 3 || code === 4) output = message;
      else throw new Error(`xmllint could not validate against ${schema.mainPath} (exit code ${String(code)}): ${message}`);
    }
    return parseXmllintOutput(
      output,
      fileNames,
      docs.map((d) => d.name),
    );
  }

  async function validate(messageType: string, docs: readonly XsdDocument[]): Promise<DocResult[]> {
    const schema = await schemaOf(messageType);
    if (docs.length === 0) return [];
    const batches: XsdDocument[][] = [];
    let current: XsdDocument[] = [];
    let chars = 0;
    for (const doc of docs) {
      if (current.length > 0 && (current.length >= batchSize || chars + doc.xml.length > batchChars)) {
        batches.push(current);
        current = [];
        chars = 0;
      }
      current.push(doc);
      chars += doc.xml.length;
    }
    batches.push(current);

    const results = await Promise.all(batches.map((batch) => withSlot(() => runBatch(schema, batch))));
    return results.flat();
  }

  // At most `concurrency` xmllint runs at once across all calls of this validator (callers may be many jobs at
  // once); the others wait their turn in order. A finished run hands its slot straight to the next in line.
  let running = 0;
  const waiting: (() => void)[] = [];
  async function withSlot<T>(run: () => Promise<T>): Promise<T> {
    if (running < concurrency) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  return { schemaDir: dir, schemaPath, validate };
}
