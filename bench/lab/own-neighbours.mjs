// The data the searchAll lab measures on: a graph index of a data set's first n train rows, and the exact nearest
// OTHER items of a sample of those items (brute force, float64), both cached under bench/.cache/<data set>/ so
// they are computed once:
//   searchall-<n>-<degree>.idx        the graph index (the library's default graph settings, seed 42)
//   own-gt-<n>-<rows>-<k>.u32         rows x k ids: item sample[r]'s k nearest other items, ties by smaller id
// The sample is every (n / rows)-th item. Delete a file to rebuild it (say, after the graph build changed).
//   node bench/lab/own-neighbours.mjs [glove-100-angular] [n=100000] [rows=2000]   (prepares both)
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { IndexBuilder, Index } from '../../dist/esm/index.js';
import { loadDataset, bruteForceTopKParallel, DEFAULT_CACHE_DIR } from '../datasets.mjs';

const log = (s) => process.stderr.write(`${s}\n`);
const writeAtomic = (file, bytes) => { writeFileSync(`${file}.tmp`, bytes); renameSync(`${file}.tmp`, file); };

/** The sampled item ids: every (n / rows)-th. */
export function sampleOf(n, rows) {
  return Uint32Array.from({ length: rows }, (_, r) => Math.floor((r * n) / rows));
}

/**
 * Loads (building and caching on first use) the lab's index and ground truth.
 * @returns {Promise<{ ds, n, d, metric, train, index: Index, sample: Uint32Array, truth: Uint32Array, k: number, files }>}
 */
export async function ownNeighbours(name = 'glove-100-angular', { n, rows = 2000, k = 10, degree = 32 } = {}) {
  const ds = await loadDataset(name);
  const d = ds.dimensions, metric = ds.metric;
  n = Math.min(n ?? ds.nTrain, ds.nTrain);
  const train = ds.train.subarray(0, n * d);
  const dir = path.join(DEFAULT_CACHE_DIR, name);
  const files = { index: path.join(dir, `searchall-${n}-${degree}.idx`), truth: path.join(dir, `own-gt-${n}-${rows}-${k}.u32`) };
  let index;
  if (existsSync(files.index)) index = await Index.open(files.index);
  else {
    const t0 = performance.now();
    log(`${name}: building a graph index (degree ${degree}) of the first ${n} rows ...`);
    index = new IndexBuilder({ dimensions: d, metric, seed: 42, graph: { degree } }).addBatch(train).build();
    log(`  built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await index.save(files.index);
  }
  const sample = sampleOf(n, rows);
  let truth;
  if (existsSync(files.truth)) truth = new Uint32Array(readFileSync(files.truth).buffer.slice(0));
  else {
    const t0 = performance.now();
    log(`${name}: exact nearest other items of ${rows} of ${n} items ...`);
    const queries = new Float32Array(rows * d);
    sample.forEach((i, r) => queries.set(train.subarray(i * d, (i + 1) * d), r * d));
    const all = await bruteForceTopKParallel(train, queries, d, metric, k + 1, { threads: 2 });
    truth = new Uint32Array(rows * k);
    for (let r = 0; r < rows; r++) {
      // the item itself comes back first unless an identical item with a smaller id ties it: drop it wherever it is
      const got = Array.from(all.ids.subarray(r * (k + 1), (r + 1) * (k + 1))).filter((x) => x !== sample[r]).slice(0, k);
      truth.set(got, r * k);
    }
    writeAtomic(files.truth, truth);
    log(`  in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { ds, n, d, metric, train, index, sample, truth, k, files };
}

/** recall@k of rows (idsOf(item) -> the row's ids) against the sample's truth. */
export function recallOf({ sample, truth, k }, idsOf) {
  let hit = 0;
  for (let r = 0; r < sample.length; r++) {
    const want = truth.subarray(r * k, (r + 1) * k), got = idsOf(sample[r]);
    for (const id of got) if (want.includes(id)) hit++;
  }
  return hit / (sample.length * k);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [name = 'glove-100-angular', ...rest] = process.argv.slice(2).filter((a) => !a.includes('=')).concat(process.argv.slice(2).filter((a) => a.includes('=')));
  const o = Object.fromEntries(rest.filter((a) => a.includes('=')).map((a) => a.split('=')));
  const r = await ownNeighbours(name.includes('=') ? 'glove-100-angular' : name, { n: o.n ? Number(o.n) : 100000, rows: Number(o.rows ?? 2000) });
  log(`ready: ${r.files.index}, ${r.files.truth}`);
}
