// Load time and peak memory of opening an Annoy .ann file (converted on load) versus this library's own file,
// on glove-100-angular (340k x 100, 10 trees). Each measurement runs in a fresh process so peak RSS is its own.
//   node bench/annoy-load.mjs            (needs `npm run build`; fetches the data set once, see bench/datasets.mjs)
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ann = join(here, '.cache', 'glove-100-angular-10.ann');
const ours = join(here, '.cache', 'glove-100-angular-10.annoy');
const lib = join(here, '..', 'dist', 'esm', 'index.js');

if (process.argv[2] === 'child') {
  const { Index } = await import(lib);
  const [what] = process.argv.slice(3);
  const t0 = performance.now();
  const index = what === 'annoy' ? Index.openSync(ann, { format: 'annoy', dimensions: 100, metric: 'angular' }) : Index.openSync(ours);
  const ms = performance.now() - t0;
  const q = index.getItem(17);
  const t1 = performance.now();
  for (let i = 0; i < 200; i++) index.search(q, 10, { searchK: 10000 });
  console.log(JSON.stringify({ what, ms, maxRSS: process.resourceUsage().maxRSS * 1024, wasm: index.byteLength, queryMs: (performance.now() - t1) / 200 }));
  process.exit(0);
}

if (!existsSync(ann) || !existsSync(ours)) {
  const { loadDataset } = await import('./datasets.mjs');
  const { IndexBuilder } = await import(lib);
  const ds = await loadDataset('glove-100-angular');
  const b = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 1 });
  b.addBatch(ds.train);
  const index = b.build({ trees: 10 });
  index.saveSync(ours);
  const t0 = performance.now();
  index.saveAnnoySync(ann);
  console.log(`wrote ${ann} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
const mib = (n) => (n / 2 ** 20).toFixed(0);
console.log(`annoy file ${mib(statSync(ann).size)} MiB, annoy-wasm file ${mib(statSync(ours).size)} MiB`);
const runs = { annoy: [], 'annoy-wasm': [] };
for (let r = 0; r < 3; r++) for (const what of Object.keys(runs)) {
  runs[what].push(JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'child', what]).toString()));
}
for (const [what, rs] of Object.entries(runs)) {
  const best = rs.reduce((a, b) => (a.ms < b.ms ? a : b));
  console.log(`${what.padEnd(10)} openSync best of 3: ${(best.ms / 1000).toFixed(2)} s, peak RSS ${mib(Math.max(...rs.map((x) => x.maxRSS)))} MiB, index ${mib(best.wasm)} MiB, query ${best.queryMs.toFixed(2)} ms`);
}
