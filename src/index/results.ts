// What a query returns, and the query surface every kind of index shares (Index, ShardedIndex, IndexPool): the
// same names, options and result shapes, synchronous or as promises.
import type { Metric } from '../metric.js';
import type { Vector } from '../checks.js';
import type { IdFilter, FilterSpec } from '../filter/id-filter.js';

export interface SearchOptions {
  /**
   * Candidates to collect before the exact re-rank (Annoy's search_k). Default k * trees; -1 means the default.
   * On a graph index: the tree candidates the walk starts from (default 8).
   */
  searchK?: number;
  /**
   * Graph indexes only (IndexBuilder's graph option): how many best candidates the walk keeps (HNSW's ef). Larger
   * finds more of the true neighbours and is slower. Default max(k, 64); at least k.
   */
  ef?: number;
  /**
   * Indexes built with screening ('int8' or 'pca') first rank the candidates by their codes; this many of the best
   * then get the exact distance (default: the larger of max(50, 5 * k) and a share of the query's distinct
   * candidates, one in 8 for pca and one in 64 for int8, so that screening caps no recall as searchK grows; -1: all
   * of them). Results always carry exact distances.
   */
  rerank?: number;
  /**
   * Only the ids this filter allows (createFilter of the same index): the k nearest allowed items, as an unfiltered
   * search ranks them; searchK counts allowed candidates.
   */
  filter?: IdFilter;
}

/** Progress of searchAll: rows done of all rows. */
export interface SearchAllProgress { done: number; total: number }
export interface SearchAllOptions extends SearchOptions {
  /**
   * On a graph index. Unset, with k at most the neighbours the build stored per item (10; `annoy-wasm info` shows
   * them): each row is the build's stored list (less removed items, distances recomputed exactly). Set, or k
   * larger: the rows come from joins over the graph, each row keeping `ef` candidates (default max(k, 12)); above
   * 256, each row is a walk with that ef.
   */
  ef?: number;
  /** Called every 1,024 rows and at the end. */
  onProgress?: (progress: SearchAllProgress) => void;
}

export interface SearchResult {
  ids: Uint32Array;
  distances: Float32Array;
  /** The hits' string keys, beside ids, when the index has keys (IndexBuilder's keys: true). */
  keys?: string[];
}

/** The id that fills a batch row's unused slots (their distance is NaN). */
export const NO_ID = 0xFFFFFFFF;

/**
 * The answers to a batch of queries, as flat rows of `k`: row i's hits are ids[i*k .. i*k + counts[i]], best
 * first; the rest of the row holds id 0xFFFFFFFF and distance NaN. `row(i)` hands out row i's hits as views.
 */
export class BatchResult implements SearchResult {
  readonly ids: Uint32Array;
  readonly distances: Float32Array;
  readonly counts: Uint32Array;
  /** Slots per row: the k asked for. */
  readonly k: number;
  /** With string keys: each slot's key ('' for unused slots). */
  keys?: string[];

  constructor(ids: Uint32Array, distances: Float32Array, counts: Uint32Array, k: number) {
    this.ids = ids;
    this.distances = distances;
    this.counts = counts;
    this.k = k;
  }

  /** Room for `rows` rows of `k`, every slot unused. */
  static empty(rows: number, k: number): BatchResult {
    return new BatchResult(new Uint32Array(rows * k).fill(NO_ID), new Float32Array(rows * k).fill(NaN), new Uint32Array(rows), k);
  }

  get rows(): number { return this.counts.length; }

  /** Row i's hits (views into this result, not copies). */
  row(i: number): SearchResult {
    if (!Number.isInteger(i) || i < 0 || i >= this.counts.length) throw new RangeError(`row ${i} is not in [0, ${this.counts.length})`);
    const at = i * this.k, n = this.counts[i];
    const row: SearchResult = { ids: this.ids.subarray(at, at + n), distances: this.distances.subarray(at, at + n) };
    if (this.keys) row.keys = this.keys.slice(at, at + n);
    return row;
  }

  /** Writes `hit` as row i. */
  setRow(i: number, hit: SearchResult): void {
    this.ids.set(hit.ids, i * this.k);
    this.distances.set(hit.distances, i * this.k);
    this.counts[i] = hit.ids.length;
  }
}

/** A value, or its promise (IndexPool answers on worker threads). */
export type Answer<T, Async extends boolean> = Async extends true ? Promise<T> : T;

/** The query surface of Index, ShardedIndex (synchronous) and IndexPool (asynchronous). */
export interface Searchable<Async extends boolean = false> {
  readonly dimensions: number;
  readonly metric: Metric;
  /** Max id + 1 (ids never added are holes). */
  readonly size: number;
  /** Ids actually added. */
  readonly count: number;
  search(vector: Vector, k: number, options?: SearchOptions): Answer<SearchResult, Async>;
  searchItem(id: number | string, k: number, options?: SearchOptions): Answer<SearchResult, Async>;
  searchBatch(flat: Float32Array | ArrayLike<number>, k: number, options?: SearchOptions): Answer<BatchResult, Async>;
  getItem(id: number): Float32Array;
  distance(i: number, j: number): number;
  createFilter(spec: FilterSpec): Answer<IdFilter, Async>;
}
