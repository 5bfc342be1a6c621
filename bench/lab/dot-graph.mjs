// Lab: the dot (maximum inner product) graph, measured against exact brute-force MIPS, every index's queries run
// interleaved (each pass runs every (index, ef) once, in turn; q/s is the best pass, by process CPU time).
//   node bench/lab/dot-graph.mjs data=glove n=100000 nq=1000 scale=none library=1 trees=10 efs=10,20,40,80,160
// Builds one dot graph index with the library's settings (cached in /tmp; full tree records, so that a rebuild of
// its graph in place gives the library's bytes). library=1: that index. trees=<n>: a trees-only index with n trees,
// over searchKs. variants=v[:alpha],...: the graph rebuilt in place once per variant; needs the lab-only export
// setDotVariant, which existed at commit d371280 (git checkout d371280 -- assembly && npm run build): 0 lists and
// pruning by the augmented distance (the trees' space); 1 lists and pruning by raw inner product (M^2 - a.b);
// 2 raw lists, no pruning (the top `degree`); 3 raw lists, pruned by the augmented distance (the library's choice
// since); 4 raw NN-descent, lists ranked again and pruned by the augmented distance.
// data: glove (bench/.cache glove-100 train rows), fashion (fashion-mnist train pixels), glove-sample,
// fashion-sample (data/); scale=spread multiplies row i by a length in [0.25, 3.25] (a hash of i) after any
// normalisation, norm=unit normalises rows first.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { IndexBuilder, Index } from '../../dist/esm/index.js';
import { loadDataset, bruteForceTopKParallel } from '../datasets.mjs';
import { loadFileSync } from '../../dist/esm/load/file.js';

const o = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const num = (key, d) => (o[key] === undefined ? d : Number(o[key]));
const data = o.data ?? 'glove', scale = o.scale ?? 'none', norm = o.norm ?? 'none';
const efs = (o.efs ?? '10,20,40,80,160').split(',').map(Number);
const variants = (o.variants ?? '').split(',').filter(Boolean).map((x) => x.split(':').map(Number)); // variant[:alpha]
const passes = num('passes', 3), seed = num('seed', 1), screening = o.screening ?? 'none', storage = o.storage ?? 'float32';
const k = 10;

let dims, train, queries;
if (data === 'glove' || data === 'fashion') {
  const ds = await loadDataset(data === 'glove' ? 'glove-100-angular' : 'fashion-mnist-784-euclidean');
  dims = ds.dimensions;
  train = ds.train.slice(0, Math.min(ds.train.length / dims, num('n', 100000)) * dims);
  queries = ds.queries.slice(0, Math.min(ds.queries.length / dims, num('nq', 1000)) * dims);
} else if (data === 'glove-sample') {
  const f32 = (f) => { const b = readFileSync(new URL(`../../data/glove-sample/${f}`, import.meta.url)); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
  dims = 100; train = f32('vectors.f32'); queries = f32('queries.f32');
} else {
  const px = (f) => Float32Array.from(gunzipSync(readFileSync(new URL(`../../data/fashion-sample/${f}`, import.meta.url))));
  dims = 784; train = px('base.u8.gz'); queries = px('queries.u8.gz');
}
const n = train.length / dims, nq = queries.length / dims;
const hash = (i) => { let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b); x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35); return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32; };
for (let i = 0; i < n; i++) {
  const row = train.subarray(i * dims, (i + 1) * dims);
  let f = 1;
  if (norm === 'unit') { let s = 0; for (const x of row) s += x * x; f = s > 0 ? 1 / Math.sqrt(s) : 0; }
  if (scale === 'spread') f *= 0.25 + 3 * hash(i);
  if (f !== 1) for (let j = 0; j < dims; j++) row[j] *= f;
}
const norms = Array.from({ length: n }, (_, i) => { let s = 0; for (let j = 0; j < dims; j++) s += train[i * dims + j] ** 2; return Math.sqrt(s); }).sort((a, b) => a - b);
const pct = (p) => norms[Math.min(n - 1, Math.floor(p * n))].toFixed(2);
console.log(`${data} n=${n} nq=${nq} scale=${scale} norm=${norm}: row norms min ${pct(0)} p10 ${pct(0.1)} p50 ${pct(0.5)} p90 ${pct(0.9)} max ${norms[n - 1].toFixed(2)}`);

const tag = `${data}-${n}-${nq}-${scale}-${norm}`;
const gtFile = `/tmp/dotlab-gt-${tag}.u32`;
let gt;
if (existsSync(gtFile)) gt = new Uint32Array(readFileSync(gtFile).buffer.slice(0));
else { gt = (await bruteForceTopKParallel(train, queries, dims, 'dot', k, { threads: 1 })).ids; writeFileSync(gtFile, gt); }

// the cached index is the build of this wasm (a hash of it in the name)
const wasm = createHash('sha1').update(readFileSync(new URL('../../build/annoy.wasm', import.meta.url))).digest('hex').slice(0, 8);
const file = `/tmp/dotlab-${tag}-${seed}-${screening}-${storage}-${wasm}.idx`;
let t0 = performance.now();
if (!existsSync(file)) {
  const index = new IndexBuilder({ dimensions: dims, metric: 'dot', seed, screening, storage, graph: true, treeEncoding: 'full' }).addBatch(train).build();
  console.log(`library build ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await index.save(file);
  index.free();
}
const indexes = [];
for (const [v, alpha = 1.44] of variants) {
  const image = loadFileSync(file, { shared: false, slots: 1 });
  const { core } = image, ex = core.exports, base = core.base, s = image.sections;
  const graph = base + s.extra[0].offset;
  const before = core.bytes.slice(base, base + s.fileBytes);
  const scratch = Math.ceil(core.memory.buffer.byteLength / 64) * 64;
  const degree = 32;
  core.ensure(scratch + (ex.graphScratchBytes(base, 32, 32, degree, 1) >>> 0));
  if (!ex.setDotVariant) throw new Error('variants need the lab-only export setDotVariant (commit d371280)');
  ex.setDotVariant(v);
  t0 = performance.now();
  const c0 = process.cpuUsage();
  ex.buildGraphWith(base, graph, degree, 32, 32, 8, 12, seed, 0, alpha, scratch);
  ex.seal(base, s.fileBytes);
  const bytes = core.bytes.slice(base, base + s.fileBytes);
  const same = Buffer.compare(Buffer.from(bytes), Buffer.from(before)) === 0;
  const g = new Uint32Array(bytes.buffer.slice(s.extra[0].offset, s.extra[0].offset + n * degree * 4));
  const indeg = new Uint32Array(n);
  let edges = 0;
  for (const j of g) if (j !== 0xFFFFFFFF) { edges++; indeg[j]++; }
  const sorted = Array.from(indeg).sort((a, b) => b - a);
  console.log(`variant ${v} alpha ${alpha}: graph ${((performance.now() - t0) / 1000).toFixed(1)} s (CPU ${(process.cpuUsage(c0).user / 1e6).toFixed(1)} s), ${ex.graphRounds.value} rounds, mean degree ${(edges / n).toFixed(1)}, max in-degree ${sorted[0]}, top 1% of items hold ${(sorted.slice(0, Math.ceil(n / 100)).reduce((a, b) => a + b, 0) / edges * 100).toFixed(1)}% of edges${same ? ' (same bytes as the library build)' : ''}`);
  indexes.push({ name: `graph v${v} a${alpha}`, index: Index.fromBytes(bytes), opts: efs.map((ef) => ({ label: `ef ${ef}`, o: { ef } })) });
}
if (o.library === '1') indexes.push({ name: 'library build', index: await Index.open(file), opts: efs.map((ef) => ({ label: `ef ${ef}`, o: { ef } })) });
const trees = num('trees', 0);
if (trees > 0) {
  const tfile = `/tmp/dotlab-${tag}-${seed}-trees${trees}.idx`;
  if (!existsSync(tfile)) {
    const index = new IndexBuilder({ dimensions: dims, metric: 'dot', seed, screening: 'none' }).addBatch(train).build({ trees });
    await index.save(tfile);
    index.free();
  }
  const sks = (o.searchKs ?? '1000,3000,10000,30000').split(',').map(Number);
  indexes.push({ name: `trees ${trees}`, index: await Index.open(tfile), opts: sks.map((sk) => ({ label: `searchK ${sk}`, o: { searchK: sk } })) });
}
const results = indexes.map((x) => x.opts.map(() => ({ hits: 0, best: 0 })));
for (let p = 0; p < passes; p++) {
  for (let a = 0; a < indexes[0].opts.length + 8; a++) {
    for (let x = 0; x < indexes.length; x++) {
      const { index, opts } = indexes[x];
      if (a >= opts.length) continue;
      let hits = 0;
      const c = process.cpuUsage();
      for (let qi = 0; qi < nq; qi++) {
        const r = index.search(queries.subarray(qi * dims, (qi + 1) * dims), k, opts[a].o);
        const truth = gt.subarray(qi * k, qi * k + k);
        for (const id of r.ids) if (truth.includes(id)) hits++;
      }
      const cpu = process.cpuUsage(c);
      const res = results[x][a];
      res.hits = hits;
      res.best = Math.max(res.best, nq / ((cpu.user + cpu.system) / 1e6));
    }
  }
}
for (let x = 0; x < indexes.length; x++) {
  console.log(`${indexes[x].name}: ` + indexes[x].opts.map((op, a) => `${op.label} ${(results[x][a].hits / (nq * k)).toFixed(3)} ${results[x][a].best.toFixed(0)} q/s`).join(' | '));
}
