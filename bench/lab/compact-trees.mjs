// Compact trees against full ones on one data set: recall at equal searchK, queries/s, file and RSS, in one process.
// Variants (all seed 42, default options otherwise):
//   full             today's trees (f32 planes, u32 ids in fixed-size records)
//   compact          a build with treeEncoding 'compact' (int8 planes chosen before routing, packed leaf ids)
//   compact-as-full  the compact build's very trees in today's encoding (withTreeEncoding('full')): against
//                    `compact` it isolates what decoding planes and unpacking leaves costs a query
//   int8-full, int8-compact   the full / compact build with int8 vectors (withStorage('int8')); float16-... and
//                    bfloat16-... alike
// Every searchK point runs each variant once per round, in this order, for `rounds` rounds (interleaved); the best
// q/s of each is kept. RSS: a fresh process opens the saved file and answers the queries (VmHWM, and RSS added).
//   node bench/lab/compact-trees.mjs glove-100-angular [trees=10] [searchK=1000,3000,10000,30000] [rounds=3]
//     [queries=1000] [variants=full,compact,compact-as-full,int8-full,int8-compact] [screening=...] [seed=42]
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IndexBuilder, Index } from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';

const [name = 'glove-100-angular', ...rest] = process.argv.slice(2);
const status = () => Object.fromEntries(readFileSync('/proc/self/status', 'utf8').split('\n').map((l) => l.split(/:\s+/)).filter((p) => p[0] === 'VmHWM' || p[0] === 'VmRSS').map(([key, v]) => [key, parseInt(v)]));
if (name === '--child') {
  const [file, dsName] = rest;
  const ds = await loadDataset(dsName);
  const before = status();
  const index = Index.openSync(file);
  index.searchBatch(ds.queries, 10, { searchK: 5000 });
  console.log(JSON.stringify({ before, after: status() }));
  process.exit(0);
}
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const trees = Number(o.trees ?? 10), rounds = Number(o.rounds ?? 3), k = 10, seed = Number(o.seed ?? 42);
const searchKs = (o.searchK ?? '1000,3000,10000,30000').split(',').map(Number);
const variants = (o.variants ?? 'full,compact,compact-as-full,int8-full,int8-compact').split(',');
const ds = await loadDataset(name);
const { dimensions: d, metric, train, groundTruth: gt } = ds;
const nq = Math.min(Number(o.queries ?? 1000), ds.queries.length / d);
const queries = ds.queries.subarray(0, nq * d);
const n = train.length / d;
const cpu = `${os.cpus()[0].model}, ${os.cpus().length} vCPU`;
console.log(`${name}: ${n} x ${d} ${metric}, ${nq} queries, ${trees} trees, seed ${seed}; ${cpu}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const options = { dimensions: d, metric, seed, ...(o.screening ? { screening: o.screening } : {}) };
const built = {};
const build = (treeEncoding) => {
  const t0 = performance.now();
  const index = new IndexBuilder({ ...options, treeEncoding }).addBatch(train).build({ trees });
  console.log(`${treeEncoding} build ${((performance.now() - t0) / 1000).toFixed(1)} s, screening ${index.screening}`);
  return index;
};
if (variants.some((v) => v.endsWith('full') && !v.includes('as-full'))) built.full = build('full');
if (variants.some((v) => v.includes('compact'))) built.compact = build('compact');
const indexes = {};
for (const v of variants) {
  if (v === 'full' || v === 'compact') indexes[v] = built[v];
  else if (v === 'compact-as-full') indexes[v] = built.compact.withTreeEncoding('full');
  else if (/^(float16|bfloat16|int8)-(full|compact)$/.test(v)) indexes[v] = built[v.split('-')[1]].withStorage(v.split('-')[0]);
  else throw new Error(`unknown variant ${v}`);
}
const dir = mkdtempSync(path.join(tmpdir(), 'compact-lab-'));
const files = {};
for (const v of variants) {
  const file = path.join(dir, `${v}.annoy`);
  indexes[v].saveSync(file);
  const out = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--child', file, name], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());
  files[v] = { bytes: statSync(file).size, hwm: out.after.VmHWM, rssAdded: out.after.VmRSS - out.before.VmRSS };
}
rmSync(dir, { recursive: true });
const ref = variants[0];
console.log(`variant | file MiB | x ${ref} | peak RSS MiB | RSS added by the index MiB | x ${ref}`);
for (const v of variants) {
  const f = files[v], b = files[ref];
  console.log(`${v} | ${(f.bytes / 2 ** 20).toFixed(1)} | ${(f.bytes / b.bytes).toFixed(3)} | ${(f.hwm / 1024).toFixed(0)} | ${(f.rssAdded / 1024).toFixed(1)} | ${(f.rssAdded / b.rssAdded).toFixed(3)}`);
}
const recallOf = (r) => { let hit = 0; for (let q = 0; q < nq; q++) { const t = gt.subarray(q * 100, q * 100 + k); for (const id of r.ids.subarray(q * k, q * k + r.counts[q])) if (t.includes(id)) hit++; } return hit / (nq * k); };
console.log(`searchK | ${variants.map((v) => `${v} recall, q/s`).join(' | ')} | q/s vs ${ref}`);
for (const searchK of searchKs) {
  const best = {}, recall = {};
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const t = performance.now();
      const res = indexes[v].searchBatch(queries, k, { searchK });
      best[v] = Math.max(best[v] ?? 0, nq / ((performance.now() - t) / 1000));
      recall[v] = recallOf(res);
    }
  }
  console.log(`${searchK} | ${variants.map((v) => `${recall[v].toFixed(4)}, ${best[v].toFixed(0)}`).join(' | ')} | ${variants.slice(1).map((v) => `${v} ${(best[v] / best[ref]).toFixed(3)}`).join(' / ')}`);
}
console.log(`load at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
