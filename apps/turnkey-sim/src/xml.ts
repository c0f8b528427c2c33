/**
 * A small XML reader and writer for the simulator.
 *
 * Reading: the simulator validates every message against the official XSD with `@app/xsd` (libxml2) FIRST;
 * this reader only pulls a dozen values out of a document, to name the message (INVOICE_IDENTIFIER, seller)
 * and apply the few business rules. It handles what MIG files contain — elements, attributes, namespace
 * prefixes, text, CDATA, comments, processing instructions, the five predefined entities and character
 * references — and refuses a DOCTYPE (no DTD, no entity expansion). It is not a general XML parser; this
 * app has no XML library of its own (see README, "Dependencies").
 */

export class XmlReadError extends Error {
  override readonly name = 'XmlReadError';
}

export interface XmlElement {
  /** Local name (prefix removed). */
  readonly local: string;
  /** Namespace URI, when declared. */
  readonly ns: string | undefined;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Concatenated, decoded text directly inside this element (untrimmed). */
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9A-Fa-f]+|#\d+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!Number.isFinite(cp) || cp > 0x10ffff) throw new XmlReadError(`bad character reference ${whole}`);
      return String.fromCodePoint(cp);
    }
    const v = ENTITIES[ref];
    if (v === undefined) throw new XmlReadError(`undeclared entity ${whole}`);
    return v;
  });
}

type Open = { el: XmlElement; qname: string; scope: Map<string, string> };

/** Reads `xml` into its root element. Throws `XmlReadError` on anything it cannot read. */
export function readXml(xml: string): XmlElement {
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  const fail = (msg: string): never => {
    const line = xml.slice(0, i).split('\n').length;
    throw new XmlReadError(`line ${line}: ${msg}`);
  };
  const skipTo = (end: string, what: string) => {
    const j = xml.indexOf(end, i);
    if (j === -1) fail(`unterminated ${what}`);
    const body = xml.slice(i, j);
    i = j + end.length;
    return body;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > i) {
      const raw = xml.slice(i, textEnd);
      const top = stack.at(-1);
      if (top) top.el.text += decode(raw);
      else if (raw.trim() !== '') fail('text outside the root element');
      i = textEnd;
      continue;
    }
    if (xml.startsWith('<?', i)) {
      i += 2;
      skipTo('?>', 'processing instruction');
    } else if (xml.startsWith('<!--', i)) {
      i += 4;
      skipTo('-->', 'comment');
    } else if (xml.startsWith('<![CDATA[', i)) {
      i += 9;
      const body = skipTo(']]>', 'CDATA section');
      const top = stack.at(-1) ?? fail('CDATA outside the root element');
      top.el.text += body;
    } else if (xml.startsWith('<!', i)) {
      fail('DOCTYPE and other declarations are not accepted');
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const name = NAME.exec(xml.slice(i, i + 200))?.[0] ?? fail('bad end tag');
      i += name.length;
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml[i] !== '>') fail(`bad end tag </${name}`);
      i++;
      const top = stack.pop() ?? fail(`end tag </${name}> without a start tag`);
      if (top.qname !== name) fail(`end tag </${name}> does not match <${top.qname}>`);
    } else {
      i++;
      const qname = NAME.exec(xml.slice(i, i + 200))?.[0] ?? fail('bad start tag');
      i += qname.length;
      const rawAttrs: [string, string][] = [];
      for (;;) {
        while (/\s/.test(xml[i] ?? '')) i++;
        if (xml[i] === '>' || xml.startsWith('/>', i)) break;
        const an = NAME.exec(xml.slice(i, i + 200))?.[0] ?? fail(`bad attribute in <${qname}>`);
        i += an.length;
        while (/\s/.test(xml[i] ?? '')) i++;
        if (xml[i] !== '=') fail(`attribute ${an} without a value`);
        i++;
        while (/\s/.test(xml[i] ?? '')) i++;
        const q = xml[i];
        if (q !== '"' && q !== "'") fail(`attribute ${an} value not quoted`);
        i++;
        rawAttrs.push([an, decode(skipTo(q as string, 'attribute value'))]);
      }
      const selfClosing = xml[i] === '/';
      i += selfClosing ? 2 : 1;
      const parent = stack.at(-1);
      let scope = parent?.scope ?? new Map<string, string>();
      const attrs: Record<string, string> = {};
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) {
          if (scope === parent?.scope || stack.length === 0) scope = new Map(scope);
          scope.set(k === 'xmlns' ? '' : k.slice(6), v);
        } else attrs[k.includes(':') ? k.slice(k.indexOf(':') + 1) : k] = v;
      }
      const colon = qname.indexOf(':');
      const prefix = colon === -1 ? '' : qname.slice(0, colon);
      if (prefix && !scope.has(prefix)) fail(`namespace prefix ${prefix} is not declared`);
      const el: XmlElement = {
        local: colon === -1 ? qname : qname.slice(colon + 1),
        ns: scope.get(prefix) || undefined,
        attrs,
        children: [],
        text: '',
      };
      if (parent) parent.el.children.push(el);
      else if (root) fail('more than one root element');
      else root = el;
      if (!selfClosing) stack.push({ el, qname, scope });
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)?.qname}> is not closed`);
  return root ?? fail('no root element');
}

/** The first child named `local`, following a path: `pick(root, 'Main', 'Seller', 'Identifier')`. */
export function pick(el: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let cur = el;
  for (const p of path) cur = cur?.children.find((c) => c.local === p);
  return cur;
}

/** The trimmed text at `path` below `el`, or '' when the element is absent. */
export function textAt(el: XmlElement | undefined, ...path: string[]): string {
  return pick(el, ...path)?.text.trim() ?? '';
}

/** Escape text for element content or a double-quoted attribute. */
export function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&quot;'));
}

/** An element to write: `['Code', '00000']`, `['Info', [child, child]]`, optionally with attributes. Falsy children are skipped. */
export type XmlNode = readonly [
  name: string,
  content: string | readonly (XmlNode | false | undefined)[],
  attrs?: Readonly<Record<string, string>>,
];

/** Serialises `node` with two-space indentation (no XML declaration). */
export function renderXml(node: XmlNode, depth = 0): string {
  const [name, content, attrs] = node;
  const pad = '  '.repeat(depth);
  const a = attrs
    ? Object.entries(attrs)
        .map(([k, v]) => ` ${k}="${esc(v)}"`)
        .join('')
    : '';
  if (typeof content === 'string') return `${pad}<${name}${a}>${esc(content)}</${name}>\n`;
  const kids = content.filter((c): c is XmlNode => !!c);
  if (kids.length === 0) return `${pad}<${name}${a}/>\n`;
  return `${pad}<${name}${a}>\n${kids.map((c) => renderXml(c, depth + 1)).join('')}${pad}</${name}>\n`;
}
