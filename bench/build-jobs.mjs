// Build time of annoy-wasm with worker threads: forests beside native Annoy's (single-threaded: annoy-node has no
// n_jobs), or graph indexes with 1 and N jobs, in one process:
//   node bench/build-jobs.mjs [--dataset glove-100-angular] [--trees 10,100]
//   node bench/build-jobs.mjs --graph [--dataset glove-100-angular] [--rounds 2]
//
// npm run bench builds with IndexBuilder.build (one thread) to compare like with like; this shows what
// buildAsync({ jobs }) adds on the same machine. The graph mode interleaves jobs 1 and jobs N (1, N, 1, N, ...), so
// their ratio is one run's, checks that every build gives the same bytes, and reports each side's best.
// Prints one line per build and writes bench/results/build-jobs-<data set>[-graph]-latest.json.
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadSpec } from './derived.mjs';

const { values } = parseArgs({ options: {
  dataset: { type: 'string', default: 'glove-100-angular' },
  trees: { type: 'string', default: '10,100' },
  graph: { type: 'boolean', default: false },
  rounds: { type: 'string', default: '2' },
} });
const ds = await loadSpec(values.dataset);
const lib = await import('../dist/esm/index.js');
const jobs = os.availableParallelism();
const rows = [];
const time = async (what, trees, run) => {
  const t0 = performance.now();
  const h = await run();
  const seconds = (performance.now() - t0) / 1000;
  rows.push({ what, trees, seconds });
  console.log(`${values.dataset}  ${String(trees).padStart(3)} trees  ${what.padEnd(40)} ${seconds.toFixed(2)} s`);
  return h;
};

if (values.graph) {
  let bytes = null;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const j of [1, jobs]) {
      const builder = new lib.IndexBuilder({ dimensions: ds.dimensions, metric: ds.metric, seed: 42, graph: true }).addBatch(ds.train);
      const index = await time(`annoy-wasm graph index, buildAsync({ jobs: ${j} })`, 8, () => builder.buildAsync({ jobs: j }));
      const file = index.toBytes();
      if (bytes !== null && Buffer.compare(Buffer.from(bytes), Buffer.from(file)) !== 0) throw new Error(`jobs ${j} built other bytes`);
      bytes = file;
      index.free();
    }
  }
  const best = (j) => Math.min(...rows.filter((r) => r.what.includes(`jobs: ${j} `)).map((r) => r.seconds));
  console.log(`best of ${values.rounds}: jobs ${jobs} / jobs 1 = ${(best(jobs) / best(1)).toFixed(2)}x (${best(jobs).toFixed(2)} s / ${best(1).toFixed(2)} s); every build the same bytes; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} else {
  const native = await import('./peers/annoy-native.mjs');
  await native.load();
  for (const trees of values.trees.split(',').map(Number)) {
    const h = await time('annoy-native', trees, () => native.build({ train: ds.train, n: ds.nTrain, dimensions: ds.dimensions, metric: ds.metric, params: { trees } }));
    native.free?.(h);
    for (const j of [1, jobs]) {
      const b = new lib.IndexBuilder({ dimensions: ds.dimensions, metric: ds.metric, seed: 42 }).addBatch(ds.train);
      const index = await time(`annoy-wasm buildAsync({ jobs: ${j} })`, trees, () => b.buildAsync({ trees, jobs: j }));
      index.free();
    }
  }
}
fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const name = `build-jobs-${values.dataset}${values.graph ? '-graph' : ''}-latest.json`;
fs.writeFileSync(new URL(`./results/${name}`, import.meta.url), JSON.stringify({ dataset: values.dataset, cpus: jobs, node: process.version, loadavg: os.loadavg(), rows }, null, 2));
