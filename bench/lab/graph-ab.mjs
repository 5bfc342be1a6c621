// Lab: two builds of the library (A and B: their dist directories) building the same graph index on the first n
// rows of a data set, interleaved in one process (A, B, A, B, best of each): build wall and CPU time, the index's
// wasm memory after the build, and recall@10 against exact brute force on the held-out queries at several ef.
//   node bench/lab/graph-ab.mjs a=/tmp/base/dist b=dist set=glove-100-angular n=50000 rounds=2 efs=10,20,40,80,160 jobs=1
import { loadavg, cpus } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDataset, bruteForceTopKParallel } from '../datasets.mjs';

const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const name = o.set ?? 'glove-100-angular';
const rounds = Number(o.rounds ?? 2), trees = Number(o.trees ?? 8), jobs = Number(o.jobs ?? 1);
const efs = (o.efs ?? '10,20,40,80,160').split(',').map(Number);
const libs = { A: resolve(o.a ?? 'dist'), B: resolve(o.b ?? 'dist') };
const ds = await loadDataset(name);
const { dimensions: dims, metric, queries } = ds;
const n = Number(o.n ?? ds.train.length / dims);
const train = ds.train.subarray(0, n * dims);
const nq = Math.min(Number(o.queries ?? 1000), queries.length / dims);
let gt = ds.groundTruth;
if (n < ds.train.length / dims) {
  const gtFile = `/tmp/lab-gt-${name}-${n}.u32`;
  if (existsSync(gtFile)) gt = new Uint32Array(readFileSync(gtFile).buffer.slice(0));
  else { gt = (await bruteForceTopKParallel(train, queries, dims, metric, 100, { threads: 2 })).ids; writeFileSync(gtFile, gt); }
}
const mods = {};
for (const [k, dir] of Object.entries(libs)) mods[k] = await import(`${dir}/esm/index.js`);
console.log(`${name} n=${n} trees=${trees} jobs=${jobs}; ${cpus()[0].model}, ${cpus().length} vCPU`);
const best = { A: { s: Infinity, cpu: Infinity }, B: { s: Infinity, cpu: Infinity } };
const recall = {};
const bytes = {};
for (let r = 0; r < rounds; r++) {
  for (const k of ['A', 'B']) {
    const { IndexBuilder } = mods[k];
    const b = new IndexBuilder({ dimensions: dims, metric, seed: 7, graph: true });
    b.addBatch(train);
    const t0 = performance.now(), c0 = process.cpuUsage();
    const index = jobs > 1 ? await b.buildAsync({ trees, jobs }) : b.build({ trees });
    const s = (performance.now() - t0) / 1000, c = process.cpuUsage(c0), cpu = (c.user + c.system) / 1e6;
    best[k] = { s: Math.min(best[k].s, s), cpu: Math.min(best[k].cpu, cpu) };
    console.log(`round ${r} ${k}: build ${s.toFixed(2)} s (CPU ${cpu.toFixed(2)} s), file ${(index.byteLength / 2 ** 20).toFixed(1)} MiB, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (r === 0) {
      bytes[k] = Buffer.from(index.toBytes());
      recall[k] = efs.map((ef) => {
        let hits = 0;
        for (let qi = 0; qi < nq; qi++) {
          const res = index.search(queries.subarray(qi * dims, (qi + 1) * dims), 10, { ef: Math.max(ef, 10) });
          const truth = gt.subarray(qi * 100, qi * 100 + 10);
          for (const id of res.ids) if (truth.includes(id)) hits++;
        }
        return hits / (nq * 10);
      });
    }
    index.free?.();
  }
}
console.log(`bytes A ${Buffer.compare(bytes.A, bytes.B) === 0 ? '==' : '!='} B`);
console.log(`best build: A ${best.A.s.toFixed(2)} s (CPU ${best.A.cpu.toFixed(2)}), B ${best.B.s.toFixed(2)} s (CPU ${best.B.cpu.toFixed(2)}), B/A wall ${(best.B.s / best.A.s).toFixed(3)}, CPU ${(best.B.cpu / best.A.cpu).toFixed(3)}`);
for (let e = 0; e < efs.length; e++) console.log(`ef ${efs[e]}: recall@10 A ${recall.A[e].toFixed(4)} B ${recall.B[e].toFixed(4)}`);
