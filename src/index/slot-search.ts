// The query loop over one scratch slot, written once for this thread (IndexImage) and for worker threads
// (runtime/worker.ts). A worker runs from its own source text, so these functions are self-contained: no imports,
// no closures; the worker's source is built from theirs.

/** One scratch slot of one index, as the query loop sees it. */
export interface SlotView {
  /** The core's search export, bound to nothing: called as search(base, slot, fromItem, k, searchK, rerank, ef, allow, hidden). */
  search(file: number, slot: number, fromItem: number, k: number, searchK: number, rerank: number, ef: number, allow: number, hidden: number): number;
  /** The core's exact scan of a filter's allowed ids (assembly/scan.ts). */
  scan(file: number, slot: number, fromItem: number, k: number, allow: number, hidden: number): number;
  base: number;
  slot: number;
  f32: Float32Array;
  u32: Uint32Array;
  /** f32/u32 element indices of the slot's parts. */
  queryIn: number;
  outIds: number;
  outDistances: number;
}

/**
 * Which ids a query may return: `allow`, the address of a filter's bitmap (0: every id), `hidden`, the removed ids'
 * bitmap (0: none removed), and `scan`, whether to answer by an exact scan of the allowed ids (src/filter/).
 */
export type Mask = { allow: number; hidden: number; scan: boolean };

/** The slot parts a view needs, by their numbers in assembly/layout.ts (SLOT in format/constants.ts). */
export interface SlotParts { QUERY_IN: number; OUT_IDS: number; OUT_DISTANCES: number }

/** A view of slot `slot` of the index at `base` in `memory`, searched by core exports `x`. */
export function slotView(
  x: { search: SlotView['search']; scan: SlotView['scan']; slotOffset(file: number, part: number): number },
  memory: WebAssembly.Memory, base: number, slot: number, parts: SlotParts,
): SlotView {
  const part = (p: number) => (slot + (x.slotOffset(base, p) >>> 0)) >>> 2;
  return {
    search: x.search, scan: x.scan, base, slot, f32: new Float32Array(memory.buffer), u32: new Uint32Array(memory.buffer),
    queryIn: part(parts.QUERY_IN), outIds: part(parts.OUT_IDS), outDistances: part(parts.OUT_DISTANCES),
  };
}

/** One query: `query` (copied into the slot) or, when null, item `item`; k no larger than the index holds. */
export function searchOne(s: SlotView, query: ArrayLike<number> | null, item: number, k: number, searchK: number, rerank: number, ef: number, mask?: Mask): { ids: Uint32Array; distances: Float32Array } {
  if (query !== null) s.f32.set(query, s.queryIn);
  const from = query !== null ? -1 : item;
  const n = (mask?.scan ? s.scan(s.base, s.slot, from, k, mask.allow, mask.hidden)
    : s.search(s.base, s.slot, from, k, searchK, rerank, ef, mask?.allow ?? 0, mask?.hidden ?? 0)) >>> 0;
  return { ids: s.u32.slice(s.outIds, s.outIds + n), distances: s.f32.slice(s.outDistances, s.outDistances + n) };
}

/**
 * Every row of a flat batch (rows * dims values), into rows of `k` slots (unused: id 0xFFFFFFFF, distance NaN);
 * `kEffective` hits are asked of each (k, or fewer when the index holds fewer items).
 */
export function searchRows(s: SlotView, queries: ArrayLike<number>, dims: number, rows: number, k: number, kEffective: number, searchK: number, rerank: number, ef: number, mask?: Mask): { ids: Uint32Array; distances: Float32Array; counts: Uint32Array } {
  const ids = new Uint32Array(rows * k).fill(0xFFFFFFFF);
  const distances = new Float32Array(rows * k).fill(NaN);
  const counts = new Uint32Array(rows);
  const typed = queries instanceof Float32Array;
  for (let r = 0; r < rows; r++) {
    if (typed) s.f32.set((queries as Float32Array).subarray(r * dims, (r + 1) * dims), s.queryIn);
    else for (let j = 0; j < dims; j++) s.f32[s.queryIn + j] = queries[r * dims + j];
    const n = (mask?.scan ? s.scan(s.base, s.slot, -1, kEffective, mask.allow, mask.hidden)
      : s.search(s.base, s.slot, -1, kEffective, searchK, rerank, ef, mask?.allow ?? 0, mask?.hidden ?? 0)) >>> 0;
    ids.set(s.u32.subarray(s.outIds, s.outIds + n), r * k);
    distances.set(s.f32.subarray(s.outDistances, s.outDistances + n), r * k);
    counts[r] = n;
  }
  return { ids, distances, counts };
}

/**
 * Rows lo..hi-1 of searchAll by one search per item (an index without a graph, or a searchAll too wide for the
 * joins): row i - lo is item i's k nearest other items; a hole's or a removed item's row is empty. `present` and
 * `hidden` are the word indices (u32) of the present and removed bitmaps (hidden 0: none removed); `ask` is k + 1
 * (or fewer when the index holds fewer items).
 */
export function searchItemRows(s: SlotView, lo: number, hi: number, k: number, ask: number, searchK: number, rerank: number, ef: number, present: number, hidden: number): { ids: Uint32Array; distances: Float32Array; counts: Uint32Array } {
  const rows = hi - lo;
  const ids = new Uint32Array(rows * k).fill(0xFFFFFFFF);
  const distances = new Float32Array(rows * k).fill(NaN);
  const counts = new Uint32Array(rows);
  for (let i = lo; i < hi; i++) {
    if (((s.u32[present + (i >>> 5)] >>> (i & 31)) & 1) === 0) continue;
    if (hidden !== 0 && ((s.u32[hidden + (i >>> 5)] >>> (i & 31)) & 1) === 1) continue;
    const n = s.search(s.base, s.slot, i, ask, searchK, rerank, ef, 0, hidden << 2) >>> 0;
    let c = 0;
    for (let j = 0; j < n && c < k; j++) {
      const id = s.u32[s.outIds + j];
      if (id === i) continue; // the item itself comes back too (first, unless an equal item ties it)
      ids[(i - lo) * k + c] = id;
      distances[(i - lo) * k + c] = s.f32[s.outDistances + j];
      c++;
    }
    counts[i - lo] = c;
  }
  return { ids, distances, counts };
}
