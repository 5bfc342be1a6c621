// Lab: the neighbour graph's build settings and search, measured on a real data set (not part of the benchmark).
// Builds (once, cached in /tmp) a graph index with the library's settings, then rebuilds its graph in place with
// the settings given here and sweeps ef:
//   node bench/lab/graph-lab.mjs glove-100-angular trees=8 degree=32 k=32 c=16 seedTrees=8 rounds=8 alpha=1 merge=0 efs=10,20,40,80
import { existsSync } from 'node:fs';
import { IndexBuilder, Index } from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';

const [name = 'glove-100-angular', ...rest] = process.argv.slice(2);
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const num = (key, d) => (o[key] === undefined ? d : Number(o[key]));
const trees = num('trees', 8), degree = num('degree', 32);
const rerank = num('rerank', -1), passes = num('passes', 2), searchK = num('searchK', -1);
const efs = (o.efs ?? '10,20,40,80,160').split(',').map(Number);
const screening = o.screening ?? 'none';

const ds = await loadDataset(name);
const { dimensions: dims, metric, queries } = ds;
// n=<rows>: the first rows only, with their own exact ground truth (cached in /tmp)
const rowsWanted = num('n', ds.train.length / dims);
const train = ds.train.subarray(0, rowsWanted * dims);
let gt = ds.groundTruth;
if (rowsWanted < ds.train.length / dims) {
  const { bruteForceTopKParallel } = await import('../datasets.mjs');
  const gtFile = `/tmp/lab-gt-${name}-${rowsWanted}.u32`;
  const { existsSync: exists, readFileSync, writeFileSync } = await import('node:fs');
  if (exists(gtFile)) gt = new Uint32Array(readFileSync(gtFile).buffer.slice(0));
  else {
    gt = (await bruteForceTopKParallel(train, queries, dims, metric, 100, { threads: 2 })).ids;
    writeFileSync(gtFile, gt);
  }
}
const nq = queries.length / dims;
const cacheFile = `/tmp/lab-${name}-${rowsWanted}-${trees}-${degree}-${screening}.idx`;
let t0 = performance.now();
let index;
if (existsSync(cacheFile)) index = await Index.open(cacheFile);
else {
  const builder = new IndexBuilder({ dimensions: dims, metric, screening, graph: { degree } });
  builder.addBatch(train);
  index = builder.build({ trees });
  console.log(`built with the library's settings in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(index.byteLength / 2 ** 20).toFixed(0)} MiB`);
  await index.save(cacheFile);
}
index.free();
const { loadFileSync } = await import('../../dist/esm/load/file.js');
const image = loadFileSync(cacheFile, { shared: false, slots: 1 });
index = new Index(image);
const { core } = image, ex = core.exports, base = core.base;
const s = image.sections;
const graph = base + s.extra[0].offset;
const K = num('k', 32), C = num('c', 16), seedTrees = num('seedTrees', trees), rounds = num('rounds', 8), merge = num('merge', 0), alpha = num('alpha', 1);
if (o.k !== undefined || o.c !== undefined || o.seedTrees !== undefined || o.rounds !== undefined || o.merge !== undefined || o.alpha !== undefined) {
  const scratch = Math.ceil(core.memory.buffer.byteLength / 64) * 64;
  core.ensure(scratch + (ex.graphScratchBytes(base, K, C, degree, 1) >>> 0));
  t0 = performance.now();
  const c0 = process.cpuUsage();
  ex.buildGraphWith(base, graph, degree, K, C, seedTrees, rounds, index.seed, merge, alpha, scratch);
  // the rebuild grew memory (detaching the image's views): seal and load the file again
  ex.seal(base, s.fileBytes);
  index = Index.fromBytes(core.bytes.slice(base, base + s.fileBytes));
  console.log(`graph rebuilt K=${K} C=${C} seedTrees=${seedTrees} rounds=${rounds} merge=${merge} alpha=${alpha}: ${((performance.now() - t0) / 1000).toFixed(1)} s (CPU ${(process.cpuUsage(c0).user / 1e6).toFixed(1)} s), ${ex.graphRounds.value} rounds (last ${ex.graphUpdates.value} updates)`);
}
const g = new Uint32Array(core.memory.buffer.slice(graph, graph + index.size * degree * 4));
let edges = 0;
for (let i = 0; i < g.length; i++) if (g[i] !== 0xFFFFFFFF) edges++;
console.log(`${name}: trees ${trees}, degree ${degree}, mean degree ${(edges / index.count).toFixed(1)}`);
const k = 10;
for (const ef of efs) {
  let best = 0, bestCpu = 0, hits = 0;
  const opts = { ef: Math.max(ef, k), ...(searchK > 0 ? { searchK } : {}), ...(screening !== 'none' ? { rerank } : {}) };
  for (let p = 0; p < passes; p++) {
    hits = 0;
    const t = performance.now(), c = process.cpuUsage();
    for (let qi = 0; qi < nq; qi++) {
      const r = index.search(queries.subarray(qi * dims, (qi + 1) * dims), k, opts);
      const truth = gt.subarray(qi * 100, qi * 100 + k);
      for (const id of r.ids) if (truth.includes(id)) hits++;
    }
    best = Math.max(best, nq / ((performance.now() - t) / 1000));
    const cpu = process.cpuUsage(c);
    bestCpu = Math.max(bestCpu, nq / ((cpu.user + cpu.system) / 1e6));
  }
  // q/s by the wall clock and by the process's CPU time (steadier on a loaded machine)
  console.log(`ef ${ef}: recall@10 ${(hits / (nq * k)).toFixed(4)}  ${best.toFixed(0)} q/s, ${bestCpu.toFixed(0)} q/s of CPU time`);
}
