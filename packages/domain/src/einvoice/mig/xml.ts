/**
 * The little XML writer behind the MIG builders: UTF-8, LF line endings, two-space indentation, one element per
 * line, `<?xml version="1.0" encoding="UTF-8"?>` first, a final newline. Elements whose value is absent (`undefined`,
 * `null`) are left out — MIG optional elements are omitted, never written empty.
 */

/**
 * Characters XML 1.0 cannot carry (its `Char` production): C0 controls other than TAB, LF and CR, lone surrogates,
 * U+FFFE and U+FFFF. They are removed (no escape can express them in XML 1.0). Same class as
 * `hasNonXmlCharacters` in rules/formats.ts, which refuses them at the API.
 */
const NON_XML_CHARS_RE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPED_RE = /[&<>"'\r]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A literal CR would reach the reader as LF (XML end-of-line handling); the reference keeps it.
  '\r': '&#13;',
};

/** Text content as XML: forbidden characters stripped, `& < > " '` and CR escaped. */
export function xmlText(value: string): string {
  return value.replace(NON_XML_CHARS_RE, '').replace(ESCAPED_RE, (c) => ESCAPES[c] as string);
}

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

/** Builds one document line by line. Values given to `leaf` are already formatted strings. */
export class XmlWriter {
  private readonly parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  private readonly stack: string[] = [];

  /** `<name attr="…">` — attribute values are escaped like text. */
  open(name: string, attributes: Readonly<Record<string, string>> = {}): this {
    let attrs = '';
    for (const [k, v] of Object.entries(attributes)) attrs += ` ${k}="${xmlText(v)}"`;
    this.parts.push(`${this.indent()}<${name}${attrs}>\n`);
    this.stack.push(name);
    return this;
  }

  close(): this {
    const name = this.stack.pop();
    if (name === undefined) throw new Error('XmlWriter.close without an open element');
    this.parts.push(`${this.indent()}</${name}>\n`);
    return this;
  }

  /** `<name>text</name>`, or nothing when `value` is absent. The text is escaped here. */
  leaf(name: string, value: string | null | undefined): this {
    if (value === undefined || value === null) return this;
    this.parts.push(`${this.indent()}<${name}>${xmlText(value)}</${name}>\n`);
    return this;
  }

  toString(): string {
    if (this.stack.length > 0) throw new Error(`XmlWriter: <${this.stack.join('><')}> not closed`);
    return this.parts.join('');
  }

  private indent(): string {
    return '  '.repeat(this.stack.length);
  }
}
