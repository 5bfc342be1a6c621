// Lab: neighbour graph build and search straight on the core, on a real data set. Not part of the benchmark.
//   node bench/lab/graph-lab.mjs glove-100-angular trees=10 degree=32 k=24 c=16 seedTrees=10 rounds=8 merge=0 efs=10,20,40,80 searchK=0 screening=none
import { IndexBuilder } from '../../dist/esm/index.js';
import { INTERNALS } from '../../dist/esm/index-reader.js';
import { loadDataset } from '../datasets.mjs';
import { init } from '../../dist/esm/index.js';
import { readFileSync } from 'node:fs';
if (process.env.DBG) await init({ sharedWasm: readFileSync('/tmp/dbg-shared.wasm') });

const [name = 'glove-100-angular', ...rest] = process.argv.slice(2);
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const num = (k, d) => (o[k] === undefined ? d : Number(o[k]));
const trees = num('trees', 10), degree = num('degree', 32), K = num('k', 24), C = num('c', 16);
const seedTrees = num('seedTrees', trees), rounds = num('rounds', 8), merge = num('merge', 0), searchKf = num('searchK', 0);
const rerank = num('rerank', 0), limit = num('n', Infinity), passes = num('passes', 2);
const efs = (o.efs ?? '10,20,40,80,160').split(',').map(Number);
const screening = o.screening ?? 'none';

const ds = await loadDataset(name);
const dims = ds.dimensions ?? ds.meta?.dimensions;
const metric = ds.metric ?? ds.meta?.metric;
let train = ds.train;
const nTrain = Math.min(train.length / dims, limit);
train = train.subarray(0, nTrain * dims);
const queries = ds.queries, nq = queries.length / dims, gt = ds.groundTruth;
import { existsSync } from 'node:fs';
import { Index } from '../../dist/esm/index.js';
const cacheFile = `/tmp/lab-${name}-${nTrain}-${trees}-${screening}.idx`;
let t0 = performance.now();
let index;
if (existsSync(cacheFile)) index = await Index.open(cacheFile);
else {
  const builder = new IndexBuilder({ dimensions: dims, metric, screening });
  builder.addBatch(train);
  index = builder.build({ trees });
  await index.save(cacheFile);
}
const forestS = (performance.now() - t0) / 1000;
const internals = index[INTERNALS](); const core = internals.core, slot = internals.slot(0);
const ex = core.exports, base = core.base;
const size = index.size, count = index.count;
const align = (n) => Math.ceil(n / 64) * 64;
const graph = align(core.memory.buffer.byteLength);
const queue = align(graph + size * degree * 4);
const scratch = align(queue + (count + 64) * 8);
const scratchBytes = ex.graphScratchBytes(base, K, C, degree) >>> 0;
core.ensure(scratch + scratchBytes);
t0 = performance.now();
ex.buildGraph(base, graph, degree, K, C, seedTrees, rounds, 0, merge, num("alpha", 1), scratch);
const graphS = (performance.now() - t0) / 1000;
const g = new Uint32Array(core.memory.buffer, graph, size * degree);
let edges = 0;
for (let i = 0; i < g.length; i++) if (g[i] !== 0xFFFFFFFF) edges++;
const bad = []; for (let i = 0; i < g.length; i++) if (g[i] !== 0xFFFFFFFF && g[i] >= size) bad.push([i / degree | 0, g[i]]); if (bad.length) console.log("bad", bad.length, bad.slice(0, 5));
console.log(`${name} n=${nTrain} trees=${trees} forest ${forestS.toFixed(1)} s; graph degree=${degree} K=${K} C=${C} seedTrees=${seedTrees} merge=${merge} alpha=${num("alpha", 1)}: ${graphS.toFixed(1)} s, rounds ${ex.graphRounds.value} (last ${ex.graphUpdates.value} updates), mean degree ${(edges / count).toFixed(1)}, scratch ${(scratchBytes / 2 ** 20).toFixed(0)} MiB`);

const f32 = new Float32Array(core.memory.buffer), u32 = new Uint32Array(core.memory.buffer);
const qIn = (slot + (ex.slotOffset(base, 0) >>> 0)) >>> 2, outIds = (slot + (ex.slotOffset(base, 2) >>> 0)) >>> 2;
const k = 10;
const useGt = nTrain === ds.train.length / dims;
for (const ef of efs) {
  const searchK = searchKf || Math.max(k, 1);
  let best = 0, hits = 0;
  for (let p = 0; p < passes; p++) {
    hits = 0;
    const t = performance.now();
    for (let qi = 0; qi < nq; qi++) {
      f32.set(queries.subarray(qi * dims, (qi + 1) * dims), qIn);
      const n = ex.searchGraph(base, slot, -1, k, Math.max(ef, k), searchK, rerank, graph, degree, queue);
      if (useGt) {
        const truth = new Set(gt.subarray(qi * 100, qi * 100 + k));
        for (let j = 0; j < n; j++) if (truth.has(u32[outIds + j])) hits++;
      }
    }
    best = Math.max(best, nq / ((performance.now() - t) / 1000));
  }
  console.log(`ef ${ef} searchK ${searchK}: recall@10 ${(hits / (nq * k)).toFixed(4)}  ${best.toFixed(0)} q/s`);
}
