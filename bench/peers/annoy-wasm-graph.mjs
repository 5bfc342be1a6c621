// annoy-wasm with its neighbour graph (IndexBuilder { graph: { degree } }): 8 trees seed the graph and start each
// query's walk; ef is swept at query time. Index.searchBatch, one thread.
import { readFileSync } from 'node:fs';

let lib;
export const name = 'annoy-wasm-graph';
export const kind = 'graph';

export async function load() {
  lib = await import('../../dist/esm/index.js');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return { version: pkg.version, notes: 'this library (dist/esm), IndexBuilder { graph: { degree } } (compact trees, the default with a graph), Index.searchBatch({ ef }), wasm SIMD' };
}

export function build({ train, dimensions, metric, params }) {
  const t0 = performance.now();
  const builder = new lib.IndexBuilder({ dimensions, metric, seed: 42, graph: { degree: params.degree } });
  builder.addBatch(train);
  const t1 = performance.now();
  const index = builder.build();
  return { index, addSeconds: (t1 - t0) / 1000 };
}

export function save(h, path) {
  h.index.saveSync(path);
}

export const prepareQueries = (queries) => queries;

export function search(h, queries, nq, k, params, out) {
  const r = h.index.searchBatch(queries.subarray(0, nq * h.index.dimensions), k, { ef: Math.max(k, params.ef) });
  for (let q = 0; q < nq; q++) {
    const c = r.counts[q];
    for (let i = 0; i < k; i++) out[q * k + i] = i < c ? r.ids[q * k + i] : -1;
  }
}

export function free(h) {
  h.index.free();
}
