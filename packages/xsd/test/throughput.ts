/**
 * Throughput of building and XSD-validating F0401 messages (3 items each), by batch size and number of parallel
 * xmllint runs — a benchmark that prints figures, not a test. The pipeline target is ≥ 1,500 messages/s
 * (PRODUCT.md §7).
 *
 *   pnpm --filter @app/xsd bench            (or: pnpm exec tsx packages/xsd/test/throughput.ts [docs])
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildF0401, type F0401Input } from '@app/domain';
import { createXsdValidator } from '../src/index.ts';

const XSD_DIR = fileURLToPath(new URL('../../../../shared/mig/xsd/', import.meta.url));
const total = Number(process.argv[2] ?? 6000);

function invoice(i: number): F0401Input {
  const number = 10_000_000 + i;
  return {
    invoiceNumber: `AB${number}`,
    invoiceTime: new Date(Date.UTC(2025, 2, 15, 1, 0, 0) + i * 1000),
    seller: { ban: '04595252', name: '範例加油站股份有限公司', address: '臺北市中正區忠孝西路一段1號' },
    invoiceType: '07',
    printMark: 'N',
    carrier: { type: '3J0002', id1: '/ABC+1.-', id2: '/ABC+1.-' },
    randomNumber: String(i % 10_000).padStart(4, '0'),
    items: [
      { description: '無鉛汽油 95', quantity: '30.12', unit: '公升', unitPrice: '31.5', amount: 949n },
      { description: '礦泉水 600ml', quantity: '2', unit: '瓶', unitPrice: '20', amount: 40n },
      { description: '洗車 & 打蠟', quantity: '1', unitPrice: '250', amount: 250n },
    ],
    amount: {
      salesAmount: 1239n,
      freeTaxSalesAmount: 0n,
      zeroTaxSalesAmount: 0n,
      taxType: '1',
      taxRate: '0.05',
      taxAmount: 0n,
      totalAmount: 1239n,
    },
  };
}

const t0 = performance.now();
const docs = Array.from({ length: total }, (_, i) => ({ name: `AB${10_000_000 + i}.xml`, xml: buildF0401(invoice(i)) }));
const buildMs = performance.now() - t0;
console.log(`CPUs: ${availableParallelism()}; ${total} F0401 documents of ${docs[0]?.xml.length} characters (3 items)`);
console.log(`build: ${Math.round(total / (buildMs / 1000))} docs/s`);

async function run(label: string, batchSize: number, concurrency: number, count = total): Promise<void> {
  const xsd = createXsdValidator(XSD_DIR, { batchSize, concurrency });
  await xsd.validate('F0401', docs.slice(0, 1)); // load the schema once, outside the measurement
  const slice = docs.slice(0, count);
  const start = performance.now();
  const results = await xsd.validate('F0401', slice);
  const s = (performance.now() - start) / 1000;
  const bad = results.filter((r) => !r.ok).length;
  console.log(
    `${label.padEnd(34)} ${String(Math.round(count / s)).padStart(6)} docs/s  (${count} in ${s.toFixed(2)} s, ${bad} invalid)`,
  );
}

await run('batch 1 (one xmllint run per doc)', 1, 1, 20);
for (const batch of [100, 500, 1000]) {
  await run(`batch ${batch}, 1 run at a time`, batch, 1);
  await run(`batch ${batch}, 2 runs in parallel`, batch, 2);
}
await run('batch 1000, default concurrency', 1000, Math.min(4, availableParallelism()));
