// Every item's nearest other items on a graph index, from neighbourhood joins over the stored graph
// (assembly/search-all.ts). The rounds run in chunks of centres: a chunk's pairs are generated against the lists as
// the chunk found them, then offered to the lists; a list keeps the best keys offered, whatever their order, so the
// rows are the same for any number of threads (IndexPool.searchAll splits each chunk across its workers).
import type { IndexImage } from './image.js';

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

export type Progress = (p: { done: number; total: number }) => void;
export interface Rows { ids: Uint32Array; distances: Float32Array; counts: Uint32Array }

/** How to run one chunk of centres [first, last) of a round: generate its pairs, then offer them to every list. */
export type ChunkRunner = (round: number, first: number, last: number) => void | Promise<void>;

/** Sets up the join state for `threads` update buffers in the image's scratch; its address and the items taking part. */
export function beginJoin(image: IndexImage, width: number, threads: number): { scratch: number; items: number; chunk: number } {
  const x = image.core.exports, base = image.core.base;
  const scratch = image.scratch(Number(x.searchAllScratchBytes(base, width, threads)), `searchAll's lists (ef ${width})`);
  const items = x.searchAllBegin(base, scratch, width, threads, image.removed.count > 0 ? image.removed.at : 0) >>> 0;
  return { scratch, items, chunk: x.searchAllChunk() >>> 0 };
}

/** The rounds (sync: one thread). */
export function joinSync(image: IndexImage, k: number, width: number, items: number, chunk: number, run: ChunkRunner, progress: (done: number) => void, rounds = SEARCH_ALL_ROUNDS, delta = SEARCH_ALL_DELTA): void {
  const x = image.core.exports;
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && x.searchAllPrepare(round) === 0) break;
    for (let c = 0; c < items; c += chunk) {
      run(round, c, Math.min(items, c + chunk));
      progress((round * items + Math.min(items, c + chunk)) / (rounds * items));
    }
    if (x.searchAllFresh(k) < delta * items * Math.min(k, width)) break;
  }
}

/** The rounds (async: a pool's chunks). */
export async function joinAsync(image: IndexImage, k: number, width: number, items: number, chunk: number, run: ChunkRunner, progress: (done: number) => void, rounds = SEARCH_ALL_ROUNDS, delta = SEARCH_ALL_DELTA): Promise<void> {
  const x = image.core.exports;
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && x.searchAllPrepare(round) === 0) break;
    for (let c = 0; c < items; c += chunk) {
      await run(round, c, Math.min(items, c + chunk));
      progress((round * items + Math.min(items, c + chunk)) / (rounds * items));
    }
    if (x.searchAllFresh(k) < delta * items * Math.min(k, width)) break;
  }
}

/**
 * The rows from the finished lists: row i holds item i's best min(k, ef) other items. A row shorter than the
 * items allow (an item the joins reached too few others of) is completed by `topUp` (an exact scan of every item).
 */
export function rowsOf(image: IndexImage, k: number, items: number, topUp: (id: number, ask: number) => { ids: Uint32Array; distances: Float32Array }): Rows {
  const { size } = image.header;
  const x = image.core.exports, base = image.core.base, v = image.view;
  const ids = new Uint32Array(size * k).fill(0xFFFFFFFF);
  const distances = new Float32Array(size * k).fill(NaN);
  const counts = new Uint32Array(size);
  const want = Math.min(k, items - 1);
  for (let i = 0; i < size; i++) {
    if (!image.isPresent(i) || image.isRemoved(i)) continue;
    let n = x.searchAllRow(base, i, k, v.outIds << 2, v.outDistances << 2) >>> 0;
    if (n < want) {
      const r = topUp(i, want + 1);
      let c = 0;
      for (let j = 0; j < r.ids.length && c < want; j++) {
        if (r.ids[j] === i) continue;
        ids[i * k + c] = r.ids[j];
        distances[i * k + c] = r.distances[j];
        c++;
      }
      counts[i] = c;
      continue;
    }
    ids.set(v.u32.subarray(v.outIds, v.outIds + n), i * k);
    distances.set(v.f32.subarray(v.outDistances, v.outDistances + n), i * k);
    counts[i] = n;
    n = 0;
  }
  return { ids, distances, counts };
}
