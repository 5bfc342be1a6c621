// Lab: what each NN-descent round of the graph build does on the first n GloVe rows (one thread): pairs compared
// and updates offered per item, list entries changed per item, and the round's time.
//   node bench/lab/graph-rounds.mjs 50000
import { readFileSync, writeFileSync } from 'node:fs';
import { IndexBuilder } from '../../dist/esm/index.js';
import { loadFileSync } from '../../dist/esm/load/file.js';
const n = Number(process.argv[2] ?? 50000), dims = 100;
const all = readFileSync(new URL('../.cache/glove-100-angular/all.f32', import.meta.url));
const b = new IndexBuilder({ dimensions: dims, metric: 'angular', seed: 7, graph: true });
b.addBatch(new Float32Array(all.buffer, all.byteOffset, n * dims));
writeFileSync('/tmp/descent-count.idx', b.build({ trees: 8 }).toBytes());
const image = loadFileSync('/tmp/descent-count.idx', { shared: false, slots: 1 });
const { core } = image, ex = core.exports, base = core.base;
const scratch = Math.ceil(core.memory.buffer.byteLength / 64) * 64;
core.ensure(scratch + (ex.buildScratchBytesForGraph(base, 1) >>> 0));
const count = ex.graphBegin(base, scratch, 1) >>> 0;
const chunk = ex.graphChunk() >>> 0;
const nodes = ex.graphSeedNodes() >>> 0, nodeChunk = ex.graphSeedChunk() >>> 0;
for (let c = 0; c < nodes; c += nodeChunk) { ex.graphStep(6, 0, c, Math.min(nodes, c + nodeChunk), 0); ex.graphStep(3, 0, 0, count, 0); }
ex.graphTopUp();
for (let r = 0; ; r++) {
  const p0 = ex.graphPairs.value, o0 = ex.graphOffers.value, t = performance.now();
  ex.graphStep(0, r, 0, count, 0); ex.graphStep(1, r, 0, count, 0);
  for (let c = 0; c < count; c += chunk) { ex.graphStep(2, r, c, Math.min(count, c + chunk), 0); ex.graphStep(3, r, 0, count, 0); }
  const more = ex.graphEndRound(r);
  console.log(`round ${r}: pairs ${(Number(ex.graphPairs.value - p0) / count).toFixed(0)}/item offers ${(Number(ex.graphOffers.value - o0) / count).toFixed(1)}/item, entries changed ${(ex.graphUpdates.value / count).toFixed(2)}/item, ${(performance.now() - t).toFixed(0)} ms`);
  if (!more) break;
}
