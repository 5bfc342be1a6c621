// Every item's nearest other items on a graph index: from the nearest neighbours the build stored
// (assembly/nearest.ts) when they are enough, else from neighbourhood joins over the stored graph
// (assembly/search-all.ts). The joins' rounds run in chunks of centres: a chunk's pairs are generated against the
// lists as the chunk found them, then offered to the lists; a list keeps the best keys offered, whatever their
// order, so the rows are the same for any number of threads. Every step but the stop rule splits into parts by range
// (centres for generate, destination lists for the others): IndexPool.searchAll runs one part per worker.
import type { IndexImage } from './image.js';
import { nearestCountOf } from '../format/layout.js';

/**
 * Whether searchAll's rows come from the file's stored nearest neighbours: the file has them (every graph build
 * writes NEAREST_STORED per item), k is at most that, and no ef asks for a search.
 */
export function answersFromStored(image: IndexImage, k: number, ef: number | undefined): boolean {
  return ef === undefined && k <= nearestCountOf(image.header);
}

/** The stored rows' area (ids, distances, counts for every slot) in the image's scratch. */
export function beginStored(image: IndexImage, k: number): number {
  const size = image.header.size;
  return image.scratch(size * k * 8 + size * 4, `searchAll's rows (k ${k})`);
}

/** The joins stop after a round in which fewer than this share of the rows' entries (each list's first k) came in. */
export const SEARCH_ALL_DELTA = 0.01;
/** Rounds at most: the graph join, then NN-descent rounds. */
export const SEARCH_ALL_ROUNDS = 16;

/**
 * searchAll's ef on a graph index: how many best candidates each row keeps while the joins refine it (default
 * max(k, SEARCH_ALL_DEFAULT_EF)). Wider than SEARCH_ALL_MAX_EF: undefined, and each row is a walk with that ef.
 */
export const SEARCH_ALL_MAX_EF = 256;
export function searchAllWidth(k: number, ef: number | undefined): number | undefined {
  const w = ef ?? Math.max(k, SEARCH_ALL_DEFAULT_EF);
  return w > SEARCH_ALL_MAX_EF ? undefined : w;
}
/** searchAll's default ef (at least k). */
export const SEARCH_ALL_DEFAULT_EF = 12;

export interface Rows { ids: Uint32Array; distances: Float32Array; counts: Uint32Array }

/** The join state in an image's scratch: its address, the items taking part (positions 0..items-1), the chunk size. */
export interface Join { scratch: number; items: number; chunk: number; k: number; width: number }

/**
 * One step of the joins over a range, on some thread: generate (centres [lo, hi) of round, into update buffer
 * `part`), apply, prepare (returns the new entries of its lists), settle, rows (positions [lo, hi)).
 */
export type Step =
  | { step: 'generate'; round: number; lo: number; hi: number; part: number }
  | { step: 'apply' | 'settle' | 'rows'; lo: number; hi: number }
  | { step: 'prepare'; round: number; lo: number; hi: number }
  | { step: 'stored'; rows: number; k: number; hidden: number; lo: number; hi: number };

/** Sets up the join state for `threads` update buffers in the image's scratch. */
export function beginJoin(image: IndexImage, k: number, width: number, threads: number): Join {
  const x = image.core.exports, base = image.core.base;
  const scratch = image.scratch(Number(x.searchAllScratchBytes(base, width, threads, k)), `searchAll's lists (ef ${width})`);
  const items = x.searchAllBegin(base, scratch, width, threads, image.removed.count > 0 ? image.removed.at : 0, k) >>> 0;
  return { scratch, items, chunk: x.searchAllChunk() >>> 0, k, width };
}

/** Runs one step on this thread (the state must be attached: begin did, or searchAllAttach). */
export function runStep(x: { searchAllGenerate: Function; searchAllApply: Function; searchAllPrepare: Function; searchAllSettle: Function; searchAllRows: Function; searchAllStored: Function }, base: number, slot: number, s: Step): number {
  switch (s.step) {
    case 'stored': x.searchAllStored(base, slot, s.rows, s.k, s.hidden, s.lo, s.hi); return 0;
    case 'generate': return x.searchAllGenerate(s.round, s.lo, s.hi, s.part) >>> 0;
    case 'apply': x.searchAllApply(s.lo, s.hi); return 0;
    case 'prepare': return x.searchAllPrepare(s.round, s.lo, s.hi) >>> 0;
    case 'settle': x.searchAllSettle(s.lo, s.hi); return 0;
    default: x.searchAllRows(base, slot, s.lo, s.hi); return 0;
  }
}

/** [lo, hi) split into `parts` ranges; part p's. */
function partOf(lo: number, hi: number, p: number, parts: number): [number, number] {
  return [lo + Math.floor(((hi - lo) * p) / parts), lo + Math.floor(((hi - lo) * (p + 1)) / parts)];
}

/**
 * The whole run as a sequence of phases, each a list of steps that may run at once (one per part); a phase's
 * results (prepare's counts) come back summed. Written once for the sync and the async driver.
 */
function* phases(image: IndexImage, j: Join, parts: number): Generator<{ steps: Step[]; done: number }, void, number> {
  const x = image.core.exports, { items, chunk, k, width } = j;
  const split = (lo: number, hi: number, make: (lo: number, hi: number, p: number) => Step) =>
    Array.from({ length: parts }, (_, p) => partOf(lo, hi, p, parts)).map(([a, b], p) => make(a, b, p)).filter((s) => s.hi > s.lo);
  for (let round = 0; round < SEARCH_ALL_ROUNDS; round++) {
    if (round > 0) {
      const fresh = yield { steps: split(0, items, (lo, hi) => ({ step: 'prepare', round, lo, hi })), done: round / (SEARCH_ALL_ROUNDS + 1) };
      if (fresh === 0) break;
      yield { steps: split(0, items, (lo, hi) => ({ step: 'settle', lo, hi })), done: round / (SEARCH_ALL_ROUNDS + 1) };
    }
    for (let c = 0; c < items; c += chunk) {
      const end = Math.min(items, c + chunk);
      yield { steps: split(c, end, (lo, hi, part) => ({ step: 'generate', round, lo, hi, part })), done: (round + end / items) / (SEARCH_ALL_ROUNDS + 1) };
      yield { steps: split(0, items, (lo, hi) => ({ step: 'apply', lo, hi })), done: (round + end / items) / (SEARCH_ALL_ROUNDS + 1) };
    }
    if (x.searchAllFresh(k) < SEARCH_ALL_DELTA * items * Math.min(k, width)) break;
  }
  yield { steps: split(0, items, (lo, hi) => ({ step: 'rows', lo, hi })), done: SEARCH_ALL_ROUNDS / (SEARCH_ALL_ROUNDS + 1) };
}

/** The joins and the rows on this thread. */
export function joinSync(image: IndexImage, j: Join, progress: (done: number) => void): void {
  const x = image.core.exports, base = image.core.base, slot = image.slot(0);
  const run = phases(image, j, 1);
  let sum = 0;
  for (let r = run.next(sum); !r.done; r = run.next(sum)) {
    sum = 0;
    for (const s of r.value.steps) sum += runStep(x, base, slot, s);
    progress(r.value.done);
  }
}

/** The joins and the rows, each phase's steps run at once by `run` (a pool's workers: part p on worker p). */
export async function joinAsync(image: IndexImage, j: Join, parts: number, run: (s: Step, part: number) => Promise<number>, progress: (done: number) => void): Promise<void> {
  const steps = phases(image, j, parts);
  let sum = 0;
  for (let r = steps.next(sum); !r.done; r = steps.next(sum)) {
    sum = (await Promise.all(r.value.steps.map((s, p) => run(s, p)))).reduce((a, b) => a + b, 0);
    progress(r.value.done);
  }
}

/** The stored-rows steps over [0, size): `parts` ranges of ids (assembly/nearest.ts searchAllStored). */
export function storedSteps(image: IndexImage, rows: number, k: number, parts: number): Step[] {
  const size = image.header.size, hidden = image.removed.count > 0 ? image.removed.at : 0;
  return Array.from({ length: parts }, (_, p) => partOf(0, size, p, parts)).filter(([lo, hi]) => hi > lo)
    .map(([lo, hi]) => ({ step: 'stored', rows, k, hidden, lo, hi }));
}

/**
 * The rows the stored steps wrote at `at`. A row the removals left shorter than the items allow (its stored
 * neighbours removed) is answered again by `walk` (a graph walk from the item, for those items only).
 */
export function storedRowsOf(image: IndexImage, at: number, k: number, walk: (id: number) => { ids: Uint32Array; distances: Float32Array; counts: Uint32Array }): Rows {
  const size = image.header.size, v = image.view;
  const ids = v.u32.slice(at >>> 2, (at >>> 2) + size * k);
  const distances = v.f32.slice((at >>> 2) + size * k, (at >>> 2) + 2 * size * k);
  const counts = v.u32.slice((at >>> 2) + 2 * size * k, (at >>> 2) + 2 * size * k + size);
  const want = Math.min(k, image.header.count - image.removed.count - 1);
  for (let i = 0; i < size; i++) {
    const n = counts[i];
    if (n < k) { ids.fill(0xFFFFFFFF, i * k + n, (i + 1) * k); distances.fill(NaN, i * k + n, (i + 1) * k); }
    if (n >= want || !image.isPresent(i) || image.isRemoved(i)) continue;
    const r = walk(i);
    ids.set(r.ids, i * k);
    distances.set(r.distances, i * k);
    counts[i] = r.counts[0];
  }
  return { ids, distances, counts };
}

/**
 * The rows, from the rows area the last phase filled: row i holds item i's best min(k, ef) other items. A row
 * shorter than the items allow (an item the joins reached too few others of) is completed by `topUp` (an exact
 * scan of every item).
 */
export function rowsOf(image: IndexImage, j: Join, topUp: (id: number, ask: number) => { ids: Uint32Array; distances: Float32Array }): Rows {
  const { size } = image.header, { k, items } = j;
  const at = image.core.exports.searchAllRowsAt() >>> 0, v = image.view;
  const ids = v.u32.slice(at >>> 2, (at >>> 2) + size * k);
  const distances = v.f32.slice((at >>> 2) + size * k, (at >>> 2) + 2 * size * k);
  const counts = v.u32.slice((at >>> 2) + 2 * size * k, (at >>> 2) + 2 * size * k + size);
  const want = Math.min(k, items - 1);
  for (let i = 0; i < size; i++) {
    // the area holds rows for the items taking part only (it is the candidates' room before)
    const n = image.isPresent(i) && !image.isRemoved(i) ? counts[i] : (counts[i] = 0);
    if (n < k) { ids.fill(0xFFFFFFFF, i * k + n, (i + 1) * k); distances.fill(NaN, i * k + n, (i + 1) * k); }
    if (n >= want || !image.isPresent(i) || image.isRemoved(i)) continue;
    const r = topUp(i, want + 1);
    let c = 0;
    for (let t = 0; t < r.ids.length && c < want; t++) {
      if (r.ids[t] === i) continue;
      ids[i * k + c] = r.ids[t];
      distances[i * k + c] = r.distances[t];
      c++;
    }
    counts[i] = c;
  }
  return { ids, distances, counts };
}
