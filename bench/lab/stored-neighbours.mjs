// searchAll from the nearest neighbours the graph build stores (the file's nearest section) against a loop of
// searchItem(i, k + 1) and against the joins (searchAll with an explicit ef), on one graph index of a whole data set:
// recall@k of the sampled items' rows against their exact nearest other items (brute force, float64), then items/s
// of each side measured interleaved (A, B, C, A, B, C, best of each). The index is built once into dir (its build
// time and file size are reported); the ground truth is bench/lab/own-neighbours.mjs's (cached beside the data).
//   node bench/lab/stored-neighbours.mjs [glove-100-angular] [n=all] [rows=2000] [rounds=3] [loopEfs=10,12,16,20,24,32,48,64,96,128]
//     [joinEf=12] [loopItems=20000] [dir=/tmp] [against=<another build's dist/esm/index.js>: its build time and file]
import os from 'node:os';
import path from 'node:path';
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { IndexBuilder, Index } from '../../dist/esm/index.js';
import { loadDataset, bruteForceTopKParallel, DEFAULT_CACHE_DIR } from '../datasets.mjs';
import { sampleOf, recallOf } from './own-neighbours.mjs';

const args = process.argv.slice(2);
const name = args.find((a) => !a.includes('=')) ?? 'glove-100-angular';
const o = Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split('=')));
const rows = Number(o.rows ?? 2000), rounds = Number(o.rounds ?? 3), k = 10, dir = o.dir ?? '/tmp';
const say = (s) => console.log(s);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
const ds = await loadDataset(name);
const d = ds.dimensions, metric = ds.metric, n = Math.min(ds.nTrain, Number(o.n ?? ds.nTrain)), train = ds.train.subarray(0, n * d);
say(`${name}: ${n} x ${d} ${metric}; ${os.cpus()[0].model}, ${os.cpus().length} vCPU, load ${load()}`);

async function built(lib, tag) {
  const file = path.join(dir, `stored-${name}-${n}-${tag}.idx`);
  if (!existsSync(file)) {
    const t = performance.now();
    const index = new lib.IndexBuilder({ dimensions: d, metric, seed: 42, graph: true }).addBatch(train).build();
    say(`  ${tag} build: ${((performance.now() - t) / 1000).toFixed(1)} s (load ${load()})`);
    await index.save(file);
    index.free();
  }
  say(`  ${tag} file: ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`);
  return file;
}
const file = await built({ IndexBuilder }, 'this');
if (o.against) await built(await import(o.against), 'against');
const index = await Index.open(file);

const sample = sampleOf(n, rows);
const truthFile = path.join(DEFAULT_CACHE_DIR, name, `own-gt-${n}-${rows}-${k}.u32`);
let truth;
if (existsSync(truthFile)) truth = new Uint32Array(readFileSync(truthFile).buffer.slice(0));
else {
  const queries = new Float32Array(rows * d);
  sample.forEach((i, r) => queries.set(train.subarray(i * d, (i + 1) * d), r * d));
  const all = await bruteForceTopKParallel(train, queries, d, metric, k + 1, { threads: 2 });
  truth = new Uint32Array(rows * k);
  for (let r = 0; r < rows; r++) truth.set(Array.from(all.ids.subarray(r * (k + 1), (r + 1) * (k + 1))).filter((x) => x !== sample[r]).slice(0, k), r * k);
  writeFileSync(truthFile, truth);
}
const lab = { sample, truth, k };

const timed = (f) => () => { const t = performance.now(); const rowOf = f(); return { seconds: (performance.now() - t) / 1000, rowOf }; };
const stored = timed(() => { const all = index.searchAll(k); return (i) => all.row(i).ids; });
const joinEf = Number(o.joinEf ?? 12);
const joins = timed(() => { const all = index.searchAll(k, { ef: joinEf }); return (i) => all.row(i).ids; });
const loopItems = Math.min(n, Number(o.loopItems ?? 20000));
const loopSet = [...new Set([...Array.from({ length: loopItems }, (_, r) => Math.floor((r * n) / loopItems)), ...sample])];
const loop = (ef) => () => {
  const got = new Map();
  const t = performance.now();
  for (const i of loopSet) got.set(i, index.searchItem(i, k + 1, { ef: Math.max(ef, k + 1) }).ids);
  const seconds = ((performance.now() - t) / 1000) * n / loopSet.length;
  return { seconds, rowOf: (i) => [...got.get(i)].filter((x) => x !== i).slice(0, k) };
};
const a = stored(), target = recallOf(lab, a.rowOf);
for (const ef of (o.joinEfs ?? '').split(',').filter(Boolean).map(Number)) {
  const all = index.searchAll(k, { ef });
  say(`joins (ef ${ef}): recall@${k} ${recallOf(lab, (i) => all.row(i).ids).toFixed(4)}`);
}
say(`stored rows: recall@${k} ${target.toFixed(4)} (${rows} sampled items), ${(n / a.seconds).toFixed(0)} items/s`);
const j = joins();
say(`joins (ef ${joinEf}): recall@${k} ${recallOf(lab, j.rowOf).toFixed(4)}, ${(n / j.seconds).toFixed(0)} items/s`);
let loopEf = null;
for (const ef of (o.loopEfs ?? '10,12,16,20,24,32,48,64,96,128').split(',').map(Number)) {
  const r = loop(ef)(), recall = recallOf(lab, r.rowOf);
  say(`searchItem loop ef ${ef}: recall@${k} ${recall.toFixed(4)}, ${(n / r.seconds).toFixed(0)} items/s`);
  if (recall >= target) { loopEf = ef; break; }
}
const sides = [['searchAll (stored rows)', stored], [`searchAll (joins, ef ${joinEf})`, joins]];
if (loopEf !== null) sides.push([`searchItem loop (ef ${loopEf})`, loop(loopEf)]);
const best = sides.map(() => Infinity);
for (let r = 0; r < rounds; r++) sides.forEach(([, run], s) => { best[s] = Math.min(best[s], run().seconds); });
say(`interleaved x ${rounds}, best of each, load ${load()}:`);
sides.forEach(([label], s) => say(`  ${label}: ${(n / best[s]).toFixed(0)} items/s, ${(best[best.length - 1] / best[s]).toFixed(2)}x the last`));
