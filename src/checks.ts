// Argument checks at the API boundary: each throws an AnnoyError naming the value and what was expected.
import { DEFAULT_EF, GRAPH_SEARCH_K } from './graph.js';
import { AnnoyError, show } from './errors.js';
import type { Metric } from './metric.js';

/** Ids are Annoy's: integers in [0, 2^31 - 1). */
export const MAX_ID = 2 ** 31 - 2;
const F32_MAX = 3.4028234663852886e38;

export function checkId(id: unknown, what = 'id'): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_ID) {
    throw new AnnoyError('INVALID_ID', `${what} ${show(id)} is not an integer in [0, 2^31 - 1)`);
  }
  return id;
}

export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new AnnoyError('INVALID_ARGUMENT', `k ${show(k)} is not an integer >= 1`);
  }
  return k;
}

export function checkPositiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new AnnoyError('INVALID_ARGUMENT', `${what} ${show(value)} is not an integer >= 1`);
  }
  return value;
}

/** Rejects option keys the function does not know, so a typo is not silently ignored. */
export function checkOptions(options: unknown, known: readonly string[], what: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AnnoyError('INVALID_ARGUMENT', `${what} options ${show(options)} must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new AnnoyError('INVALID_ARGUMENT', `unknown ${what} option ${show(key)}: expected ${known.join(', ')}`);
    }
  }
  return options as Record<string, unknown>;
}

/**
 * Set in the rerank the core takes: the default rule, which grows with the candidates. The low bits are then a floor,
 * and the core re-ranks at least one in RERANK_SHARE of the query's distinct candidates (assembly/search.ts): a
 * fixed count would cap recall as searchK grows, while a share keeps screening's loss small at every searchK.
 */
export const RERANK_GROWS = 0x80000000;

/** How many screened candidates get the exact distance by default (indexes with screening codes), as the core takes it. */
export function defaultRerank(k: number): number {
  return (Math.max(50, 5 * k) | RERANK_GROWS) >>> 0;
}

/**
 * Search options. searchK: undefined or -1 means the default (k * trees; graph indexes: GRAPH_SEARCH_K, the tree
 * candidates a walk starts from); otherwise an integer >= 1. ef (graph indexes only): the candidates the walk
 * keeps, default max(k, DEFAULT_EF), at least k.
 * rerank (indexes with screening codes): candidates that get the exact distance after screening; -1 means all of
 * them (no screening); undefined the default, which grows with the candidates (defaultRerank). Returned as the core
 * takes it: 0 for all.
 */
export function checkSearchOptions(options: unknown, k: number, trees: number, graphDegree = 0): { searchK: number; rerank: number; ef: number } {
  const { searchK, rerank, ef } = checkOptions(options, ['searchK', 'rerank', 'ef', 'filter'], 'search'); // filter: src/filter/
  let sk = graphDegree !== 0 ? GRAPH_SEARCH_K : Math.min(k * Math.max(trees, 1), 0xFFFFFFFF);
  if (searchK !== undefined && searchK !== -1) {
    if (typeof searchK !== 'number' || !Number.isInteger(searchK) || searchK < 1) {
      throw new AnnoyError('INVALID_ARGUMENT', `searchK ${show(searchK)} is not an integer >= 1 (or -1 for k * trees)`);
    }
    sk = Math.min(searchK, 0xFFFFFFFF);
  }
  let rr = defaultRerank(k);
  if (rerank === -1) rr = 0;
  else if (rerank !== undefined) {
    if (typeof rerank !== 'number' || !Number.isInteger(rerank) || rerank < k) {
      throw new AnnoyError('INVALID_ARGUMENT', `rerank ${show(rerank)} is not an integer >= k (${k}), or -1 for every candidate`);
    }
    rr = Math.min(rerank, RERANK_GROWS - 1); // more than any index's candidates; the top bit is the default's
  }
  let e = Math.max(k, DEFAULT_EF);
  if (ef !== undefined) {
    if (graphDegree === 0) throw new AnnoyError('INVALID_ARGUMENT', 'ef applies to indexes built with a graph (IndexBuilder { graph: true }); this one has none: use searchK');
    if (typeof ef !== 'number' || !Number.isInteger(ef) || ef < k) {
      throw new AnnoyError('INVALID_ARGUMENT', `ef ${show(ef)} is not an integer >= k (${k})`);
    }
    e = Math.min(ef, 0xFFFFFFFF);
  }
  return { searchK: sk, rerank: rr, ef: e };
}

export type Vector = Float32Array | ArrayLike<number>;

function isVectorLike(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) || Array.isArray(v) || (v !== null && typeof v === 'object' && typeof (v as { length?: unknown }).length === 'number');
}

/**
 * Checks `count` rows of `dims` values starting at `values[start]`: numbers, finite as float32, and for hamming 0 or 1.
 * `row` names the first row in messages (batches), or is -1 for a single vector.
 */
export function checkValues(values: ArrayLike<number>, start: number, count: number, dims: number, metric: Metric, row: number): void {
  // A Float32Array holds only numbers, and a NaN or an infinity makes the sum of squares fail the test below: a row
  // whose sum passes is good (the common case, one tight loop); any other row is checked value by value for its error.
  const fast = values instanceof Float32Array && metric !== 'hamming';
  for (let r = 0; r < count; r++) {
    let sumSquares = 0;
    const base = start + r * dims;
    if (fast) {
      for (let j = 0; j < dims; j++) { const x = values[base + j]; sumSquares += x * x; }
      if (sumSquares <= F32_MAX) continue;
      sumSquares = 0;
    }
    for (let j = 0; j < dims; j++) {
      const x = values[base + j];
      const where = () => (row < 0 ? `vector[${j}]` : `row ${row + r}, vector[${j}]`);
      if (typeof x !== 'number') {
        throw new AnnoyError('INVALID_ARGUMENT', `${where()} is ${show(x)}, not a number`);
      }
      if (!Number.isFinite(x) || Math.abs(x) > F32_MAX) {
        throw new AnnoyError('NOT_FINITE', `${where()} is ${x}: vectors must hold finite float32 values`);
      }
      if (metric === 'hamming' && x !== 0 && x !== 1) {
        throw new AnnoyError('INVALID_ARGUMENT', `${where()} is ${x}: hamming vectors hold only 0 and 1`);
      }
      sumSquares += x * x;
    }
    if (sumSquares > F32_MAX) {
      const at = row < 0 ? 'vector' : `row ${row + r}`;
      throw new AnnoyError('NOT_FINITE', `${at} is too large: its squared norm ${sumSquares.toExponential(3)} overflows float32`);
    }
  }
}

export function checkVector(vector: unknown, dims: number, metric: Metric): ArrayLike<number> {
  if (!isVectorLike(vector)) {
    throw new AnnoyError('INVALID_ARGUMENT', `vector ${show(vector)} is not a Float32Array or an array of numbers`);
  }
  if (vector.length !== dims) {
    throw new AnnoyError('DIMENSION_MISMATCH', `vector has length ${vector.length}, expected ${dims} (the index's dimensions)`);
  }
  checkValues(vector, 0, 1, dims, metric, -1);
  return vector;
}

/** Batch results are rows * k ids and distances: refuse a k that would make them absurdly large. */
export function checkBatchK(rows: number, k: number): void {
  if (rows * k > 2 ** 28) {
    throw new AnnoyError('INVALID_ARGUMENT', `k ${k} for ${rows} rows asks for ${rows * k} results (at most 2^28 per batch): lower k or split the batch`);
  }
}

/** A flat batch of rows; returns the row count. */
export function checkBatch(flat: unknown, dims: number, metric: Metric): number {
  if (!isVectorLike(flat)) {
    throw new AnnoyError('INVALID_ARGUMENT', `batch ${show(flat)} is not a Float32Array or an array of numbers`);
  }
  if (flat.length % dims !== 0) {
    throw new AnnoyError('DIMENSION_MISMATCH', `batch has length ${flat.length}, which is not a multiple of dimensions ${dims}`);
  }
  const rows = flat.length / dims;
  checkValues(flat, 0, rows, dims, metric, 0);
  return rows;
}
