// Graph build time of this build against another (its dist/esm/index.js), interleaved in one process (A, B, A, B,
// ...), the same items, options and seed; also each file's size.
//   node bench/lab/build-ab.mjs against=<dist/esm/index.js> [glove-100-angular] [n=50000] [rounds=3]
import os from 'node:os';
import * as ours from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';

const args = process.argv.slice(2);
const name = args.find((a) => !a.includes('=')) ?? 'glove-100-angular';
const o = Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split('=')));
const other = await import(o.against);
const ds = await loadDataset(name);
const n = Math.min(ds.nTrain, Number(o.n ?? 50000)), d = ds.dimensions, train = ds.train.subarray(0, n * d);
console.log(`${name}: ${n} x ${d}; ${os.cpus()[0].model}, ${os.cpus().length} vCPU, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const sides = [['this', ours], ['against', other]];
const times = sides.map(() => []);
for (let r = 0; r < Number(o.rounds ?? 3); r++) {
  sides.forEach(([label, lib], s) => {
    const t = performance.now();
    const index = new lib.IndexBuilder({ dimensions: d, metric: ds.metric, seed: 42, graph: true }).addBatch(train).build();
    times[s].push((performance.now() - t) / 1000);
    if (r === 0) console.log(`  ${label} file: ${(index.toBytes().length / 2 ** 20).toFixed(2)} MiB`);
    index.free();
  });
}
sides.forEach(([label], s) => console.log(`  ${label}: ${times[s].map((t) => t.toFixed(1)).join(', ')} s (best ${Math.min(...times[s]).toFixed(1)})`));
console.log(`  best this / best against: ${(Math.min(...times[0]) / Math.min(...times[1])).toFixed(3)}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
