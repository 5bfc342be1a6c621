// Lab: where a one-thread graph build spends its time, phase by phase (forest, settle, seeding, top-up, each
// NN-descent round's sample / mark / generate / apply, then forward, reverse, union, in-degree), on the first n rows.
//   node bench/lab/graph-phases.mjs set=glove-100-angular n=341000 lib=dist
import { loadavg, cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDataset } from '../datasets.mjs';
const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const lib = resolve(o.lib ?? 'dist');
const { IndexBuilder } = await import(`${lib}/esm/index.js`);
const { loadFileSync } = await import(`${lib}/esm/load/file.js`);
const ds = await loadDataset(o.set ?? 'glove-100-angular');
const dims = ds.dimensions, n = Number(o.n ?? ds.train.length / dims);
console.log(`${o.set ?? 'glove-100-angular'} n=${n}; ${cpus()[0].model}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const b = new IndexBuilder({ dimensions: dims, metric: ds.metric, seed: 7, graph: true, treeEncoding: 'full' }); // full trees: the graph's seeding reads full leaves (a build compacts them after its graph)
b.addBatch(ds.train.subarray(0, n * dims));
let t = performance.now();
const built = b.build({ trees: 8 });
console.log(`whole build (forest + graph + settle): ${((performance.now() - t) / 1000).toFixed(2)} s`);
writeFileSync('/tmp/phases.idx', built.toBytes());
const image = loadFileSync('/tmp/phases.idx', { shared: false, slots: 1 });
const { core } = image, ex = core.exports, base = core.base;
const scratch = Math.ceil(core.memory.buffer.byteLength / 64) * 64;
core.ensure(scratch + (ex.buildScratchBytesForGraph(base, 1) >>> 0));
const times = {};
const lap = (k) => { const now = performance.now(); times[k] = (times[k] ?? 0) + now - t; t = now; };
t = performance.now();
const count = ex.graphBegin(base, scratch, 1) >>> 0; lap('begin (order, codes)');
const chunk = ex.graphChunk() >>> 0;
const nodes = ex.graphSeedNodes() >>> 0, nodeChunk = ex.graphSeedChunk() >>> 0;
for (let c = 0; c < nodes; c += nodeChunk) { ex.graphStep(6, 0, c, Math.min(nodes, c + nodeChunk), 0); lap('seed generate'); ex.graphStep(3, 0, 0, count, 0); lap('seed apply'); }
ex.graphTopUp(); lap('top-up');
for (let r = 0; ; r++) {
  const r0 = performance.now();
  ex.graphStep(0, r, 0, count, 0); lap('sample'); ex.graphStep(1, r, 0, count, 0); lap('mark');
  for (let c = 0; c < count; c += chunk) { ex.graphStep(2, r, c, Math.min(count, c + chunk), 0); lap('generate'); ex.graphStep(3, r, 0, count, 0); lap('apply'); }
  const more = ex.graphEndRound(r); lap('end round');
  console.log(`round ${r}: ${((performance.now() - r0) / 1000).toFixed(2)} s, changed ${(ex.graphUpdates.value / count).toFixed(3)}/item`);
  if (!more) break;
}
ex.graphStep(4, 0, 0, count, 0); lap('forward (rekey + diversify)');
ex.graphReverse(); lap('reverse');
ex.graphStep(5, 0, 0, count, 0); lap('union');
ex.graphInDegree(); lap('in-degree');
let total = 0;
for (const [k, v] of Object.entries(times)) { total += v; console.log(`${k.padEnd(30)} ${(v / 1000).toFixed(2)} s`); }
console.log(`graph total ${(total / 1000).toFixed(2)} s; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
