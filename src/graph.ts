// The neighbour graph option: checks IndexBuilder's `graph`, and builds the graph section of a finished forest
// (assembly/graph-build.ts: NN-descent seeded by the forest's leaves, diversified lists with reverse edges).
import { AnnoyError, show } from './errors.js';
import { MAX_GRAPH_DEGREE } from './format/layout.js';
import type { Core } from './runtime/wasm.js';
import type { WorkerLike } from './runtime/worker.js';

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
  core.ensure(scratch + (core.exports.buildScratchBytesForGraph(core.base, 1) >>> 0), 'the graph build');
  core.exports.buildGraph(core.base, scratch);
}

/** assembly/graph-build.ts's steps (graphStep). */
export const GRAPH_STEP = { sample: 0, mark: 1, generate: 2, apply: 3, forward: 4, union: 5, seed: 6 } as const;

/**
 * The same graph as buildGraphSection, its steps shared by `workers` (threads on core's shared memory, each with a
 * build instance). Every step's result is the same for any split of its item range (assembly/graph-build.ts), so
 * the bytes equal buildGraphSection's for any number of workers; this thread runs the one-thread steps (topping
 * short seeded lists up, reverse edges, the in-degree repair) and decides when the descent stops.
 */
export async function buildGraphSectionWith(core: Core, from: number, workers: WorkerLike[]): Promise<void> {
  const scratch = align64(from);
  const threads = workers.length;
  core.ensure(scratch + (core.exports.buildScratchBytesForGraph(core.base, threads) >>> 0), 'the graph build');
  const x = core.exports;
  const count = x.graphBegin(core.base, scratch, threads) >>> 0;
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => { fail = reject; });
  failed.catch(() => {}); // observed through the race below
  const onError = (e: unknown) => fail(e);
  const onExit = (code: number) => fail(new AnnoyError('WORKER_FAILED', `a graph build worker exited (code ${code}) before the build finished`));
  for (const w of workers) { w.on('error', onError); w.on('exit', onExit); }
  const ask = (w: WorkerLike, m: object) => new Promise<void>((resolve) => { w.once('message', () => resolve()); w.postMessage(m); });
  // Thread t takes the t-th of `threads` equal parts of [lo, hi) (possibly empty).
  const run = (step: number, round: number, parts: [number, number][]) => Promise.race([failed, Promise.all(workers.map((w, t) => ask(w, {
    id: 0, op: 'graph', step, scratch, round, thread: t, first: parts[t][0], last: parts[t][1],
  })))]);
  const partsOf = (lo: number, hi: number) => workers.map((_, t): [number, number] =>
    [lo + Math.floor(((hi - lo) * t) / threads), lo + Math.floor(((hi - lo) * (t + 1)) / threads)]);
  const split = (step: number, round: number, lo: number, hi: number) => run(step, round, partsOf(lo, hi));
  try {
    const nodes = x.graphSeedNodes() >>> 0, nodeChunk = x.graphSeedChunk() >>> 0;
    for (let c = 0; c < nodes; c += nodeChunk) {
      await split(GRAPH_STEP.seed, 0, c, Math.min(nodes, c + nodeChunk));
      await split(GRAPH_STEP.apply, 0, 0, count);
    }
    x.graphTopUp();
    for (let round = 0; ; round++) {
      await split(GRAPH_STEP.sample, round, 0, count);
      await split(GRAPH_STEP.mark, round, 0, count);
      // each thread joins the centres of its own part, as many per step as its update buffer holds (the cut
      // changes nothing: graph-build.ts generate), then every thread applies its share of all the updates
      const parts = partsOf(0, count);
      while (parts.some(([at, end]) => at < end)) {
        await run(GRAPH_STEP.generate, round, parts);
        parts.forEach((part, t) => { part[0] = x.graphGenerated(t) >>> 0; });
        await split(GRAPH_STEP.apply, round, 0, count);
      }
      if (x.graphEndRound(round) === 0) break;
    }
    await split(GRAPH_STEP.forward, 0, 0, count);
    x.graphReverse();
    await split(GRAPH_STEP.union, 0, 0, count);
    x.graphInDegree();
  } finally {
    for (const w of workers) { w.off('error', onError); w.off('exit', onExit); }
  }
}
