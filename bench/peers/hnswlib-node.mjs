// hnswlib-node (hnswlib's C++ through node-addon-api, compiled at install with the benchmark's CXXFLAGS, so
// -march=native). HNSW with M and efConstruction from the grid; ef is swept at query time. Plain arrays in and out.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const req = createRequire(new URL('../package.json', import.meta.url));
const SPACE = { angular: 'cosine', euclidean: 'l2', dot: 'ip' };

export const name = 'hnswlib-node';
export const kind = 'hnsw';

let HierarchicalNSW;
export async function load() {
  const version = JSON.parse(readFileSync(req.resolve('hnswlib-node/package.json'), 'utf8')).version;
  ({ HierarchicalNSW } = req('hnswlib-node'));
  return { version, notes: 'hnswlib C++ (node-addon-api), addPoint/searchKnn with plain arrays' };
}

export function build({ train, n, dimensions, metric, params }) {
  if (!SPACE[metric]) throw new Error(`hnswlib has no ${metric} space`);
  const index = new HierarchicalNSW(SPACE[metric], dimensions);
  index.initIndex(n, params.M, params.efConstruction, 100);
  const row = new Array(dimensions);
  for (let i = 0; i < n; i++) {
    const off = i * dimensions;
    for (let j = 0; j < dimensions; j++) row[j] = train[off + j];
    index.addPoint(row, i);
  }
  return { index };
}

export function save(h, path) {
  h.index.writeIndexSync(path);
}

export function prepareQueries(queries, nq, d) {
  return Array.from({ length: nq }, (_, q) => Array.from(queries.subarray(q * d, (q + 1) * d)));
}

export function configure(h, params) {
  h.index.setEf(params.ef);
}

export function search(h, prepared, nq, k, params, out) {
  for (let q = 0; q < nq; q++) {
    const { neighbors } = h.index.searchKnn(prepared[q], k);
    const base = q * k;
    for (let i = 0; i < k; i++) out[base + i] = i < neighbors.length ? neighbors[i] : -1;
  }
}

export function free() {}
