/**
 * xmllint's stderr for a run over several documents, split back into one result per document.
 *
 * xmllint (libxml2 2.13 in xmllint-wasm 5.3) writes, per document in argument order, its errors as
 * `<file>:<line>: <message>` (a parser error is followed by two context lines: the source line and a caret), then
 * `<file> validates` or `<file> fails to validate` (nothing after a document that is not well-formed). A document
 * is valid only if its `validates` line is there.
 */

export type DocResult = { name: string; ok: boolean; errors: string[] };

const NAMESPACE_RE = /\{[^{}]*\}/g;

/**
 * One xmllint message made readable: namespaces dropped from qualified names (`'{urn:GEINV:…}Name'` → `'Name'`),
 * the `element X: Schemas validity error :` lead-in dropped (the element is named again in the message).
 */
export function cleanMessage(message: string): string {
  return message
    .replace(/^element [^:]+: /, '')
    .replace(/^Schemas validity error : /, '')
    .replace(/^([a-z ]*(?:error|warning)) : /i, '$1: ')
    .replace(NAMESPACE_RE, '')
    .trim();
}

/**
 * Results for `docs`, which xmllint saw under `fileNames` (same order). Errors read `line N: message`.
 */
export function parseXmllintOutput(output: string, fileNames: readonly string[], docNames: readonly string[]): DocResult[] {
  const index = new Map(fileNames.map((f, i) => [f, i]));
  const results: DocResult[] = docNames.map((name) => ({ name, ok: false, errors: [] }));
  const validated = new Array<boolean>(fileNames.length).fill(false);
  for (const line of output.split('\n')) {
    const located = /^(\S+?):(\d+): (.*)$/.exec(line);
    if (located) {
      const i = index.get(located[1] as string);
      if (i !== undefined) {
        results[i]?.errors.push(`line ${located[2]}: ${cleanMessage(located[3] as string)}`);
        continue;
      }
    }
    const verdict = /^(\S+) (validates|fails to validate)$/.exec(line);
    if (verdict) {
      const i = index.get(verdict[1] as string);
      if (i !== undefined && verdict[2] === 'validates') validated[i] = true;
    }
    // Anything else is a parser error's context (source line, caret) or xmllint chatter: not needed.
  }
  for (const [i, r] of results.entries()) {
    r.ok = validated[i] === true && r.errors.length === 0;
    if (!r.ok && r.errors.length === 0) r.errors.push('xmllint did not report this document as valid');
  }
  return results;
}
