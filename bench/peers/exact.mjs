// Exact brute force in JavaScript (float64 accumulation, bench/datasets.mjs's bruteForceTopK), one thread: the
// scale against which the approximate libraries are worth having. It is slow, so it answers the first 100 queries.
import { bruteForceTopK } from '../datasets.mjs';

export const name = 'exact';
export const kind = 'exact';
export const maxQueries = 100;

export async function load() {
  return { version: '', notes: `JS brute force (f64), one thread, the first ${maxQueries} queries` };
}

export function build({ train, n, dimensions, metric }) {
  return { train: train.subarray(0, n * dimensions), dimensions, metric };
}

export const save = null;
export const prepareQueries = (queries) => queries;

export function search(h, queries, nq, k, params, out) {
  const r = bruteForceTopK(h.train, queries.subarray(0, nq * h.dimensions), h.dimensions, h.metric, k);
  for (let i = 0; i < nq * k; i++) out[i] = r.ids[i] === 0xffffffff ? -1 : r.ids[i];
}

export function free() {}
