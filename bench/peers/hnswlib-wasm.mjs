// hnswlib-wasm (hnswlib compiled by Emscripten for browsers). In Node it needs `globalThis.window = globalThis` and a
// direct import of dist/hnswlib.js. It saves only through Emscripten's IDBFS (IndexedDB), which Node lacks, so no
// file size is measured (its format is hnswlib's: the file would be hnswlib-node's size).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const req = createRequire(new URL('../package.json', import.meta.url));
const SPACE = { angular: 'cosine', euclidean: 'l2', dot: 'ip' };

export const name = 'hnswlib-wasm';
export const kind = 'hnsw';

let lib;
export async function load() {
  const pkgJson = req.resolve('hnswlib-wasm/package.json');
  const version = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
  globalThis.window ??= globalThis;
  const mod = await import(pathToFileURL(join(dirname(pkgJson), 'dist', 'hnswlib.js')).href);
  lib = await mod.loadHnswlib();
  return { version, notes: 'hnswlib via Emscripten, addPoint(Float32Array)/searchKnn; no save in Node (IDBFS only)' };
}

export function build({ train, n, dimensions, metric, params }) {
  if (!SPACE[metric]) throw new Error(`hnswlib has no ${metric} space`);
  const index = new lib.HierarchicalNSW(SPACE[metric], dimensions, '');
  index.initIndex(n, params.M, params.efConstruction, 100);
  for (let i = 0; i < n; i++) index.addPoint(train.subarray(i * dimensions, (i + 1) * dimensions), i, false);
  return { index };
}

export const save = null; // IDBFS only

export function prepareQueries(queries, nq, d) {
  return Array.from({ length: nq }, (_, q) => queries.slice(q * d, (q + 1) * d));
}

export function configure(h, params) {
  h.index.setEfSearch(params.ef);
}

export function search(h, prepared, nq, k, params, out) {
  for (let q = 0; q < nq; q++) {
    const { neighbors } = h.index.searchKnn(prepared[q], k, undefined);
    const base = q * k;
    for (let i = 0; i < k; i++) out[base + i] = i < neighbors.length ? neighbors[i] : -1;
  }
}

export function free(h) {
  h.index.delete?.();
}
