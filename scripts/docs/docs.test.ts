import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeCatalog } from '../../apps/api/src/route-catalog.ts';
import { GENERATED_DOCS } from './render.ts';

describe('generated docs are up to date (run `pnpm docs:generate` when this fails)', async () => {
  const routes = await routeCatalog();
  for (const [file, render] of Object.entries(GENERATED_DOCS)) {
    it(file, async () => {
      expect(readFileSync(file, 'utf8')).toBe(await render(routes));
    });
  }
});
