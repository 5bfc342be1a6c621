// int8 storage with and without int8 screening codes, the same trees, interleaved (A, B, A, B per searchK, best of
// each): when the stored vectors are int8 too, do the codes (align16(d) more bytes per item in memory) still pay?
//   node bench/lab/storage-screening.mjs glove-100-angular [trees=10] [searchK=...] [rounds=3]
import os from 'node:os';
import { IndexBuilder } from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';

const [name = 'glove-100-angular', ...rest] = process.argv.slice(2);
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const trees = Number(o.trees ?? 10), rounds = Number(o.rounds ?? 3), k = 10;
const searchKs = (o.searchK ?? '5000,10000,20000,40000').split(',').map(Number);
const ds = await loadDataset(name);
const { dimensions: d, metric, train, queries, groundTruth: gt } = ds;
const nq = queries.length / d;
console.log(`${name}: ${train.length / d} x ${d}, ${nq} queries, ${trees} trees; ${os.cpus()[0].model}, ${os.cpus().length} vCPU; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const base = new IndexBuilder({ dimensions: d, metric, seed: 42, screening: 'int8' }).addBatch(train).build({ trees });
const variants = {
  'float32 + int8 codes': base,
  'int8 + int8 codes': base.withStorage('int8'),
  'int8, no codes': base.withStorage('int8').withScreening({ screening: 'none' }),
  'float16 + int8 codes': base.withStorage('float16'),
};
const recallOf = (r) => { let hit = 0; for (let q = 0; q < nq; q++) { const t = gt.subarray(q * 100, q * 100 + k); for (const id of r.ids.subarray(q * k, q * k + r.counts[q])) if (t.includes(id)) hit++; } return hit / (nq * k); };
const names = Object.keys(variants);
console.log(`searchK | ${names.join(' | ')}`);
for (const searchK of searchKs) {
  const best = {}, rec = {};
  for (let r = 0; r < rounds; r++) for (const v of names) {
    const t = performance.now();
    const res = variants[v].searchBatch(queries, k, { searchK });
    best[v] = Math.max(best[v] ?? 0, nq / ((performance.now() - t) / 1000));
    rec[v] = recallOf(res);
  }
  console.log(`${searchK} | ${names.map((v) => `${rec[v].toFixed(4)}, ${best[v].toFixed(0)} q/s`).join(' | ')}`);
}
console.log(`load at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
