// Index: a built forest in wasm memory, answering queries in place; a thin facade over its IndexImage. Loading
// (bytes, a file or a URL: src/load/) copies the file once into memory and checks it before the first query;
// Annoy's .ann files are converted into the same layout on the way in (format/annoy.ts) and back on the way out.
import { checkBatch, checkBatchK, checkId, checkK, checkOptions, checkSearchOptions, checkVector, type Vector } from '../checks.js';
import { graphDegreeOf } from '../format/layout.js';
import { AnnoyError, show } from '../errors.js';
import { writeAnnoy } from '../format/annoy.js';
import type { Metric } from '../metric.js';
import { writeFileAtomic, writeFileAtomicAsync } from '../runtime/node-fs.js';
import { withScreening, type Screening } from '../build/screening.js';
import { withStorage, type Storage } from '../build/storage.js';
import { checkTreeEncoding, withFullTrees, type TreeEncoding } from '../build/compact-trees.js';
import { storageOf, treeEncodingOf } from '../format/layout.js';
import { loadBytes } from '../load/bytes.js';
import { loadFile, loadFileSync } from '../load/file.js';
import { loadURL } from '../load/url.js';
import type { LoadOptions, URLLoadOptions } from '../load/options.js';
import { PRIVATE, closedError, type IndexImage, type QueryPlan } from './image.js';
import { H, SECTION } from '../format/layout.js';
import { BatchResult, type SearchAllOptions, type SearchOptions, type SearchResult, type Searchable } from './results.js';
import { filterOf, makeFilter, maskOf, type FilterSpec, type IdFilter } from '../filter/id-filter.js';
import type { Mask } from './slot-search.js';
import { fileWithRemovals, removeIds } from './removals.js';
import { answersFromStored, searchAllWidth } from './search-all.js';

export class Index implements Searchable {
  #image: IndexImage | null;

  /** @internal Use IndexBuilder.build or the Index.open / fromBytes family. */
  constructor(image: IndexImage) {
    this.#image = image;
  }

  #live(): IndexImage {
    if (this.#image === null) throw closedError();
    return this.#image;
  }

  get #h() { return this.#live().header; }

  get dimensions(): number { return this.#h.dimensions; }
  get metric(): Metric { return this.#h.metric; }
  /** Max id + 1, as Annoy's get_n_items (ids never added are holes). */
  get size(): number { return this.#h.size; }
  /** How many ids were added and not removed since. */
  get count(): number { return this.#h.count - this.#live().removed.count; }
  /** How many ids were removed (remove(), or a saved file's removals). */
  get removedCount(): number { return this.#live().removed.count; }
  get trees(): number { return this.#h.trees; }
  /** Most neighbours per item of the index's graph (IndexBuilder's graph option); 0 when it has none. */
  get graph(): number { return graphDegreeOf(this.#h); }
  /** Bytes of the index file (toBytes().length). */
  get byteLength(): number { return this.#live().sections.fileBytes; }
  /** @internal The wasm memory this index holds (file, codes, scratch slots and any build scratch left): tests. */
  get heldBytes(): number { return this.#live().core.memory.buffer.byteLength; }
  /** How candidates are screened before the exact re-rank (IndexBuilder's screening option). */
  get screening(): Screening { return this.#h.codes ?? 'none'; }
  /** How item vectors are stored: 'float32' (as in Annoy), 'float16', 'bfloat16' or 'int8'. */
  get storage(): Storage { return storageOf(this.#h) ?? 'float32'; }
  /** How the trees are stored (IndexBuilder's treeEncoding): 'full' as Annoy, or 'compact'. */
  get treeEncoding(): TreeEncoding { return treeEncodingOf(this.#h) ?? 'full'; }
  /** Values per screening code: the dimensions for int8, the principal components kept for pca, 0 for none. */
  get screeningDimensions(): number { return this.#h.codeDimensions ?? 0; }
  /** The file's checksum (hex), as stored in its header and verified on load; after remove(), that of the file toBytes writes. */
  get checksum(): string {
    if (this.#sealed === null) this.#sealed = this.#bytes();
    return new DataView(this.#sealed.buffer, this.#sealed.byteOffset).getBigUint64(H.CHECKSUM, true).toString(16);
  }

  /** The file as toBytes gives it; kept while nothing is removed, as the checksum's source. */
  #sealed: Uint8Array | null = null;

  #bytes(): Uint8Array {
    const image = this.#live();
    if (image.removed.count === 0 && image.sections.extra[SECTION.REMOVED].bytes === 0) return image.file;
    return fileWithRemovals(image);
  }

  /**
   * Hides `ids` from every later result, and from getItem, searchItem and distance (INVALID_ID), without a
   * rebuild; `count` drops. Ids must have been added (INVALID_ID names the first that was not; then none is
   * removed); removing an id twice is harmless. toBytes and save write the removals (a file section) and a loaded
   * file keeps them. Returns how many ids were newly removed.
   */
  remove(ids: Uint32Array | ArrayLike<number>): number {
    const added = removeIds(this.#live(), ids);
    if (added > 0) this.#sealed = null;
    return added;
  }
  /** The seed the index was built with. */
  get seed(): number { return this.#h.seed; }
  get closed(): boolean { return this.#image === null; }

  #checkItem(image: IndexImage, id: unknown): number {
    if (typeof id === 'string') return this.#checkItem(image, this.#idOfKey(image, id));
    const i = checkId(id);
    if (i >= image.header.size) throw new AnnoyError('INVALID_ID', `id ${i} is out of range: the index holds ids below ${image.header.size}`);
    if (!image.isPresent(i)) throw new AnnoyError('INVALID_ID', `id ${i} is a hole: it was never added`);
    if (image.isRemoved(i)) throw new AnnoyError('INVALID_ID', `id ${i} was removed`);
    return i;
  }

  #idOfKey(image: IndexImage, key: string): number {
    if (image.keys === null) throw new AnnoyError('INVALID_ID', `key ${JSON.stringify(key)}: this index has no string keys (build it with keys: true)`);
    const id = image.keys.idOf(key);
    if (id < 0) throw new AnnoyError('INVALID_ID', `key ${JSON.stringify(key)} is not in this index`);
    if (image.isRemoved(id)) throw new AnnoyError('INVALID_ID', `key ${JSON.stringify(key)} (id ${id}) was removed`);
    return id;
  }

  /** Whether items have string keys (IndexBuilder's keys: true). */
  get hasKeys(): boolean { return this.#live().keys !== null; }

  /** The id of `key` (INVALID_ID naming it when the index has no such key, or it was removed). */
  idOf(key: string): number {
    const image = this.#live();
    if (typeof key !== 'string') throw new AnnoyError('INVALID_ARGUMENT', `key ${String(key)} is not a string`);
    return this.#idOfKey(image, key);
  }

  /** The key of item `id` (INVALID_ID for holes, removed ids, or an index without keys). */
  keyOf(id: number): string {
    const image = this.#live();
    const i = this.#checkItem(image, id);
    if (image.keys === null) throw new AnnoyError('INVALID_ID', `item ${i} has no key: this index has no string keys (build it with keys: true)`);
    return image.keys.keyOf(i);
  }

  /** A result with its hits' keys when the index has keys. */
  #withKeys<T extends SearchResult>(image: IndexImage, result: T): T {
    if (image.keys !== null) result.keys = image.keys.keysOf(result.ids);
    return result;
  }

  /** The core's mask for a query with these options: its filter (checked) and the removed ids. */
  #mask(image: IndexImage, options: SearchOptions | undefined, plan: QueryPlan): Mask | undefined {
    const parts = filterOf(options, this, [image]);
    return maskOf(image, parts === null ? null : parts[0], plan);
  }

  /** The k nearest items to `vector`, best first (dot: largest inner product first). */
  search(vector: Vector, k: number, options?: SearchOptions): SearchResult {
    const image = this.#live();
    checkVector(vector, image.header.dimensions, image.header.metric);
    checkK(k);
    const plan = checkSearchOptions(options, k, image.header.trees, graphDegreeOf(image.header));
    return this.#withKeys(image, image.search(vector, -1, k, plan, this.#mask(image, options, plan)));
  }

  /** The k nearest items to item `id` (or, with string keys, the item named `id`); normally the item itself comes first. */
  searchItem(id: number | string, k: number, options?: SearchOptions): SearchResult {
    const image = this.#live();
    const item = this.#checkItem(image, id);
    checkK(k);
    const plan = checkSearchOptions(options, k, image.header.trees, graphDegreeOf(image.header));
    return this.#withKeys(image, image.search(null, item, k, plan, this.#mask(image, options, plan)));
  }

  /** Searches every row of a flat batch (rows * dimensions values). */
  searchBatch(flat: Float32Array | ArrayLike<number>, k: number, options?: SearchOptions): BatchResult {
    const image = this.#live();
    const rows = checkBatch(flat, image.header.dimensions, image.header.metric);
    checkK(k);
    const plan = checkSearchOptions(options, k, image.header.trees, graphDegreeOf(image.header));
    checkBatchK(rows, k);
    const { ids, distances, counts } = image.searchRows(flat, rows, k, plan, this.#mask(image, options, plan));
    return this.#withKeys(image, new BatchResult(ids, distances, counts, k));
  }

  /**
   * Every item's k nearest other items, for offline jobs that publish a "similar items" table: row i of the result
   * holds item i's neighbours, best first (a hole's row is empty; rows has size entries). On a graph index, for k up
   * to the neighbours the build stored per item and no ef, each row is the stored list: no search, only exact
   * distances (a row its removed neighbours leave short is walked again); with an ef, or a larger k, the rows
   * come from joins over the graph (SearchAllOptions.ef). Without a graph each row is searchItem(i, k + 1) less the
   * item itself.
   */
  searchAll(k: number, options?: SearchAllOptions): BatchResult {
    const image = this.#live();
    checkK(k);
    const { onProgress, ...rest } = checkOptions(options, ['searchK', 'rerank', 'ef', 'onProgress'], 'searchAll');
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new AnnoyError('INVALID_ARGUMENT', `onProgress ${show(onProgress)} is not a function`);
    checkBatchK(image.header.size, k);
    const plan = checkSearchOptions(rest, k, image.header.trees, graphDegreeOf(image.header));
    const width = graphDegreeOf(image.header) !== 0 ? searchAllWidth(k, rest.ef as number | undefined) : undefined;
    const stored = answersFromStored(image, k, rest.ef as number | undefined);
    const { ids, distances, counts } = image.searchAllRows(k, plan, onProgress as SearchAllOptions['onProgress'], width, stored);
    return this.#withKeys(image, new BatchResult(ids, distances, counts, k));
  }

  /**
   * A filter for this index's queries: `{ allow: ids }` (only these) or `{ exclude: ids }` (all but these); ids
   * below `size` (holes are never returned anyway). Pass it as search's `filter` option, as often as needed;
   * `free()` it when done. It lives in this index's memory (size / 8 bytes).
   */
  createFilter(spec: FilterSpec): IdFilter {
    const image = this.#live();
    return makeFilter(this, spec, [{ image, idOffset: 0 }], image.header.size);
  }

  /** A copy of the stored vector of `id` (or of the item named `id`; hamming: 0/1 values). */
  getItem(id: number | string): Float32Array {
    const image = this.#live();
    const item = this.#checkItem(image, id);
    image.core.exports.itemValues(image.core.base, image.slot(0), item); // the core unpacks (hamming: bits)
    const { f32, queryIn } = image.view;
    return f32.slice(queryIn, queryIn + image.header.dimensions);
  }

  /** The distance from `vector` to item `id`, as search would report it. */
  distanceTo(vector: Vector, id: number): number {
    const image = this.#live();
    checkVector(vector, image.header.dimensions, image.header.metric);
    const item = this.#checkItem(image, id);
    image.view.f32.set(vector, image.view.queryIn);
    return image.core.exports.queryDistance(image.core.base, image.slot(0), item);
  }

  /** The distance between two stored items, as search reports it. */
  distance(i: number, j: number): number {
    const image = this.#live();
    const a = this.#checkItem(image, i), b = this.#checkItem(image, j);
    return image.core.exports.itemDistance(image.core.base, image.slot(0), a, b);
  }

  /**
   * The same index with other screening (IndexBuilder's `screening` and `screeningDimensions`), as a new Index in
   * memory of its own: say, an Annoy file opened with { format: 'annoy' } gains int8 or pca screening. The trees
   * and vectors are copied unchanged; the parameters are computed as a build with the same seed computes them, so
   * the result is byte for byte the index that build would have made. This index stays usable (free it if done).
   */
  withScreening(options: { screening: Screening; screeningDimensions?: number }): Index {
    const from = this.#live();
    const image = withScreening(from, options);
    image.removedWords().set(from.removedWords()); // the removals made since the file was loaded too
    image.removed.count = from.removed.count;
    return new Index(image);
  }

  /**
   * The same index with its vectors stored as `storage` ('float32', 'float16', 'bfloat16', 'int8'; IndexBuilder's
   * option), as a new Index in memory of its own: say, an Annoy file opened with { format: 'annoy' } stored in a
   * quarter of the bytes. The trees, screening and graph are kept; the result is byte for byte what a build with
   * that storage makes from the same items, options and seed. This index stays usable (free it if done).
   */
  withStorage(storage: Storage): Index {
    const from = this.#live();
    const image = withStorage(from, storage);
    image.removedWords().set(from.removedWords());
    image.removed.count = from.removed.count;
    return new Index(image);
  }

  /**
   * The same index with its trees stored as `encoding`, as a new Index in memory of its own. 'full' from compact
   * trees writes their decoded planes as f32 and their ids as u32 (the same trees: the answers are the same, up to
   * the f32 rounding of a margin); an index already so stored is returned as it is. Making full trees compact is a
   * build option (IndexBuilder's treeEncoding): its planes are chosen before they route the items.
   */
  withTreeEncoding(encoding: TreeEncoding): Index {
    const from = this.#live();
    const to = checkTreeEncoding(encoding);
    const now = treeEncodingOf(from.header) ?? 'full';
    if (to === now) return this;
    if (to === 'compact') throw new AnnoyError('INVALID_ARGUMENT', "compact trees are made by a build (IndexBuilder's treeEncoding: 'compact'), whose planes route the items as the search reads them");
    const image = withFullTrees(from);
    image.removedWords().set(from.removedWords());
    image.removed.count = from.removed.count;
    return new Index(image);
  }

  /** The index in the annoy-wasm file format (a copy), with its removals. */
  toBytes(): Uint8Array {
    return this.#bytes().slice();
  }

  /**
   * The index as an Annoy .ann file (a copy), which Annoy (C++, Python) loads and answers alike. Annoy's format
   * cannot hide items: an index with removals is refused (INVALID_STATE) rather than written with them visible.
   */
  toAnnoyBytes(): Uint8Array {
    const image = this.#live();
    if (image.removed.count > 0) {
      throw new AnnoyError('INVALID_STATE', `this index has ${image.removed.count} removed items, which an Annoy file cannot hide (Annoy would return them): rebuild without them to write an Annoy file`);
    }
    // Annoy's files hold float32 vectors and full trees: other storage is widened first (the values stay the stored
    // ones), compact trees are expanded (their planes are the decoded values, which the search used too).
    const full = withFullTrees(image);
    const file = storageOf(full.header) === 'float32' ? full.file : withStorage(full, 'float32').file;
    const bytes = writeAnnoy(file);
    return bytes;
  }

  /** Writes the index to `path` as an Annoy .ann file (Node), atomically. */
  async saveAnnoy(path: string): Promise<void> {
    await writeFileAtomicAsync(path, this.toAnnoyBytes());
  }

  saveAnnoySync(path: string): void {
    writeFileAtomic(path, this.toAnnoyBytes());
  }

  /** Writes the index to `path` (Node), atomically: through a temporary file and a rename. */
  async save(path: string): Promise<void> {
    await writeFileAtomicAsync(path, this.#bytes());
  }

  saveSync(path: string): void {
    writeFileAtomic(path, this.#bytes());
  }

  /** Releases the wasm memory; every later call throws CLOSED. */
  free(): void {
    this.#image = null;
  }

  [Symbol.dispose](): void {
    this.free();
  }

  static fromBytes(bytes: Uint8Array | ArrayBuffer | SharedArrayBuffer, options?: LoadOptions): Index {
    return new Index(loadBytes(bytes, PRIVATE, options));
  }

  static openSync(path: string, options?: LoadOptions): Index {
    return new Index(loadFileSync(path, PRIVATE, options));
  }

  static async open(path: string, options?: LoadOptions): Promise<Index> {
    return new Index(await loadFile(path, PRIVATE, options));
  }

  /**
   * Fetches an index over HTTP(S) (browsers and Node), streaming the body straight into wasm memory: one copy,
   * then the same checks as fromBytes (header first, then checksum and structure).
   */
  static async fromURL(url: string | URL, options?: URLLoadOptions): Promise<Index> {
    return new Index(await loadURL(url, PRIVATE, options));
  }
}
