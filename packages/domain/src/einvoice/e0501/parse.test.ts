import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseE0501File } from './parse.ts';
import { e0501FileErrorReason } from './types.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const opts = { maxBytes: 64 * 1024 };

describe('parseE0501File', () => {
  it('picks the parser from the first character', () => {
    expect(parseE0501File(fixture('envelope-three.xml'), opts)).toMatchObject({
      format: 'xml',
      envelope: { fromPartyId: '24549210' },
    });
    expect(parseE0501File(fixture('big5.csv'), opts)).toMatchObject({ format: 'csv', encoding: 'cp950' });
    expect(parseE0501File(fixture('utf8-bom-header.csv'), opts)).toMatchObject({ format: 'csv', bom: true });
    // no declaration here: an XML declaration is only allowed as the very first thing
    const body = fixture('bare-assign-no.xml')
      .toString('utf8')
      .replace(/^<\?xml[^>]*>\n/, '');
    const bomXml = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(` \r\n${body}`)]);
    expect(parseE0501File(bomXml, opts)).toMatchObject({ format: 'xml', entries: [{ line: 2, fields: { ban: '04595252' } }] });
  });

  it('applies the size limit and the safety checks of the chosen parser', () => {
    const reasonOf = (buf: Buffer, maxBytes = opts.maxBytes) => {
      try {
        parseE0501File(buf, { maxBytes });
      } catch (e) {
        return e0501FileErrorReason(e);
      }
      return 'nothing thrown';
    };
    expect(reasonOf(fixture('doctype-bomb.xml'))).toBe('XML_DTD_FORBIDDEN');
    expect(reasonOf(fixture('big5.csv'), 100)).toBe('FILE_TOO_LARGE');
    expect(reasonOf(Buffer.from('\ufeff<a/>', 'utf16le'))).toBe('ENCODING_UNSUPPORTED');
  });
});
