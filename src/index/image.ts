// IndexImage: one index in wasm memory, the single owner of its core, its bytes and its scratch slots. The file
// sits at core.base and its header there is the only header (read from memory, never kept in step by hand); the
// screening codes follow it; then one scratch slot per thread that will search it. Index, ShardedIndex and
// IndexPool are facades over images; the loaders (src/load/) and the builder make them.
import { graphDegreeOf } from '../format/layout.js';
import { AnnoyError } from '../errors.js';
import { HEADER_BYTES, SLOT, checkHeader, sectionsFor, type Header, type Sections } from '../format/layout.js';
import { Core, slotBytesOf } from '../runtime/wasm.js';
import { searchOne, searchRows, searchItemRows, slotView, type Mask, type SlotView } from './slot-search.js';
import { FilterArena } from '../filter/arena.js';
import { loadRemovals } from './removals.js';
import { KeyTable } from '../keys/key-table.js';
import { SECTION } from '../format/layout.js';
import type { SearchResult } from './results.js';
import { beginJoin, beginStored, joinSync, rowsOf, runStep, storedRowsOf, storedSteps } from './search-all.js';

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** How a load lays out memory: shared (for worker threads) or private, and how many scratch slots follow. */
export interface MemoryPlan { shared: boolean; slots: number }
export const PRIVATE: MemoryPlan = { shared: false, slots: 1 };

/** A query plan: candidates to collect and how many of them get the exact distance (checks.ts). */
export interface QueryPlan { searchK: number; rerank: number; ef: number }

export class IndexImage {
  readonly core: Core;
  readonly header: Readonly<Header>;
  readonly sections: Sections;
  /** Scratch slots after the image; slot 0 is this thread's, 1.. belong to a pool's workers. */
  readonly slots: number;
  readonly slotBytes: number;
  readonly #firstSlot: number;
  #view: SlotView;
  /** The removed ids (tombstones): a bitmap after the screening codes, and how many are set. */
  readonly removed: { at: number; count: number };
  /** This index's filters, after its scratch slots. */
  readonly filters: FilterArena;
  /** Its string keys, when it was built with them. */
  readonly keys: KeyTable | null;

  private constructor(core: Core, slots: number) {
    this.core = core;
    const { header, slot, slotBytes, removed } = IndexImage.reserve(core, slots);
    this.header = Object.freeze(header);
    this.sections = sectionsFor(header);
    this.slots = slots;
    this.#firstSlot = slot;
    this.slotBytes = slotBytes;
    this.removed = { at: removed, count: 0 };
    this.keys = this.sections.extra[SECTION.KEYS].bytes > 0 ? new KeyTable(this) : null;
    this.#view = slotView(core.exports, core.memory, core.base, slot, SLOT);
    // Only filters grow the memory after this; a private memory's growth detaches the views.
    this.filters = new FilterArena(core, slot + slots * slotBytes, this.header.size, () => {
      this.#view = slotView(core.exports, core.memory, core.base, slot, SLOT);
    });
  }

  /**
   * The image of a complete, sealed file at core.base (checked by the loader, or just built): reserves its scratch
   * slots, readies them, and computes the screening codes from the vectors, as every load does (codesReady: a build
   * has just written them where they go, from its own projections).
   */
  static open(core: Core, slots: number, codesReady = false): IndexImage {
    const image = new IndexImage(core, slots);
    for (let i = 0; i < slots; i++) image.resetSlot(i);
    image.removedWords().fill(0); // a build's scratch may have been there
    loadRemovals(image);
    if (image.header.codes !== 'none' && !codesReady) core.exports.encodeCodes(core.base, image.slot(0));
    return image;
  }

  /**
   * Where the scratch slots go (after the file and its screening codes) and memory for all of them, reserved at
   * once: an index too big for wasm32 is CAPACITY before anything is copied. The header must be in memory.
   */
  static reserve(core: Core, slots: number): { header: Header; slot: number; slotBytes: number; removed: number } {
    const header = checkHeader(core.bytes.subarray(core.base, core.base + HEADER_BYTES));
    const { fileBytes, memoryBytes } = sectionsFor(header);
    // The removed ids' bitmap (zero until a removal, or a file's removed section, sets bits) sits before the slots.
    const removed = align64(core.base + memoryBytes);
    const slot = align64(removed + Math.ceil(header.size / 32) * 4), slotBytes = slotBytesOf(core);
    const codes = memoryBytes > fileBytes ? ` and ${memoryBytes - fileBytes} bytes of screening codes` : '';
    core.ensure(slot + slots * slotBytes, `this ${fileBytes}-byte index${codes} with ${slots} scratch slots of ${slotBytes} bytes`);
    return { header, slot, slotBytes, removed };
  }

  #scratchAt = 0;

  /**
   * Room for `bytes` of temporary state past everything else this image holds (searchAll's joins): its address.
   * The same place is reused by later calls (memory never shrinks); filters taken since push it further up.
   */
  scratch(bytes: number, what: string): number {
    const at = align64(Math.max(this.#scratchAt, this.filters.reservedEnd, this.slot(this.slots)));
    const before = this.core.memory.buffer;
    this.core.ensure(at + bytes, what);
    if (this.core.memory.buffer !== before) this.#view = slotView(this.core.exports, this.core.memory, this.core.base, this.#firstSlot, SLOT);
    this.#scratchAt = at;
    return at;
  }

  /** Where scratch slot i starts. */
  slot(i: number): number {
    return this.#firstSlot + i * this.slotBytes;
  }

  /**
   * Readies slot i for a query: only its visited bitmap must be zero (everything else is written before it is
   * read). Zeroing whole slots would make every page of them resident in the process for nothing.
   */
  resetSlot(i: number): void {
    const x = this.core.exports, at = this.slot(i);
    this.core.bytes.fill(0, at + (x.slotOffset(this.core.base, SLOT.VISITED) >>> 0), at + (x.slotOffset(this.core.base, SLOT.CANDIDATES) >>> 0));
  }

  /** The file's bytes in memory (a view). */
  get file(): Uint8Array {
    return this.core.bytes.subarray(this.core.base, this.core.base + this.sections.fileBytes);
  }

  /** This thread's query slot: its query input, as f32 element index, and its views. */
  get view(): SlotView { return this.#view; }

  /** The k nearest to `query` (or, when null, to item `item`), in slot 0; `mask`: a filter and removals. */
  search(query: ArrayLike<number> | null, item: number, k: number, plan: QueryPlan, mask?: Mask): SearchResult {
    return searchOne(this.#view, query, item, Math.min(k, this.header.count), plan.searchK, plan.rerank, plan.ef, mask);
  }

  /** Every row of a flat batch, in slot 0. */
  searchRows(queries: ArrayLike<number>, rows: number, k: number, plan: QueryPlan, mask?: Mask) {
    return searchRows(this.#view, queries, this.header.dimensions, rows, k, Math.min(k, this.header.count), plan.searchK, plan.rerank, plan.ef, mask);
  }

  /**
   * Every item's k nearest other items, row i for item i (a hole's or removed item's row is empty). `stored`: the
   * rows are the file's stored nearest neighbours (index/search-all.ts answersFromStored). Else a graph index
   * with a `width` (searchAll's ef) takes the rows from joins over its graph; otherwise each row is one search from
   * the item (a graph index: a walk that starts at the item itself, searchK 0).
   */
  searchAllRows(k: number, plan: QueryPlan, onProgress?: (p: { done: number; total: number }) => void, width?: number, stored = false): { ids: Uint32Array; distances: Float32Array; counts: Uint32Array } {
    const { size, count } = this.header;
    const graphDegree = graphDegreeOf(this.header);
    const v = this.#view;
    const hidden = this.removed.count > 0 ? this.removed.at : 0; // removed items: no row, and in no row
    if (stored) {
      const at = beginStored(this, k);
      const x = this.core.exports, base = this.core.base, slot = this.slot(0);
      const blocks = Math.ceil(size / 16384);
      storedSteps(this, at, k, blocks).forEach((s) => {
        runStep(x, base, slot, s);
        onProgress?.({ done: Math.min(size - 1, s.hi), total: size });
      });
      const rows = storedRowsOf(this, at, k, (id) => this.walkRow(id, k, plan));
      onProgress?.({ done: size, total: size });
      return rows;
    }
    if (graphDegree !== 0 && width !== undefined) {
      // the joins over the graph (index/search-all.ts)
      const join = beginJoin(this, k, width, 1);
      let last = -1;
      joinSync(this, join, (f) => {
        const done = Math.min(size - 1, Math.floor(f * size));
        if (onProgress && done !== last) onProgress({ done: (last = done), total: size });
      });
      const rows = rowsOf(this, join, (id, ask) => this.exactRow(id, ask));
      onProgress?.({ done: size, total: size });
      return rows;
    }
    // one search per item, in blocks (for the progress)
    const ids = new Uint32Array(size * k).fill(0xFFFFFFFF);
    const distances = new Float32Array(size * k).fill(NaN);
    const counts = new Uint32Array(size);
    const { ask, searchK, ef, present } = this.itemRowsPlan(k, plan);
    for (let lo = 0; lo < size; lo += 1024) {
      const hi = Math.min(size, lo + 1024);
      const r = searchItemRows(v, lo, hi, k, ask, searchK, plan.rerank, ef, present, hidden >>> 2);
      ids.set(r.ids, lo * k);
      distances.set(r.distances, lo * k);
      counts.set(r.counts, lo);
      onProgress?.({ done: hi, total: size });
    }
    return { ids, distances, counts };
  }

  /** Item id's row by a walk from the item (slot 0): a stored row that removals left short. */
  walkRow(id: number, k: number, plan: QueryPlan): { ids: Uint32Array; distances: Float32Array; counts: Uint32Array } {
    const { ask, searchK, ef, present } = this.itemRowsPlan(k, plan);
    return searchItemRows(this.#view, id, id + 1, k, ask, searchK, plan.rerank, ef, present, this.removed.count > 0 ? this.removed.at >>> 2 : 0);
  }

  /** searchItemRows' parameters for this index: k + 1 asked (the item comes back too), where the bitmaps are. */
  itemRowsPlan(k: number, plan: QueryPlan): { ask: number; searchK: number; ef: number; present: number } {
    const ask = Math.min(k + 1, this.header.count);
    return { ask, searchK: graphDegreeOf(this.header) ? 0 : plan.searchK, ef: Math.max(plan.ef, ask), present: (this.core.base + this.sections.presentOffset) >>> 2 };
  }

  /** Item `id`'s `ask` nearest items (itself among them) by an exact scan of every item not removed (slot 0). */
  exactRow(id: number, ask: number): { ids: Uint32Array; distances: Float32Array } {
    const v = this.#view;
    const n = v.scan(v.base, v.slot, id, ask, this.core.base + this.sections.presentOffset, this.removed.count > 0 ? this.removed.at : 0) >>> 0;
    return { ids: v.u32.slice(v.outIds, v.outIds + n), distances: v.f32.slice(v.outDistances, v.outDistances + n) };
  }

  /** Present in the file (added, whether removed since or not). */
  isPresent(id: number): boolean {
    const word = this.#view.u32[((this.core.base + this.sections.presentOffset) >>> 2) + (id >>> 5)];
    return ((word >>> (id & 31)) & 1) === 1;
  }

  isRemoved(id: number): boolean {
    return this.removed.count > 0 && ((this.#view.u32[(this.removed.at >>> 2) + (id >>> 5)] >>> (id & 31)) & 1) === 1;
  }

  /** The present bitmap's words (a view). */
  presentWords(): Uint32Array {
    const at = this.core.base + this.sections.presentOffset;
    return new Uint32Array(this.core.memory.buffer, at, Math.ceil(this.header.size / 32));
  }

  /** The removed bitmap's words (a view). */
  removedWords(): Uint32Array {
    return new Uint32Array(this.core.memory.buffer, this.removed.at, Math.ceil(this.header.size / 32));
  }
}

/** The error for calls on a freed index. */
export function closedError(): AnnoyError {
  return new AnnoyError('CLOSED', 'this index was freed; open or build it again');
}
