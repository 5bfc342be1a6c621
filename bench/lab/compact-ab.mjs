// What compact trees cost a query, finely interleaved: the same queries alternate between variants in chunks of
// `chunk` queries (A, B, C on one chunk, then the next chunk), for `rounds` passes; reported per searchK: recall, the
// median over chunks of each variant's time against the first's, and the ratio of total times. Load drifts over
// seconds, so a chunk's variants see the same load; the median discards chunks a burst hit.
//   node bench/lab/compact-ab.mjs glove-100-angular [trees=10] [searchK=1000,10000] [rounds=3] [chunk=50] [queries=1000]
//     [variants=compact-as-full,compact,full] [storage=float32|int8] [seed=42]   (variants may name a storage:
//     int8-compact, int8-full, float16-full ...; storage= applies to the others)
// compact-as-full: the compact build's trees in full records (withTreeEncoding('full')): against `compact` it is the
// cost of decoding planes and unpacking leaves alone (same trees, same candidates).
import os from 'node:os';
import { IndexBuilder } from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';

const [name = 'glove-100-angular', ...rest] = process.argv.slice(2);
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const trees = Number(o.trees ?? 10), rounds = Number(o.rounds ?? 3), chunk = Number(o.chunk ?? 50), k = 10, seed = Number(o.seed ?? 42);
const searchKs = (o.searchK ?? '1000,10000').split(',').map(Number);
const variants = (o.variants ?? 'compact-as-full,compact,full').split(',');
const ds = await loadDataset(name);
const { dimensions: d, metric, train, groundTruth: gt } = ds;
const nq = Math.min(Number(o.queries ?? 1000), ds.queries.length / d);
const cpu = `${os.cpus()[0].model}, ${os.cpus().length} vCPU`;
console.log(`${name}: ${train.length / d} x ${d} ${metric}, ${nq} queries in chunks of ${chunk}, ${trees} trees, seed ${seed}, ${o.storage ?? 'float32'} vectors; ${cpu}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const make = (treeEncoding) => {
  const index = new IndexBuilder({ dimensions: d, metric, seed, treeEncoding }).addBatch(train).build({ trees });
  return o.storage && o.storage !== 'float32' ? index.withStorage(o.storage) : index;
};
// A variant may name its vectors' storage first: int8-compact, float16-full (default: the storage option).
const built = {};
if (variants.some((v) => v.includes('compact'))) built.compact = make('compact');
if (variants.some((v) => v.endsWith('-full') ? !v.endsWith('as-full') : v === 'full')) built.full = make('full');
const indexOf = (v) => {
  if (v === 'compact-as-full') return built.compact.withTreeEncoding('full');
  const m = /^(float16|bfloat16|int8)-(compact|full)$/.exec(v);
  return m ? built[m[2]].withStorage(m[1]) : built[v];
};
const indexes = Object.fromEntries(variants.map((v) => [v, indexOf(v)]));
console.log(`searchK | ${variants.map((v) => `${v} recall`).join(' | ')} | median chunk time vs ${variants[0]} | total time vs ${variants[0]}`);
for (const searchK of searchKs) {
  const total = Object.fromEntries(variants.map((v) => [v, 0]));
  const ratios = Object.fromEntries(variants.map((v) => [v, []]));
  const hits = Object.fromEntries(variants.map((v) => [v, 0]));
  for (let r = 0; r < rounds; r++) {
    for (let q0 = 0; q0 < nq; q0 += chunk) {
      const n = Math.min(chunk, nq - q0);
      const batch = ds.queries.subarray(q0 * d, (q0 + n) * d);
      const took = {};
      for (const v of (r % 2 === 0 ? variants : [...variants].reverse())) {
        const t = performance.now();
        const res = indexes[v].searchBatch(batch, k, { searchK });
        took[v] = performance.now() - t;
        if (r === 0) for (let q = 0; q < n; q++) { const truth = gt.subarray((q0 + q) * 100, (q0 + q) * 100 + k); for (const id of res.ids.subarray(q * k, q * k + res.counts[q])) if (truth.includes(id)) hits[v]++; }
      }
      for (const v of variants) { total[v] += took[v]; ratios[v].push(took[v] / took[variants[0]]); }
    }
  }
  const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  console.log(`${searchK} | ${variants.map((v) => (hits[v] / (nq * k)).toFixed(4)).join(' | ')} | ${variants.slice(1).map((v) => `${v} ${median(ratios[v]).toFixed(3)}`).join(', ')} | ${variants.slice(1).map((v) => `${v} ${(total[v] / total[variants[0]]).toFixed(3)}`).join(', ')} (${variants[0]} ${(nq * rounds / (total[variants[0]] / 1000)).toFixed(0)} q/s)`);
}
console.log(`load at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
