// Storage kinds against float32 on one data set, the same trees: one float32 index is built (default options,
// screening chosen from the data), then converted with withStorage (byte for byte what a build with that storage
// makes). Every searchK point is measured float32, float16, bfloat16, int8, then again (rounds), best q/s of each,
// in this one process. File size, and the RSS of a fresh process that opens the file and answers the queries.
//   node bench/lab/storage.mjs glove-100-angular [trees=10] [searchK=1000,2000,5000,10000,20000] [rounds=3] [queries=1000]
//     [screening=none]   (default: chosen from the data; none: every candidate decoded and measured exactly, the
//                         decoding's worst case)
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IndexBuilder, Index } from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';

const [name = 'glove-100-angular', ...rest] = process.argv.slice(2);
if (name === '--child') {
  // node storage.mjs --child <file> <dataset>: open, answer every query once, print VmHWM and RSS (KiB).
  const [file, dsName] = rest;
  const ds = await loadDataset(dsName);
  const status = () => Object.fromEntries(readStatus().map((l) => l.split(/:\s+/)).filter((p) => p[0] === 'VmHWM' || p[0] === 'VmRSS').map(([k, v]) => [k, parseInt(v)]));
  function readStatus() { return require('node:fs').readFileSync('/proc/self/status', 'utf8').split('\n'); }
  var require = (await import('node:module')).createRequire(import.meta.url);
  const before = status();
  const index = Index.openSync(file);
  index.searchBatch(ds.queries, 10, { searchK: 5000 });
  const after = status();
  console.log(JSON.stringify({ before, after }));
  process.exit(0);
}
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const trees = Number(o.trees ?? 10), rounds = Number(o.rounds ?? 3), k = 10;
const searchKs = (o.searchK ?? '1000,2000,5000,10000,20000').split(',').map(Number);
const ds = await loadDataset(name);
const { dimensions: d, metric, train, groundTruth: gt } = ds;
const nq = Math.min(Number(o.queries ?? 1000), ds.queries.length / d);
const queries = ds.queries.subarray(0, nq * d);
const n = train.length / d;
const cpu = `${os.cpus()[0].model}, ${os.cpus().length} vCPU`;
console.log(`${name}: ${n} x ${d} ${metric}, ${nq} queries, ${trees} trees; ${cpu}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
let t0 = performance.now();
const base = new IndexBuilder({ dimensions: d, metric, seed: 42, ...(o.screening ? { screening: o.screening } : {}) }).addBatch(train).build({ trees });
console.log(`float32 build ${((performance.now() - t0) / 1000).toFixed(1)} s, screening ${base.screening}`);
const kinds = ['float32', 'float16', 'bfloat16', 'int8'];
const indexes = { float32: base };
for (const kind of kinds.slice(1)) {
  t0 = performance.now();
  indexes[kind] = base.withStorage(kind);
  console.log(`withStorage('${kind}') ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
// Files and the RSS of a fresh process per file.
const dir = mkdtempSync(path.join(tmpdir(), 'storage-lab-'));
const files = {};
for (const kind of kinds) {
  const file = path.join(dir, `${kind}.annoy`);
  indexes[kind].saveSync(file);
  const out = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--child', file, name], { encoding: 'utf8' }).trim().split('\n').pop());
  files[kind] = { bytes: statSync(file).size, hwm: out.after.VmHWM, rssAdded: out.after.VmRSS - out.before.VmRSS };
}
rmSync(dir, { recursive: true });
console.log('storage | file MiB | x float32 | peak RSS MiB (fresh process: open + queries) | RSS added by the index MiB | x float32');
for (const kind of kinds) {
  const f = files[kind], b = files.float32;
  console.log(`${kind} | ${(f.bytes / 2 ** 20).toFixed(1)} | ${(f.bytes / b.bytes).toFixed(3)} | ${(f.hwm / 1024).toFixed(0)} | ${(f.rssAdded / 1024).toFixed(1)} | ${(f.rssAdded / b.rssAdded).toFixed(3)}`);
}
const recallOf = (r) => { let hit = 0; for (let q = 0; q < nq; q++) { const t = gt.subarray(q * 100, q * 100 + k); for (const id of r.ids.subarray(q * k, q * k + r.counts[q])) if (t.includes(id)) hit++; } return hit / (nq * k); };
const curve = Object.fromEntries(kinds.map((kd) => [kd, []]));
console.log(`searchK | ${kinds.map((kd) => `${kd} recall, q/s`).join(' | ')} | q/s vs float32`);
for (const searchK of searchKs) {
  const best = {}, recall = {};
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      const t = performance.now();
      const res = indexes[kind].searchBatch(queries, k, { searchK });
      const qps = nq / ((performance.now() - t) / 1000);
      best[kind] = Math.max(best[kind] ?? 0, qps);
      recall[kind] = recallOf(res);
    }
  }
  for (const kind of kinds) curve[kind].push([recall[kind], best[kind]]);
  console.log(`${searchK} | ${kinds.map((kd) => `${recall[kd].toFixed(4)}, ${best[kd].toFixed(0)}`).join(' | ')} | ${kinds.slice(1).map((kd) => (best[kd] / best.float32).toFixed(2)).join(' / ')}`);
}
// q/s at a recall, interpolated along each curve (recall rises with searchK).
const at = (pts, target) => {
  for (let i = 1; i < pts.length; i++) {
    const [r0, q0] = pts[i - 1], [r1, q1] = pts[i];
    if (r0 <= target && r1 >= target) return r1 === r0 ? q1 : q0 + (q1 - q0) * (target - r0) / (r1 - r0);
  }
  return pts[0][0] >= target ? Infinity : NaN;
};
for (const target of [0.9, 0.95]) {
  console.log(`q/s at recall ${target}: ${kinds.map((kd) => `${kd} ${at(curve[kd], target).toFixed(0)}`).join(', ')}; vs float32 ${kinds.slice(1).map((kd) => (at(curve[kd], target) / at(curve.float32, target)).toFixed(2)).join(' / ')}`);
}
console.log(`load at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
