// Data set specs for the benchmarks: a base data set of bench/datasets.mjs, optionally cut to a random subset of its
// train rows and/or randomly projected to another dimension, with its own exact top-10 ground truth (cached).
//
//   glove-100-angular                    the data set as loadDataset gives it (ground truth top-100)
//   glove-100-angular:n=100000           a seeded random subset of 100,000 train rows (original order kept)
//   glove-100-angular:n=100000:d=784     ... and every vector (train and queries) multiplied by a seeded Gaussian
//                                        d x D matrix with N(0, 1/d) entries (Johnson-Lindenstrauss: angles and
//                                        distances are kept approximately; d < D loses some, d > D adds none)
//
// The queries are always the base set's held-out queries (projected alike). prepareSpec() computes and caches what a
// derived spec needs (parent process, before any timing); loadSpec() only reads the cache (child processes).
import fs from 'node:fs';
import path from 'node:path';
import { loadDataset, bruteForceTopKParallel, DEFAULT_CACHE_DIR } from './datasets.mjs';

const GT_K = 10;
const FORMAT = 1;

export function parseSpec(spec) {
  const [base, ...mods] = spec.split(':');
  const out = { base, n: null, d: null };
  for (const m of mods) {
    const [key, value] = m.split('=');
    if ((key !== 'n' && key !== 'd') || !/^\d+$/.test(value ?? '')) throw new Error(`bad data set spec ${spec}: ${m}`);
    out[key] = Number(value);
  }
  return out;
}

const isDerived = (spec) => spec.includes(':');
const dirOf = (spec, cacheDir) => path.join(cacheDir, 'derived', spec.replace(/[:=]/g, '_'));

function readTyped(file, Ctor) {
  const buf = fs.readFileSync(file);
  return new Ctor(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function writeAtomic(file, arr) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  fs.renameSync(tmp, file);
}

function gaussian(rng) {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function project(src, rows, D, R, d) {
  const out = new Float32Array(rows * d);
  const acc = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    acc.fill(0);
    const so = i * D;
    for (let j = 0; j < D; j++) {
      const x = src[so + j];
      if (x === 0) continue;
      const ro = j * d; // R stored D x d (transposed) so this inner loop is contiguous
      for (let t = 0; t < d; t++) acc[t] += x * R[ro + t];
    }
    out.set(acc, i * d);
  }
  return out;
}

/** Make sure a spec's data and ground truth are cached; returns a short description. */
export async function prepareSpec(spec, { cacheDir = DEFAULT_CACHE_DIR, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const { base, n, d } = parseSpec(spec);
  const ds = await loadDataset(base, { cacheDir });
  if (!isDerived(spec)) return describe(spec, ds.nTrain, ds.dimensions, ds.metric, ds.nQueries);
  const dir = dirOf(spec, cacheDir);
  const metaFile = path.join(dir, 'meta.json');
  try {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    if (meta.format === FORMAT) return describe(spec, meta.nTrain, meta.dimensions, meta.metric, meta.nQueries);
  } catch { /* not cached yet */ }
  fs.mkdirSync(dir, { recursive: true });
  const seedrandom = (await import('seedrandom')).default;
  const D = ds.dimensions;
  const nTrain = n ? Math.min(n, ds.nTrain) : ds.nTrain;
  let train = ds.train;
  if (nTrain < ds.nTrain) {
    const rng = seedrandom(`annoy-wasm bench subset v1 ${base} n=${nTrain}`);
    const perm = new Uint32Array(ds.nTrain);
    for (let i = 0; i < perm.length; i++) perm[i] = i;
    for (let i = 0; i < nTrain; i++) { // partial Fisher-Yates
      const j = i + Math.floor(rng() * (perm.length - i));
      const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    const ids = perm.subarray(0, nTrain).sort();
    train = new Float32Array(nTrain * D);
    for (let i = 0; i < nTrain; i++) train.set(ds.train.subarray(ids[i] * D, (ids[i] + 1) * D), i * D);
  }
  let queries = ds.queries;
  const dims = d ?? D;
  if (dims !== D) {
    const rng = seedrandom(`annoy-wasm bench projection v1 ${base} ${D}->${dims}`);
    const R = new Float64Array(D * dims);
    const s = 1 / Math.sqrt(dims);
    for (let i = 0; i < R.length; i++) R[i] = gaussian(rng) * s;
    const t0 = performance.now();
    train = project(train, nTrain, D, R, dims);
    queries = project(queries, ds.nQueries, D, R, dims);
    log(`[derived] ${spec}: projected ${D} -> ${dims} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const t0 = performance.now();
  log(`[derived] ${spec}: exact top-${GT_K} for ${ds.nQueries} queries over ${nTrain} x ${dims} ...`);
  const gt = await bruteForceTopKParallel(train, queries, dims, ds.metric, GT_K);
  log(`[derived] ${spec}: ground truth in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  writeAtomic(path.join(dir, 'train.f32'), train);
  writeAtomic(path.join(dir, 'queries.f32'), queries);
  writeAtomic(path.join(dir, `gt-${GT_K}.u32`), gt.ids);
  const meta = { format: FORMAT, spec, base, metric: ds.metric, dimensions: dims, nTrain, nQueries: ds.nQueries, gtK: GT_K };
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  return describe(spec, nTrain, dims, ds.metric, ds.nQueries);
}

function describe(spec, nTrain, dimensions, metric, nQueries) {
  return { spec, nTrain, dimensions, metric, nQueries };
}

/** The float32 files (raw, row-major) holding a prepared spec's train rows and queries: what the native harnesses read. */
export function specFiles(spec, { cacheDir = DEFAULT_CACHE_DIR } = {}) {
  const dir = isDerived(spec) ? dirOf(spec, cacheDir) : path.join(cacheDir, parseSpec(spec).base);
  return { train: path.join(dir, 'train.f32'), queries: path.join(dir, 'queries.f32') };
}

/** {name, metric, dimensions, train, queries, nTrain, nQueries, groundTruth, gtK} of a prepared spec. */
export async function loadSpec(spec, { cacheDir = DEFAULT_CACHE_DIR } = {}) {
  if (!isDerived(spec)) {
    const ds = await loadDataset(spec, { cacheDir, cachedOnly: true });
    return { name: spec, metric: ds.metric, dimensions: ds.dimensions, train: ds.train, queries: ds.queries,
      nTrain: ds.nTrain, nQueries: ds.nQueries, groundTruth: ds.groundTruth, gtK: ds.k };
  }
  const dir = dirOf(spec, cacheDir);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
  return {
    name: spec, metric: meta.metric, dimensions: meta.dimensions, nTrain: meta.nTrain, nQueries: meta.nQueries,
    train: readTyped(path.join(dir, 'train.f32'), Float32Array), queries: readTyped(path.join(dir, 'queries.f32'), Float32Array),
    groundTruth: readTyped(path.join(dir, `gt-${GT_K}.u32`), Uint32Array), gtK: GT_K,
  };
}
