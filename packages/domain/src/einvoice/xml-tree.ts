/**
 * Reading an XML file the platform or Turnkey produced (E0501, ProcessResult, SummaryResult) into a small
 * element tree, with fast-xml-parser: elements with their namespace URI resolved from the `xmlns`/`xmlns:p`
 * declarations in scope, attributes (prefixes dropped), trimmed text and the 1-based line of each start tag.
 *
 * Safety: any `<!DOCTYPE` or `<!ENTITY` is refused before parsing (no DTD, no internal or external entity, no
 * expansion bomb); only the predefined XML entities and character references are decoded (plus HTML entity
 * names, a quirk of fast-xml-parser). Every failure is thrown through the caller's `fail`, never as a library
 * error, so each file kind keeps its own error type. (fast-xml-parser's `removeNSPrefix` would also drop the
 * `xmlns` attributes the namespace check needs, so the parser keeps prefixes and this file resolves them.)
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeCp950, decodeUtf8, hasUtf8Bom } from './e0501/decode.ts';

/** An element with its namespace resolved. */
export interface XmlElement {
  readonly name: string;
  readonly local: string;
  readonly ns: string | undefined;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  readonly text: string;
  readonly line: number | undefined;
}

export type XmlTreeFailure = 'ENCODING_UNSUPPORTED' | 'XML_DTD_FORBIDDEN' | 'XML_MALFORMED';

/** Makes the error to throw (the caller's own kind). */
export type XmlTreeFail = (
  reason: XmlTreeFailure,
  message: string,
  where?: { line?: number | undefined; column?: number | undefined },
) => Error;

type FxpNode = Record<string, unknown>;

/**
 * Decodes XML bytes per their declaration: UTF-8 (the default; a BOM is allowed) or Big5/cp950. UTF-16 and
 * any other declared encoding are refused through `fail('ENCODING_UNSUPPORTED', …)`.
 */
export function decodeXmlBytes(buf: Buffer, fail: XmlTreeFail): string {
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw fail('ENCODING_UNSUPPORTED', 'The file is UTF-16; only UTF-8 and Big5 (cp950) are accepted');
  }
  const head = buf.subarray(hasUtf8Bom(buf) ? 3 : 0, 200).toString('latin1');
  const declared = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']/.exec(head)?.[1]?.toLowerCase();
  if (declared === undefined || declared === 'utf-8' || declared === 'utf8') {
    const text = decodeUtf8(buf);
    if (text === null) throw fail('ENCODING_UNSUPPORTED', 'The XML is not valid UTF-8');
    return text;
  }
  if (['big5', 'cp950', 'ms950', 'x-windows-950', 'windows-950'].includes(declared)) return decodeCp950(buf);
  throw fail('ENCODING_UNSUPPORTED', `The XML declares encoding "${declared}"; only UTF-8 and Big5 are accepted`);
}

// Typed `Symbol` (the wrapper object) by the library; it is a primitive symbol.
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // Needed for character references (&#65;): fast-xml-parser decodes them only in this mode, which also maps
  // HTML names such as &nbsp; — harmless, as none of these files' values may contain them.
  htmlEntities: true,
  captureMetaData: true,
});

/** 1-based line of a character offset. */
function lineIndex(text: string): (offset: number) => number {
  const breaks: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) breaks.push(i);
  return (offset) => {
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((breaks[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Turns fast-xml-parser's ordered output into elements with resolved namespaces. */
function toElements(
  nodes: unknown,
  scope: ReadonlyMap<string, string>,
  lineOf: (offset: number) => number,
  fail: XmlTreeFail,
): XmlElement[] {
  const out: XmlElement[] = [];
  if (!Array.isArray(nodes)) return out;
  for (const node of nodes as FxpNode[]) {
    const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
    if (name === undefined) continue; // a text node: read by the parent
    const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
    let inner = scope;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) {
        if (inner === scope) inner = new Map(scope);
        (inner as Map<string, string>).set(k === 'xmlns' ? '' : k.slice(6), String(v));
      } else {
        attrs[k.includes(':') ? k.slice(k.indexOf(':') + 1) : k] = String(v);
      }
    }
    const colon = name.indexOf(':');
    const prefix = colon === -1 ? '' : name.slice(0, colon);
    const local = colon === -1 ? name : name.slice(colon + 1);
    const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[META];
    const line = meta?.startIndex === undefined ? undefined : lineOf(meta.startIndex);
    const ns = inner.get(prefix) || undefined; // xmlns="" undeclares the default namespace
    if (prefix !== '' && ns === undefined) {
      throw fail('XML_MALFORMED', `Namespace prefix "${prefix}" of <${name}> is not declared`, { line });
    }
    const content = node[name];
    const text = Array.isArray(content)
      ? (content as FxpNode[])
          .map((c) => (c['#text'] === undefined ? '' : String(c['#text'])))
          .join('')
          .trim()
      : '';
    out.push({ name, local, ns, attrs, children: toElements(content, inner, lineOf, fail), text, line });
  }
  return out;
}

/** The root element of `text`; throws `fail(...)` for a DTD, malformed XML, no root or several roots. */
export function readXmlTree(text: string, fail: XmlTreeFail): XmlElement {
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw fail('XML_DTD_FORBIDDEN', 'The XML contains a DOCTYPE or ENTITY declaration, which is not accepted');
  }
  const checked = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (checked !== true) {
    const { msg, line, col } = checked.err;
    throw fail('XML_MALFORMED', `The XML is malformed at line ${line}, column ${col}: ${msg}`, { line, column: col });
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (e) {
    throw fail('XML_MALFORMED', `The XML could not be parsed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const roots = toElements(parsed, new Map(), lineIndex(text), fail);
  const root = roots[0];
  if (root === undefined) throw fail('XML_MALFORMED', 'The XML has no root element');
  if (roots.length > 1) throw fail('XML_MALFORMED', 'The XML has more than one root element', { line: roots[1]?.line });
  return root;
}
