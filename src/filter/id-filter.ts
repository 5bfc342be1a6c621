// IdFilter: a set of ids a query may return, made once from ids and reused by many queries. It is a bitmap in the
// index's own wasm memory (one bit per id, like the file's present bitmap), so the core tests a candidate with one
// load and nothing is copied per query or per worker thread. A filtered search collects searchK *allowed*
// candidates (assembly/search.ts collect), and a graph walk keeps ef *allowed* best (assembly/graph-search.ts), so a
// filter does not cut recall; a filter that allows few items is answered by an exact scan of them instead (scanPays).
import { AnnoyError, show } from '../errors.js';
import type { IndexImage } from '../index/image.js';
import type { Mask } from '../index/slot-search.js';
import { NO_NEIGHBOUR, SECTION, graphDegreeOf } from '../format/layout.js';

/** What a filter is made from: the ids a query may return, or the ids it must not. */
export type FilterSpec = { allow: Uint32Array | ArrayLike<number> } | { exclude: Uint32Array | ArrayLike<number> };

/**
 * The one rule for both walks: a filtered query is answered by an exact scan of its allowed ids when the scan
 * computes no more distances than SCAN_RATIO times what the walk would cost, counted in distances (walkCost).
 * Measured on glove-100 (bench/filter.mjs, trees and graph): a scanned distance and a walked one cost about the same.
 */
export const SCAN_RATIO = 1;
let scanRatio = SCAN_RATIO;

/**
 * What a filtered walk costs, in exact distances, when `allowed` of the index's ids are allowed (f = allowed / size).
 * Trees: the walk collects searchK allowed candidates, one distance each, and on the way reads about searchK / f leaf
 * entries and a split plane per few of them, which costs about as much again: 2 * searchK. Graph: every item the walk
 * reaches costs a distance, allowed or not (ruled-out ids are its stepping stones), and to settle the ef best
 * *allowed* ones it reaches about 1 / f times the items an unfiltered walk does, ef expansions of a row each:
 * ef * (mean row length) / f.
 */
export function walkCost(image: IndexImage, plan: { searchK: number; ef: number }, allowed: number): number {
  if (graphDegreeOf(image.header) === 0) return 2 * plan.searchK;
  return plan.ef * meanRow(image) * (image.header.size / Math.max(allowed, 1));
}

/** The graph's mean row length (neighbours per item; diversification keeps far fewer than the degree), once per image. */
const meanRows = new WeakMap<IndexImage, number>();
function meanRow(image: IndexImage): number {
  let mean = meanRows.get(image);
  if (mean === undefined) {
    const degree = graphDegreeOf(image.header), { size, count } = image.header;
    const rows = new Uint32Array(image.core.memory.buffer, image.core.base + image.sections.extra[SECTION.GRAPH].offset, size * degree);
    let n = 0;
    for (let i = 0; i < rows.length; i++) if (rows[i] !== NO_NEIGHBOUR) n++;
    mean = n / Math.max(count, 1);
    meanRows.set(image, mean);
  }
  return mean;
}

/** The scan pays when the filter allows few items for what the walk would cost (walkCost, in distances). */
export function scanPays(allowed: number, walk: number): boolean {
  return allowed <= scanRatio * walk;
}

/** @internal Tests and benchmarks: another ratio (0: always walk, Infinity: always scan); returns the old one. */
export function setScanRatio(ratio: number): number {
  const old = scanRatio;
  scanRatio = ratio;
  return old;
}

/** One shard's (or the index's) part of a filter: its bitmap in that image's memory and how many ids it allows. */
export interface FilterPart { image: IndexImage; at: number; allowed: number }

export class IdFilter {
  #parts: FilterPart[] | null;
  /** The facade that made it (Index, ShardedIndex, IndexPool): a filter answers only its queries. */
  readonly #owner: object;

  /** @internal Made by createFilter of Index, ShardedIndex or IndexPool. */
  constructor(owner: object, parts: FilterPart[]) {
    this.#owner = owner;
    this.#parts = parts;
  }

  /** How many ids the filter allows (present ids only: holes are never allowed). */
  get allowed(): number {
    return (this.#parts ?? []).reduce((n, p) => n + p.allowed, 0);
  }

  get freed(): boolean { return this.#parts === null; }

  /** Releases the filter's bitmap; a later search with it throws CLOSED. */
  free(): void {
    if (this.#parts === null) return;
    for (const p of this.#parts) p.image.filters.release(p.at);
    this.#parts = null;
  }

  [Symbol.dispose](): void { this.free(); }

  /**
   * The filter's parts for a query of `owner` over `images` (one per shard): CLOSED when freed, INVALID_ARGUMENT
   * when made by another index, INVALID_STATE when made on an index `owner` no longer serves (a pool reloaded).
   */
  partsFor(owner: object, images: readonly IndexImage[]): FilterPart[] {
    if (this.#parts === null) throw new AnnoyError('CLOSED', 'this filter was freed; make another with createFilter');
    if (this.#owner !== owner) throw new AnnoyError('INVALID_ARGUMENT', 'this filter was made by another index: make one with this index\'s createFilter');
    if (this.#parts.length !== images.length || this.#parts.some((p, i) => p.image !== images[i])) {
      throw new AnnoyError('INVALID_STATE', 'this filter was made on the index this pool served before its reload: its ids may mean other items now; make it again with createFilter');
    }
    return this.#parts;
  }
}

/** The filter option of a query, checked: its parts, or null without one. */
export function filterOf(options: unknown, owner: object, images: readonly IndexImage[]): FilterPart[] | null {
  const filter = (options as { filter?: unknown } | undefined)?.filter;
  if (filter === undefined || filter === null) return null;
  if (!(filter instanceof IdFilter)) throw new AnnoyError('INVALID_ARGUMENT', `filter ${show(filter)} is not an IdFilter (make one with createFilter)`);
  return filter.partsFor(owner, images);
}

/** The core's mask for one image's query (`plan`: its searchK and ef): the filter's part, the removed ids, and whether to scan. */
export function maskOf(image: IndexImage, part: FilterPart | null, plan: { searchK: number; ef: number }): Mask | undefined {
  const hidden = image.removed.count > 0 ? image.removed.at : 0;
  if (part === null) return hidden === 0 ? undefined : { allow: 0, hidden, scan: false };
  return { allow: part.at, hidden, scan: scanPays(part.allowed, walkCost(image, plan, part.allowed)) };
}

/**
 * Reads a filter spec into one bitmap per shard (`shards`: each image and where its ids start), only present ids
 * set. Ids must be integers below the total size (INVALID_ID names the first that is not).
 */
export function bitmapsFor(spec: unknown, shards: readonly { image: IndexImage; idOffset: number }[], size: number): Uint32Array[] {
  if (spec === null || typeof spec !== 'object') throw new AnnoyError('INVALID_ARGUMENT', `createFilter takes { allow: ids } or { exclude: ids }, not ${show(spec)}`);
  const keys = Object.keys(spec).filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
  if (keys.length !== 1 || (keys[0] !== 'allow' && keys[0] !== 'exclude')) {
    throw new AnnoyError('INVALID_ARGUMENT', `createFilter takes exactly one of { allow: ids } or { exclude: ids }, not { ${keys.join(', ')} }`);
  }
  const allow = keys[0] === 'allow';
  const ids = (spec as Record<string, unknown>)[keys[0]] as ArrayLike<number>;
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw new AnnoyError('INVALID_ARGUMENT', `${keys[0]} ${show(ids)} is not a Uint32Array or an array of ids`);
  }
  const maps = shards.map((s) => new Uint32Array(Math.ceil(s.image.header.size / 32)));
  let shard = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= size) {
      throw new AnnoyError('INVALID_ID', `${keys[0]}[${i}] = ${show(id)} is not an id of this index (integers below ${size})`);
    }
    // ids usually come sorted: start from the last shard found
    if (!(id >= shards[shard].idOffset && id < shards[shard].idOffset + shards[shard].image.header.size)) {
      shard = shards.findIndex((s) => id >= s.idOffset && id < s.idOffset + s.image.header.size);
      if (shard < 0) throw new AnnoyError('INVALID_ID', `${keys[0]}[${i}] = ${id} is in no shard`);
    }
    const local = id - shards[shard].idOffset;
    maps[shard][local >>> 5] |= 1 << (local & 31);
  }
  shards.forEach(({ image }, s) => {
    const present = image.presentWords();
    const map = maps[s];
    for (let w = 0; w < map.length; w++) map[w] = (allow ? map[w] : ~map[w]) & present[w];
  });
  return maps;
}

/** Ids set in a bitmap. */
export function popcount(map: Uint32Array): number {
  let n = 0;
  for (let w = 0; w < map.length; w++) {
    let x = map[w] - ((map[w] >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (((x + (x >>> 4)) & 0x0F0F0F0F) * 0x01010101) >>> 24;
  }
  return n;
}

/** Makes a filter of `owner` over `shards` from `spec`: a bitmap in each shard's filter arena. */
export function makeFilter(owner: object, spec: unknown, shards: readonly { image: IndexImage; idOffset: number }[], size: number): IdFilter {
  const maps = bitmapsFor(spec, shards, size);
  const parts: FilterPart[] = [];
  try {
    shards.forEach(({ image }, s) => {
      const at = image.filters.take();
      image.filters.write(at, maps[s]);
      parts.push({ image, at, allowed: popcount(maps[s]) });
    });
  } catch (e) {
    for (const p of parts) p.image.filters.release(p.at);
    throw e;
  }
  return new IdFilter(owner, parts);
}
