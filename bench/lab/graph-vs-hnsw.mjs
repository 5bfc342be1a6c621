// The graph against hnswlib (C++, hnswlib-node built with -march=native; M 16, efConstruction 200) in ONE process:
// both built here, then every ef point is measured A, B, A, B (best of each), so the machine's drift hits both
// alike. One thread, k = 10, 1000 held-out queries.
//   node bench/lab/graph-vs-hnsw.mjs fashion-mnist-784-euclidean [degree=32] [efs=10,20,40,80,160,320] [rounds=3]
import { createRequire } from 'node:module';
import os from 'node:os';
import { IndexBuilder } from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';

const req = createRequire(new URL('../package.json', import.meta.url));
const { HierarchicalNSW } = req('hnswlib-node');
const [name = 'fashion-mnist-784-euclidean', ...rest] = process.argv.slice(2);
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const degree = Number(o.degree ?? 32), rounds = Number(o.rounds ?? 3), k = 10;
const efs = (o.efs ?? '10,20,40,80,160,320').split(',').map(Number);
const ds = await loadDataset(name);
const { dimensions: d, metric, train, queries, groundTruth: gt } = ds;
const n = train.length / d, nq = queries.length / d;
console.log(`${name}: ${n} x ${d} ${metric}, ${nq} queries; ${os.cpus()[0].model}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

let t0 = performance.now();
const ours = new IndexBuilder({ dimensions: d, metric, seed: 42, graph: { degree } }).addBatch(train).build();
const oursBuild = (performance.now() - t0) / 1000;
console.log(`annoy-wasm-graph degree ${degree} (8 trees): build ${oursBuild.toFixed(1)} s, file ${(ours.byteLength / 2 ** 20).toFixed(0)} MiB`);
t0 = performance.now();
const h = new HierarchicalNSW(metric === 'angular' ? 'cosine' : 'l2', d);
h.initIndex(n, 16, 200, 100);
const row = new Array(d);
for (let i = 0; i < n; i++) { for (let j = 0; j < d; j++) row[j] = train[i * d + j]; h.addPoint(row, i); }
const hnswBuild = (performance.now() - t0) / 1000;
console.log(`hnswlib-node M 16 efC 200: build ${hnswBuild.toFixed(1)} s (ours / hnswlib = ${(oursBuild / hnswBuild).toFixed(2)}x, sequential, load ${os.loadavg()[0].toFixed(1)})`);
const qArrays = Array.from({ length: nq }, (_, q) => Array.from(queries.subarray(q * d, (q + 1) * d)));
const recallOf = (idsOf) => { let hit = 0; for (let q = 0; q < nq; q++) { const t = gt.subarray(q * 100, q * 100 + k); for (const id of idsOf(q)) if (t.includes(id)) hit++; } return hit / (nq * k); };
const runOurs = (ef) => { const r = ours.searchBatch(queries, k, { ef: Math.max(ef, k) }); return (q) => r.ids.subarray(q * k, q * k + r.counts[q]); };
const runHnsw = (ef) => { h.setEf(Math.max(ef, k)); const res = qArrays.map((v) => h.searchKnn(v, k).neighbors); return (q) => res[q]; };
console.log('ef | annoy-wasm-graph recall, q/s | hnswlib recall, q/s | q/s ratio');
for (const ef of efs) {
  let a = 0, b = 0, ra = 0, rb = 0;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now(); const fa = runOurs(ef); a = Math.max(a, nq / ((performance.now() - t) / 1000)); ra = recallOf(fa);
    t = performance.now(); const fb = runHnsw(ef); b = Math.max(b, nq / ((performance.now() - t) / 1000)); rb = recallOf(fb);
  }
  console.log(`${ef} | ${ra.toFixed(4)}, ${a.toFixed(0)} | ${rb.toFixed(4)}, ${b.toFixed(0)} | ${(a / b).toFixed(2)}`);
}
