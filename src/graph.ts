// The neighbour graph option: checks IndexBuilder's `graph`, and builds the graph section of a finished forest
// (assembly/graph-build.ts: NN-descent seeded by the forest's leaves, diversified lists with reverse edges).
import { AnnoyError, show } from './errors.js';
import { MAX_GRAPH_DEGREE } from './format/layout.js';
import type { Core } from './runtime/wasm.js';

/** IndexBuilder's `graph` option: true, or the most neighbours each item keeps. */
export type GraphOption = boolean | { degree?: number };

/** Neighbours per item when `graph: true`: HNSW's level-0 degree at M 16. */
export const DEFAULT_GRAPH_DEGREE = 32;
/** Trees a graph index builds when `trees` is not given: they seed the graph and give each query its start. */
export const GRAPH_DEFAULT_TREES = 8;
/** Default ef (SearchOptions.ef) on a graph index: max(k, this). */
export const DEFAULT_EF = 64;
/** Default searchK on a graph index: the tree candidates a walk starts from. */
export const GRAPH_SEARCH_K = 8;

/** The degree the option asks for (0: no graph). */
export function checkGraph(graph: unknown): number {
  if (graph === undefined || graph === false) return 0;
  if (graph === true) return DEFAULT_GRAPH_DEGREE;
  if (graph === null || typeof graph !== 'object' || Array.isArray(graph)) {
    throw new AnnoyError('INVALID_ARGUMENT', `graph ${show(graph)} is not true, false or { degree }`);
  }
  const unknown = Object.keys(graph).filter((key) => key !== 'degree');
  if (unknown.length > 0) throw new AnnoyError('INVALID_ARGUMENT', `graph has an unknown option ${show(unknown[0])} (known: degree)`);
  const { degree = DEFAULT_GRAPH_DEGREE } = graph as { degree?: unknown };
  if (typeof degree !== 'number' || !Number.isInteger(degree) || degree < 2 || degree > MAX_GRAPH_DEGREE) {
    throw new AnnoyError('INVALID_ARGUMENT', `graph degree ${show(degree)} is not an integer in [2, ${MAX_GRAPH_DEGREE}]`);
  }
  return degree;
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/**
 * Builds the graph section of the file at core.base (header written, trees in place, graph section zeroed), with
 * scratch memory from `from` on. Deterministic: the same items, options and seed give the same graph.
 */
export function buildGraphSection(core: Core, from: number): void {
  const scratch = align64(from);
  core.ensure(scratch + (core.exports.buildScratchBytesForGraph(core.base) >>> 0), 'the graph build');
  core.exports.buildGraph(core.base, scratch);
}
