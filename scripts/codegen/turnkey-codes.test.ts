import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUT, renderCodes, TSV } from './turnkey-codes.ts';

describe('message-codes.generated.ts', () => {
  it('matches the MOF list (run pnpm codegen:turnkey-codes when it changes)', () => {
    expect(readFileSync(OUT, 'utf8')).toBe(renderCodes(readFileSync(TSV, 'utf8')));
  });
});
