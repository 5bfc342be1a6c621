// Recall at equal searchK of two builds of the library on a cached data set (bench/.cache, bench/datasets.mjs):
// A = another checkout's dist (--base), B = this tree's; same items, seed and options, interleaved build (A, B per
// round, best of --rounds, one thread, CPU time of this process), recall@10 against the exact top 10 at each searchK.
// Queries/s: best of 3 interleaved passes each, CPU time. Used to measure what a change to how splits are chosen does
// to recall, queries/s and build time.
//
//   node bench/lab/split-space.mjs --base /tmp/base [--dataset fashion-mnist-784-euclidean] [--trees 10]
//        [--search-k 100,500,2000,10000] [--queries 1000] [--rounds 2] [--screening auto]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import { loadDataset } from '../datasets.mjs';

const { values: a } = parseArgs({ options: {
  base: { type: 'string' }, dataset: { type: 'string', default: 'fashion-mnist-784-euclidean' },
  trees: { type: 'string', default: '10' }, 'search-k': { type: 'string', default: '100,500,2000,10000' },
  queries: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '2' }, screening: { type: 'string' },
} });
if (!a.base) throw new Error('--base <checkout with a built dist/> is required');
const sides = {
  A: await import(pathToFileURL(path.resolve(a.base, 'dist/esm/index.js')).href),
  B: await import(new URL('../../dist/esm/index.js', import.meta.url).href),
};
const ds = await loadDataset(a.dataset);
const nq = Math.min(Number(a.queries), ds.nQueries);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const extra = a.screening ? { screening: a.screening } : {};
for (const trees of a.trees.split(',').map(Number)) {
  const best = { A: Infinity, B: Infinity };
  const built = {};
  for (let r = 0; r < Number(a.rounds); r++) {
    for (const side of ['A', 'B']) {
      built[side]?.free();
      const lib = sides[side];
      const t0 = cpu();
      const b = new lib.IndexBuilder({ dimensions: ds.dimensions, metric: ds.metric, seed: 42, ...extra });
      b.addBatch(ds.train);
      built[side] = b.build({ trees });
      best[side] = Math.min(best[side], cpu() - t0);
    }
  }
  console.log(`${a.dataset} ${trees} trees: build CPU s best of ${a.rounds}: A ${best.A.toFixed(2)}, B ${best.B.toFixed(2)} (B/A ${(best.B / best.A).toFixed(2)}); screening ${built.B.screening}; load ${os.loadavg()[0].toFixed(1)}`);
  for (const searchK of a['search-k'].split(',').map(Number)) {
    const recall = {}, qps = { A: 0, B: 0 };
    const queries = ds.queries.subarray(0, nq * ds.dimensions);
    for (let pass = 0; pass < 3; pass++) { // interleaved query passes, best of 3 each, CPU time
      for (const side of pass % 2 ? ['B', 'A'] : ['A', 'B']) {
        const t0 = cpu();
        built[side].searchBatch(queries, 10, { searchK });
        qps[side] = Math.max(qps[side], nq / (cpu() - t0));
      }
    }
    for (const side of ['A', 'B']) {
      const res = built[side].searchBatch(queries, 10, { searchK });
      let hit = 0;
      for (let q = 0; q < nq; q++) {
        const truth = new Set(ds.groundTruth.subarray(q * ds.k, q * ds.k + 10));
        for (let i = 0; i < res.counts[q]; i++) if (truth.has(res.ids[q * 10 + i])) hit++;
      }
      recall[side] = hit / (nq * 10);
    }
    console.log(`  searchK ${String(searchK).padStart(6)}: recall@10 A ${recall.A.toFixed(4)}  B ${recall.B.toFixed(4)}  (B - A ${(recall.B - recall.A).toFixed(4)}); q/s (CPU) A ${qps.A.toFixed(0)}  B ${qps.B.toFixed(0)}  (B/A ${(qps.B / qps.A).toFixed(2)})`);
  }
  built.A.free(); built.B.free();
}
