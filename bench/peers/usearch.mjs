// USearch (prebuilt native N-API binary; SIMD kernels picked at run time). HNSW with connectivity = M and
// expansion_add = efConstruction. expansion_search is fixed when an Index is made, so each ef of the grid views the
// saved file through a new Index (not timed). Batch add and batch search with threads = 1.
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const req = createRequire(new URL('../package.json', import.meta.url));
const METRIC = { angular: 'cos', euclidean: 'l2sq', dot: 'ip' };

export const name = 'usearch';
export const kind = 'hnsw';

let usearch;
export async function load() {
  usearch = req('usearch');
  // package.json is not in its "exports": find it above the resolved entry point
  let dir = dirname(req.resolve('usearch'));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== 'usearch') {
    if (dirname(dir) === dir) throw new Error('usearch: package.json not found');
    dir = dirname(dir);
  }
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  return { version, notes: 'USearch prebuilt N-API, f32, batch add/search with threads=1' };
}

function make(dimensions, metric, params, ef) {
  return new usearch.Index({
    dimensions, metric: METRIC[metric], quantization: 'f32',
    connectivity: params.M, expansion_add: params.efConstruction, expansion_search: ef ?? 64,
  });
}

export function build({ train, n, dimensions, metric, params, firstQuery }) {
  if (!METRIC[metric]) throw new Error(`usearch metric for ${metric}?`);
  const ef = firstQuery?.ef ?? 64;
  const index = make(dimensions, metric, params, ef);
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  index.add(keys, train.subarray(0, n * dimensions), 1);
  return { index, built: index, ef, dimensions, metric, params };
}

export function save(h, path) {
  h.index.save(path);
}

// The first ef of the grid is searched on the built index itself (made with that expansion_search), so the peak RSS
// that bench/child.mjs reports (after the first grid point) is build + query, as for every library. Each other ef views
// the saved file (h.file, kept by child.mjs until the sweep ends) through a new Index, whose pages add to RSS.
export function configure(h, params) {
  if (params.ef === h.ef) return;
  if (!h.file) throw new Error('usearch: no saved file to view with a new expansion_search');
  h.index = null;
  globalThis.gc?.();
  const index = make(h.dimensions, h.metric, h.params, params.ef);
  index.view(h.file);
  h.index = index;
  h.ef = params.ef;
}

export const prepareQueries = (queries, nq, d) => queries.subarray(0, nq * d);

export function search(h, queries, nq, k, params, out) {
  const r = h.index.search(queries, k, 1);
  const keys = r.keys;
  const counts = r.counts;
  for (let q = 0; q < nq; q++) {
    const c = Number(counts[q]);
    for (let i = 0; i < k; i++) out[q * k + i] = i < c ? Number(keys[q * k + i]) : -1;
  }
}

export function free() {}
