/** `pnpm docs:generate`: rewrite the generated documents in docs/. */
import { writeFileSync } from 'node:fs';
import { routeCatalog } from '../../apps/api/src/route-catalog.ts';
import { GENERATED_DOCS } from './render.ts';

const routes = await routeCatalog();
for (const [file, render] of Object.entries(GENERATED_DOCS)) {
  writeFileSync(file, await render(routes));
  console.log(`wrote ${file}`);
}
