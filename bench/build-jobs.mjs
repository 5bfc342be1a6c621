// Build time of annoy-wasm with worker threads beside native Annoy's (single-threaded: annoy-node has no n_jobs),
// in one process, one after another: node bench/build-jobs.mjs [--dataset glove-100-angular] [--trees 10,100]
//
// npm run bench builds with IndexBuilder.build (one thread) to compare like with like; this shows what
// buildAsync({ jobs }) adds on the same machine. Prints one line per build and writes bench/results/build-jobs-<data set>-latest.json.
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadSpec } from './derived.mjs';

const { values } = parseArgs({ options: { dataset: { type: 'string', default: 'glove-100-angular' }, trees: { type: 'string', default: '10,100' } } });
const ds = await loadSpec(values.dataset);
const lib = await import('../dist/esm/index.js');
const native = await import('./peers/annoy-native.mjs');
await native.load();
const jobs = os.availableParallelism();
const rows = [];
const time = async (what, trees, run) => {
  const t0 = performance.now();
  const h = await run();
  const seconds = (performance.now() - t0) / 1000;
  rows.push({ what, trees, seconds });
  console.log(`${values.dataset}  ${String(trees).padStart(3)} trees  ${what.padEnd(34)} ${seconds.toFixed(2)} s`);
  return h;
};
for (const trees of values.trees.split(',').map(Number)) {
  const h = await time('annoy-native', trees, () => native.build({ train: ds.train, n: ds.nTrain, dimensions: ds.dimensions, metric: ds.metric, params: { trees } }));
  native.free?.(h);
  for (const j of [1, jobs]) {
    const b = new lib.IndexBuilder({ dimensions: ds.dimensions, metric: ds.metric, seed: 42 }).addBatch(ds.train);
    const index = await time(`annoy-wasm buildAsync({ jobs: ${j} })`, trees, () => b.buildAsync({ trees, jobs: j }));
    index.free();
  }
}
fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
fs.writeFileSync(new URL(`./results/build-jobs-${values.dataset}-latest.json`, import.meta.url), JSON.stringify({ dataset: values.dataset, cpus: jobs, node: process.version, rows }, null, 2));
