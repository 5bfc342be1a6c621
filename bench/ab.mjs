// Interleaved A/B of two builds of the library: is a change to the core as fast as before, and does it build the
// same files? A is another checkout's dist (built from the commit to compare against), B this tree's. Both run in
// this one process, alternating pass by pass (A, B, A, B, ...), so machine drift hits both alike; each side keeps
// its best and its median pass. Passes last ~300 ms and alternate which side goes first. Speed is queries per
// second of this process's CPU time (user + system), not of wall time: on a shared machine, wall time also counts
// the time the process waited for a core, which swamps differences of a few per cent. Every index is built by both sides from the same items and seed, and the two files must be equal
// byte for byte (their sha256 is printed).
//
//   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && node scripts/build.mjs)
//   node bench/ab.mjs --base /tmp/base                        the committed samples (glove, fashion), every metric
//   node bench/ab.mjs --base /tmp/base --glove100             also glove-100-angular from bench/.cache: 10 trees,
//                                                             int8, searchK 20,000 (bench/datasets.mjs fetches it)
//   --passes 5      passes per side per point (default 5)
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: { base: { type: 'string' }, passes: { type: 'string', default: '5' }, glove100: { type: 'boolean', default: false } },
});
if (!values.base) throw new Error('--base <checkout with a built dist/> is required');
const A = await import(pathToFileURL(path.resolve(values.base, 'dist/esm/index.js')).href);
const B = await import(new URL('../dist/esm/index.js', import.meta.url).href);
const PASSES = Number(values.passes);

const data = new URL('../data/', import.meta.url);
const f32 = (file) => { const b = fs.readFileSync(file); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const pixels = (name) => Float32Array.from(gunzipSync(fs.readFileSync(new URL(name, data))));
const bits = (v) => Float32Array.from(v, (x) => (x > 0 ? 1 : 0));
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

const glove = { dims: 100, vectors: f32(new URL('glove-sample/vectors.f32', data)), queries: f32(new URL('glove-sample/queries.f32', data)) };
const fashion = { dims: 784, vectors: pixels('fashion-sample/base.u8.gz'), queries: pixels('fashion-sample/queries.u8.gz') };

const points = [];
for (const screening of ['none', 'int8', 'pca']) points.push({ name: 'glove-sample', set: glove, metric: 'angular', screening, searchK: 1000 });
for (const metric of ['euclidean', 'manhattan', 'dot']) points.push({ name: 'glove-sample', set: glove, metric, screening: 'none', searchK: 1000 });
points.push({ name: 'glove-sample bits', set: { ...glove, vectors: bits(glove.vectors), queries: bits(glove.queries) }, metric: 'hamming', screening: 'none', searchK: 1000 });
for (const screening of ['none', 'int8', 'pca']) points.push({ name: 'fashion-sample', set: fashion, metric: 'euclidean', screening, searchK: 500 });
if (values.glove100) {
  const dir = new URL('./.cache/glove-100-angular/', import.meta.url);
  points.push({ name: 'glove-100', set: { dims: 100, vectors: f32(new URL('train.f32', dir)), queries: f32(new URL('queries.f32', dir)) }, metric: 'angular', screening: 'int8', searchK: 20000, parallel: true });
}

async function build(lib, p) {
  const builder = new lib.IndexBuilder({ dimensions: p.set.dims, metric: p.metric, seed: 1, screening: p.screening }).addBatch(p.set.vectors);
  return p.parallel ? builder.buildAsync({ trees: 10, jobs: 2 }) : builder.build({ trees: 10 });
}

// One pass: every query `reps` times; returns queries per second and a digest of the answers.
function pass(index, p, reps = 1) {
  const nq = p.set.queries.length / p.set.dims;
  const answers = createHash('sha256');
  const t0 = process.cpuUsage();
  for (let i = 0; i < nq * reps; i++) {
    const q = i % nq;
    const r = index.search(p.set.queries.subarray(q * p.set.dims, (q + 1) * p.set.dims), 10, { searchK: p.searchK });
    answers.update(new Uint8Array(r.ids.buffer, r.ids.byteOffset, r.ids.byteLength));
    answers.update(new Uint8Array(r.distances.buffer, r.distances.byteOffset, r.distances.byteLength));
  }
  const used = process.cpuUsage(t0);
  return { qps: nq * reps / ((used.user + used.system) / 1e6), answers: answers.digest('hex').slice(0, 16) };
}

const rows = [];
for (const p of points) {
  const ia = await build(A, p), ib = await build(B, p);
  const fa = sha(ia.toBytes()), fb = sha(ib.toBytes());
  const speeds = { A: [], B: [] }, answers = { A: new Set(), B: new Set() };
  // Passes of at least ~300 ms (short ones measure the scheduler more than the code), after a warm-up of each.
  pass(ia, p); const warm = pass(ib, p);
  const reps = Math.max(1, Math.round(0.3 * warm.qps / (p.set.queries.length / p.set.dims)));
  const best = (side) => Math.max(...speeds[side]);
  const median = (side) => speeds[side].slice().sort((x, y) => x - y)[speeds[side].length >> 1];
  for (let r = 0; r < PASSES; r++) {
    for (const [side, index] of r % 2 === 0 ? [['A', ia], ['B', ib]] : [['B', ib], ['A', ia]]) {
      const { qps, answers: d } = pass(index, p, reps);
      speeds[side].push(qps);
      answers[side].add(d);
    }
  }
  ia.free(); ib.free();
  const same = fa === fb && answers.A.size === 1 && [...answers.A][0] === [...answers.B][0] && answers.B.size === 1;
  const row = {
    point: `${p.name} ${p.metric} ${p.screening} searchK ${p.searchK}`,
    'A best': Math.round(best('A')), 'B best': Math.round(best('B')), 'B/A best': (best('B') / best('A')).toFixed(3),
    'A median': Math.round(median('A')), 'B median': Math.round(median('B')), 'B/A median': (median('B') / median('A')).toFixed(3),
    file: fa === fb ? fa : `${fa} != ${fb}`, 'same answers': same,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}
console.table(rows);
if (rows.some((r) => !r['same answers'])) process.exitCode = 1;
