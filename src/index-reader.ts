// Index: a built forest in wasm memory, answering queries in place. Loading (bytes, a file or a URL) copies
// the file once into memory and checks it before the first query: header against the real length, checksum,
// then structure (assembly/validate.ts). Annoy's .ann files are converted into the same layout on the way in
// (format/annoy.ts) and back on the way out.
import { AnnoyError, show } from './errors.js';
import { checkBatch, checkBatchK, checkId, checkK, checkOptions, checkSearchOptions, checkVector, type Vector } from './checks.js';
import { HEADER_BYTES, MAX_DIMENSIONS, checkHeader, readHeader, sectionsFor, writeHeader, type Header, type Sections } from './format/layout.js';
import { checkScreening, computeScreening, screeningFields, type Screening } from './screening.js';
import { readAnnoy, writeAnnoy } from './format/annoy.js';
import { metricCode, type Metric } from './metric.js';
import { Core, SLOT, slotBytesOf, compile } from './runtime/wasm.js';
import { CHUNK_BYTES, nodeFs, writeFileAtomic, writeFileAtomicAsync } from './runtime/node-fs.js';

export interface SearchOptions {
  /** Candidates to collect before the exact re-rank (Annoy's search_k). Default k * trees; -1 means the default. */
  searchK?: number;
  /**
   * Indexes built with screening ('int8' or 'pca') first rank the candidates by their codes; this many of the best
   * then get the exact distance (default max(50, 5 * k); -1: all of them). Results always carry exact distances.
   */
  rerank?: number;
}
export interface SearchResult {
  ids: Uint32Array;
  distances: Float32Array;
}
export interface BatchResult extends SearchResult {
  /** Row i's hits are ids[i*k .. i*k + counts[i]]; the rest of the row holds id 0xFFFFFFFF and distance NaN. */
  counts: Uint32Array;
}
export interface LoadOptions {
  /** 'annoy-wasm' (the default) is this library's format; 'annoy' is Annoy's .ann file, which needs the two below. */
  format?: 'annoy-wasm' | 'annoy';
  /** Annoy files: the f the index was built with (hamming: bits). */
  dimensions?: number;
  /** Annoy files: the metric the index was built with. */
  metric?: Metric;
}
/** Bytes of a download so far, and in all when known (from the file's header, or the Content-Length). */
export interface LoadProgress { loaded: number; total: number | undefined }
export interface URLLoadOptions extends LoadOptions {
  /** Called as the body streams in (once per chunk), and once at the end with loaded === total. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts the download (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

const STRUCTURE_PROBLEMS: Record<number, (detail: number) => string> = {
  6: (d) => `pca screening basis row ${d} is not finite, of unit length and zero padded`,
  1: (d) => `item ${d}'s vector holds NaN/Infinity, a squared norm that overflows float32, or non-zero padding`,
  2: (d) => `the present-items bitmap is inconsistent (near id ${d})`,
  3: (d) => `node ${d} is malformed (tag, leaf count, plane or split bit)`,
  4: (d) => `node ${d} refers to a node that is not earlier, to a node twice, or to an id past the items (or, as a child, never added)`,
  5: (d) => `the root of tree ${d} is not a valid node or item`,
};

const align64 = (n: number) => Math.ceil(n / 64) * 64;
const NO_ID = 0xFFFFFFFF;

/** How a load lays out memory: shared (for worker threads) or private, and how many scratch slots follow. */
export interface MemoryPlan { shared: boolean; slots: number }
const PRIVATE: MemoryPlan = { shared: false, slots: 1 };

/** Internal access for IndexPool: the core and the scratch slots after the file (slot 0 is this thread's). */
export const INTERNALS = Symbol('annoy-wasm internals');
export interface Internals { core: Core; slot(i: number): number; slotBytes: number; slots: number; resetSlot(i: number): void }

export class Index {
  #core: Core | null;
  readonly #h: Header;
  readonly #s: Sections;
  readonly #slot: number;
  #f32: Float32Array; // views of the whole memory: free() drops them, or they would keep it alive
  #u32: Uint32Array;
  readonly #queryIn: number; // f32 index of the slot's query input
  readonly #outIds: number;
  readonly #outDistances: number;
  readonly #slotBytes: number;
  readonly #slots: number;

  /** Internal: use IndexBuilder.build or the Index.open/fromBytes family. */
  private constructor(core: Core, header: Header, slot: number, slotBytes: number, slots: number) {
    this.#slotBytes = slotBytes;
    this.#slots = slots;
    this.#core = core;
    this.#h = header;
    this.#s = sectionsFor(header);
    this.#slot = slot;
    const buffer = core.memory.buffer; // never grows again: views stay valid
    this.#f32 = new Float32Array(buffer);
    this.#u32 = new Uint32Array(buffer);
    const part = (p: number) => (slot + (core.exports.slotOffset(core.base, p) >>> 0)) >>> 2;
    this.#queryIn = part(SLOT.QUERY_IN);
    this.#outIds = part(SLOT.OUT_IDS);
    this.#outDistances = part(SLOT.OUT_DISTANCES);
  }

  /** @internal Wraps a core whose file (header included) is complete at core.base; reserves its scratch slots. */
  static fromCore(core: Core, header: Header, slots = 1): Index {
    const { slot, slotBytes } = reserveSlots(core, header, slots);
    const index = new Index(core, header, slot, slotBytes, slots);
    for (let i = 0; i < slots; i++) index.#resetSlot(i);
    // The screening codes are derived from the vectors, here, rather than read from the file (assembly/codes.ts).
    if ((header.codes ?? 'none') !== 'none') core.exports.encodeCodes(core.base, slot);
    return index;
  }

  /**
   * Readies slot i for a query: only its visited bitmap must be zero (everything else is written before it is
   * read). Zeroing whole slots would make every page of them resident in the process for nothing.
   */
  #resetSlot(i: number): void {
    const core = this.#core!;
    const at = this.#slot + i * this.#slotBytes;
    const from = core.exports.slotOffset(core.base, SLOT.VISITED) >>> 0, to = core.exports.slotOffset(core.base, SLOT.CANDIDATES) >>> 0;
    core.bytes.fill(0, at + from, at + to);
  }

  /** @internal */
  [INTERNALS](): Internals {
    const core = this.#live();
    return { core, slot: (i) => this.#slot + i * this.#slotBytes, slotBytes: this.#slotBytes, slots: this.#slots, resetSlot: (i) => this.#resetSlot(i) };
  }

  get dimensions(): number { return this.#h.dimensions; }
  get metric(): Metric { return this.#h.metric; }
  /** Max id + 1, as Annoy's get_n_items (ids never added are holes). */
  get size(): number { return this.#h.size; }
  /** How many ids were actually added. */
  get count(): number { return this.#h.count; }
  get trees(): number { return this.#h.trees; }
  /** Bytes of the index file (toBytes().length). */
  get byteLength(): number { return this.#s.fileBytes; }
  /** How candidates are screened before the exact re-rank (IndexBuilder's screening option). */
  get screening(): Screening { return this.#h.codes ?? 'none'; }
  /** Values per screening code: the dimensions for int8, the principal components kept for pca, 0 for none. */
  get screeningDimensions(): number { return this.#h.codeDimensions ?? 0; }
  /** The file's checksum (hex), as stored in its header and verified on load. */
  get checksum(): string { return this.#h.checksum.toString(16); }
  /** The seed the index was built with. */
  get seed(): number { return this.#h.seed; }
  get closed(): boolean { return this.#core === null; }

  #live(): Core {
    if (this.#core === null) throw new AnnoyError('CLOSED', 'this index was freed; open or build it again');
    return this.#core;
  }

  #checkItem(id: unknown): number {
    checkId(id);
    const i = id as number;
    if (i >= this.#h.size) throw new AnnoyError('INVALID_ID', `id ${i} is out of range: the index holds ids below ${this.#h.size}`);
    const word = this.#u32[((this.#core!.base + this.#s.presentOffset) >>> 2) + (i >>> 5)];
    if (((word >>> (i & 31)) & 1) === 0) throw new AnnoyError('INVALID_ID', `id ${i} is a hole: it was never added`);
    return i;
  }

  #run(fromItem: number, k: number, o: { searchK: number; rerank: number }): number {
    const core = this.#core!;
    return core.exports.search(core.base, this.#slot, fromItem, Math.min(k, this.#h.count), o.searchK, o.rerank) >>> 0;
  }

  #results(n: number): SearchResult {
    return {
      ids: this.#u32.slice(this.#outIds, this.#outIds + n),
      distances: this.#f32.slice(this.#outDistances, this.#outDistances + n),
    };
  }

  /** The k nearest items to `vector`, best first (dot: largest inner product first). */
  search(vector: Vector, k: number, options?: SearchOptions): SearchResult {
    this.#live();
    checkVector(vector, this.#h.dimensions, this.#h.metric);
    checkK(k);
    const plan = checkSearchOptions(options, k, this.#h.trees);
    this.#f32.set(vector, this.#queryIn);
    return this.#results(this.#run(-1, k, plan));
  }

  /** The k nearest items to item `id` (normally `id` itself comes first). */
  searchItem(id: number, k: number, options?: SearchOptions): SearchResult {
    this.#live();
    const item = this.#checkItem(id);
    checkK(k);
    const plan = checkSearchOptions(options, k, this.#h.trees);
    return this.#results(this.#run(item, k, plan));
  }

  /** Searches every row of a flat batch (rows * dimensions values). */
  searchBatch(flat: Float32Array | ArrayLike<number>, k: number, options?: SearchOptions): BatchResult {
    this.#live();
    const dims = this.#h.dimensions;
    const rows = checkBatch(flat, dims, this.#h.metric);
    checkK(k);
    const plan = checkSearchOptions(options, k, this.#h.trees);
    checkBatchK(rows, k);
    const ids = new Uint32Array(rows * k).fill(NO_ID);
    const distances = new Float32Array(rows * k).fill(NaN);
    const counts = new Uint32Array(rows);
    const typed = flat instanceof Float32Array;
    for (let r = 0; r < rows; r++) {
      if (typed) this.#f32.set(flat.subarray(r * dims, (r + 1) * dims), this.#queryIn);
      else for (let j = 0; j < dims; j++) this.#f32[this.#queryIn + j] = flat[r * dims + j];
      const n = this.#run(-1, k, plan);
      ids.set(this.#u32.subarray(this.#outIds, this.#outIds + n), r * k);
      distances.set(this.#f32.subarray(this.#outDistances, this.#outDistances + n), r * k);
      counts[r] = n;
    }
    return { ids, distances, counts };
  }

  /** A copy of the stored vector of `id` (hamming: 0/1 values). */
  getItem(id: number): Float32Array {
    const core = this.#live();
    const item = this.#checkItem(id);
    const at = core.base + this.#s.vectorsOffset + item * this.#h.stride;
    const dims = this.#h.dimensions;
    if (this.#h.metric !== 'hamming') return this.#f32.slice(at >>> 2, (at >>> 2) + dims);
    const out = new Float32Array(dims);
    for (let j = 0; j < dims; j++) out[j] = (this.#u32[(at >>> 2) + (j >>> 5)] >>> (j & 31)) & 1;
    return out;
  }

  /** The distance from `vector` to item `id`, as search would report it. */
  distanceTo(vector: Vector, id: number): number {
    const core = this.#live();
    checkVector(vector, this.#h.dimensions, this.#h.metric);
    const item = this.#checkItem(id);
    this.#f32.set(vector, this.#queryIn);
    return core.exports.queryDistance(core.base, this.#slot, item);
  }

  /** The distance between two stored items, as search reports it. */
  distance(i: number, j: number): number {
    const core = this.#live();
    const a = this.#checkItem(i), b = this.#checkItem(j);
    return core.exports.itemDistance(core.base, a, b);
  }

  /**
   * The same index with other screening (IndexBuilder's `screening` and `screeningDimensions`), as a new Index in
   * memory of its own: say, an Annoy file opened with { format: 'annoy' } gains int8 or pca screening. The trees
   * and vectors are copied unchanged; the parameters are computed as a build with the same seed computes them, so
   * the result is byte for byte the index that build would have made. This index stays usable (free it if done).
   */
  withScreening(options: { screening: Screening; screeningDimensions?: number }): Index {
    const from = this.#live();
    const o = checkOptions(options, ['screening', 'screeningDimensions'], 'withScreening');
    const { screening, asked } = checkScreening(this.#h.metric, this.#h.dimensions, o.screening, o.screeningDimensions);
    const header: Header = { ...this.#h, ...screeningFields(screening, asked, this.#h.dimensions), checksum: 0n };
    const s = sectionsFor(header);
    const core = new Core(HEADER_BYTES, false);
    core.ensure(core.base + s.fileBytes, `a copy of this ${s.fileBytes}-byte index`);
    // Everything before the codes section (vectors, present, nodes, roots) does not depend on screening.
    core.bytes.set(from.bytes.subarray(from.base, from.base + s.codesOffset), core.base);
    writeHeader(core.bytes.subarray(core.base), header);
    if (screening !== 'none') computeScreening(core, header, asked);
    header.checksum = BigInt.asUintN(64, core.exports.checksum(core.base, sectionsFor(header).fileBytes));
    writeHeader(core.bytes.subarray(core.base), header);
    return Index.fromCore(core, header);
  }

  /** The index in the annoy-wasm file format (a copy). */
  toBytes(): Uint8Array {
    const core = this.#live();
    return core.bytes.slice(core.base, core.base + this.#s.fileBytes);
  }

  #fileView(): Uint8Array {
    const core = this.#live();
    return core.bytes.subarray(core.base, core.base + this.#s.fileBytes);
  }

  /** The index as an Annoy .ann file (a copy), which Annoy (C++, Python) loads and answers alike. */
  toAnnoyBytes(): Uint8Array {
    return writeAnnoy(this.#fileView());
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
    await writeFileAtomicAsync(path, this.#fileView());
  }

  saveSync(path: string): void {
    writeFileAtomic(path, this.#fileView());
  }

  /** Releases the wasm memory; every later call throws CLOSED. */
  free(): void {
    this.#core = null;
    this.#f32 = new Float32Array(0);
    this.#u32 = new Uint32Array(0);
  }

  [Symbol.dispose](): void {
    this.free();
  }

  static fromBytes(bytes: Uint8Array | ArrayBuffer | SharedArrayBuffer, options?: LoadOptions): Index {
    return loadBytes(bytes, PRIVATE, options);
  }

  static openSync(path: string, options?: LoadOptions): Index {
    const annoy = checkLoadOptions(options);
    const fs = nodeFs();
    if (annoy) return loadAnnoy(fs.readFileSync(path), annoy, PRIVATE);
    const fd = fs.openSync(path, 'r');
    try {
      const fileBytes = fs.fstatSync(fd).size;
      const head = new Uint8Array(Math.min(HEADER_BYTES, fileBytes));
      fs.readSync(fd, head, 0, head.length, 0);
      return load(fileBytes, head, PRIVATE, (dest) => {
        for (let done = 0; done < dest.length;) {
          const n = fs.readSync(fd, dest, done, Math.min(CHUNK_BYTES, dest.length - done), done);
          if (n === 0) throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${path} shrank while it was read`);
          done += n;
        }
      });
    } finally {
      fs.closeSync(fd);
    }
  }

  static async open(path: string, options?: LoadOptions): Promise<Index> {
    return loadFile(path, PRIVATE, options);
  }

  /**
   * Fetches an index over HTTP(S) (browsers and Node), streaming the body straight into wasm memory: one copy,
   * then the same checks as fromBytes (header first, then checksum and structure).
   */
  static async fromURL(url: string | URL, options?: URLLoadOptions): Promise<Index> {
    return loadURL(url, PRIVATE, options);
  }
}

export function loadBytes(bytes: Uint8Array | ArrayBuffer | SharedArrayBuffer, plan: MemoryPlan, options?: LoadOptions): Index {
  const annoy = checkLoadOptions(options);
  let view: Uint8Array;
  if (bytes instanceof Uint8Array) view = bytes;
  else if (bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)) view = new Uint8Array(bytes);
  else throw new AnnoyError('INVALID_ARGUMENT', `bytes ${show(bytes)} is not a Uint8Array, ArrayBuffer or SharedArrayBuffer`);
  if (annoy) return loadAnnoy(view, annoy, plan);
  return load(view.length, view.subarray(0, HEADER_BYTES), plan, (dest) => dest.set(view));
}

/** Streams a file straight into wasm memory, 64 MiB per read (an Annoy file is read whole, then converted). */
export async function loadFile(path: string, plan: MemoryPlan, options?: LoadOptions): Promise<Index> {
  const annoy = checkLoadOptions(options);
  const fs = nodeFs();
  if (annoy) return loadAnnoy(await fs.promises.readFile(path), annoy, plan);
  const file = await fs.promises.open(path, 'r');
  try {
    const fileBytes = (await file.stat()).size;
    const head = new Uint8Array(Math.min(HEADER_BYTES, fileBytes));
    await file.read(head, 0, head.length, 0);
    let pending: Promise<void> = Promise.resolve();
    return await load(fileBytes, head, plan, (dest) => {
      pending = (async () => {
        for (let done = 0; done < dest.length;) {
          const { bytesRead } = await file.read(dest, done, Math.min(CHUNK_BYTES, dest.length - done), done);
          if (bytesRead === 0) throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${path} shrank while it was read`);
          done += bytesRead;
        }
      })();
    }, () => pending);
  } finally {
    await file.close();
  }
}

/**
 * Streams an HTTP body into wasm memory. The header comes first and is checked on its own; it says how long the
 * file is. When the Content-Length can be trusted (no content encoding) and agrees, the memory is reserved once;
 * otherwise it grows with the bytes received (at most twice what arrived), so a lying header allocates nothing.
 */
export async function loadURL(url: string | URL, plan: MemoryPlan, options?: URLLoadOptions): Promise<Index> {
  const { onProgress, signal, ...rest } = checkOptions(options, ['format', 'dimensions', 'metric', 'onProgress', 'signal'], 'load');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new AnnoyError('INVALID_ARGUMENT', `onProgress ${show(onProgress)} is not a function`);
  const annoy = checkLoadOptions(rest);
  await compile(plan.shared);
  let response: Response;
  try {
    response = await fetch(url, signal === undefined ? undefined : { signal: signal as AbortSignal });
  } catch (e) {
    throw fetchFailed(url, e, signal as AbortSignal | undefined);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new AnnoyError('FETCH_FAILED', `fetching ${String(url)} failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const progress = onProgress as ((p: LoadProgress) => void) | undefined;
  const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  const header = response.headers.get('content-length');
  const length = !encoded && header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  const reader = response.body?.getReader();
  const next = async (): Promise<Uint8Array | undefined> => {
    if (!reader) return undefined;
    try {
      const { done, value } = await reader.read();
      return done ? undefined : value;
    } catch (e) {
      throw fetchFailed(url, e, signal as AbortSignal | undefined);
    }
  };
  try {
    if (annoy) return loadAnnoy(await readAll(next, length, progress), annoy, plan);
    return await streamInto(url, next, length, plan, progress);
  } catch (e) {
    await reader?.cancel().catch(() => {});
    throw e;
  }
}

function fetchFailed(url: string | URL, e: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? e;
  const cause = (e as { cause?: { message?: string } })?.cause?.message;
  return new AnnoyError('FETCH_FAILED', `fetching ${String(url)} failed: ${(e as Error)?.message ?? String(e)}${cause ? ` (${cause})` : ''}`);
}

/** A whole body (Annoy files are converted whole). */
async function readAll(next: () => Promise<Uint8Array | undefined>, length: number | undefined, onProgress?: (p: LoadProgress) => void): Promise<Uint8Array> {
  let buffer = new Uint8Array(length ?? 1 << 16), loaded = 0;
  for (let chunk; (chunk = await next());) {
    if (loaded + chunk.length > buffer.length) {
      const bigger = new Uint8Array(Math.max(loaded + chunk.length, buffer.length * 2));
      bigger.set(buffer.subarray(0, loaded));
      buffer = bigger;
    }
    buffer.set(chunk, loaded);
    loaded += chunk.length;
    onProgress?.({ loaded, total: length });
  }
  onProgress?.({ loaded, total: loaded });
  return buffer.subarray(0, loaded);
}

async function streamInto(url: string | URL, next: () => Promise<Uint8Array | undefined>, length: number | undefined, plan: MemoryPlan, onProgress?: (p: LoadProgress) => void): Promise<Index> {
  // The header first: it may arrive in pieces.
  const head = new Uint8Array(HEADER_BYTES);
  let headBytes = 0, rest: Uint8Array | undefined;
  while (headBytes < HEADER_BYTES) {
    const chunk = await next();
    if (!chunk) break;
    const take = Math.min(chunk.length, HEADER_BYTES - headBytes);
    head.set(chunk.subarray(0, take), headBytes);
    headBytes += take;
    if (take < chunk.length) rest = chunk.subarray(take);
  }
  if (headBytes < HEADER_BYTES) readHeader(head.subarray(0, headBytes), headBytes); // throws: truncated
  const header = checkHeader(head);
  const fileBytes = sectionsFor(header).fileBytes;
  if (length !== undefined && length !== fileBytes) readHeader(head, length); // throws: truncated or trailing bytes
  const core = new Core(HEADER_BYTES, plan.shared);
  const base = core.base;
  core.bytes.set(head, base); // slotOffset reads the header
  const reserve = (end: number) => core.ensure(end, `this ${fileBytes}-byte index`);
  if (length !== undefined) reserveSlots(core, header, plan.slots);
  let memory = core.bytes, loaded = headBytes;
  onProgress?.({ loaded, total: fileBytes });
  for (let chunk = rest ?? await next(); chunk; chunk = await next()) {
    if (loaded + chunk.length > fileBytes) readHeader(head, loaded + chunk.length); // throws: trailing bytes
    if (base + loaded + chunk.length > memory.length) {
      reserve(base + Math.min(fileBytes, Math.max(2 * loaded, loaded + chunk.length)));
      memory = core.bytes;
    }
    memory.set(chunk, base + loaded);
    loaded += chunk.length;
    onProgress?.({ loaded, total: fileBytes });
  }
  if (loaded !== fileBytes) {
    throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${String(url)} ended after ${loaded} of the ${fileBytes} bytes its header describes (truncated)`);
  }
  return verify(core, header, fileBytes, plan);
}

interface AnnoyShape { dimensions: number; metric: Metric }

/** Checks load options; returns what an Annoy file needs, or undefined for this library's format. */
function checkLoadOptions(options: LoadOptions | undefined): AnnoyShape | undefined {
  const o = checkOptions(options, ['format', 'dimensions', 'metric'], 'load');
  if (o.format === undefined || o.format === 'annoy-wasm') {
    if (o.dimensions !== undefined || o.metric !== undefined) {
      throw new AnnoyError('INVALID_ARGUMENT', "dimensions and metric are options of format 'annoy' (an annoy-wasm file records its own)");
    }
    return undefined;
  }
  if (o.format !== 'annoy') throw new AnnoyError('INVALID_ARGUMENT', `format ${show(o.format)} is not 'annoy-wasm' or 'annoy'`);
  const { dimensions, metric } = o;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
    throw new AnnoyError('INVALID_ARGUMENT', `an Annoy file needs { dimensions }: the f it was built with, an integer in [1, ${MAX_DIMENSIONS}] (got ${show(dimensions)})`);
  }
  if (metric === undefined) throw new AnnoyError('INVALID_ARGUMENT', 'an Annoy file needs { metric }: the metric it was built with (Annoy files do not record it)');
  metricCode(metric);
  return { dimensions, metric: metric as Metric };
}

const ANNOY_PROBLEMS: Record<number, (detail: number, shape: AnnoyShape) => string> = {
  1: (d, { metric }) => `item ${d}'s vector holds ${metric === 'hamming' ? 'bits past the dimensions' : 'NaN, Infinity or a squared norm that overflows float32'}`,
  3: (d) => `a split (node ${d} once converted) holds NaN or Infinity, or tests a bit past the dimensions`,
};

/** Converts an Annoy file into our layout in fresh wasm memory, then runs the same structure check as load(). */
function loadAnnoy(bytes: Uint8Array, shape: AnnoyShape, plan: MemoryPlan): Index {
  const { header, fill } = readAnnoy(bytes, shape.dimensions, shape.metric);
  const fileBytes = sectionsFor(header).fileBytes;
  const core = new Core(HEADER_BYTES, plan.shared);
  writeHeader(core.bytes.subarray(core.base), header);
  const { slot } = reserveSlots(core, header, plan.slots);
  fill(core.bytes.subarray(core.base, core.base + fileBytes));
  header.checksum = BigInt.asUintN(64, core.exports.checksum(core.base, fileBytes));
  writeHeader(core.bytes.subarray(core.base), header);
  const problem = core.exports.validate(core.base, slot);
  if (problem !== 0) {
    const detail = (core.exports.validateDetail.value as number) >>> 0;
    const what = ANNOY_PROBLEMS[problem]?.(detail, shape) ?? STRUCTURE_PROBLEMS[problem]?.(detail) ?? `structure check ${problem} failed`;
    throw new AnnoyError('CORRUPT_INDEX', `not a valid Annoy index of ${shape.dimensions}-d ${shape.metric} nodes: ${what}: check dimensions and metric (hamming dimensions count bits), or the file is damaged`);
  }
  return Index.fromCore(core, header, plan.slots);
}

/**
 * Checks the header against the real length, reserves exactly the memory the file and one scratch slot need,
 * lets `fill` copy the file in, then verifies checksum and structure. With `afterFill`, the copy is asynchronous.
 */
function load(fileBytes: number, head: Uint8Array, plan: MemoryPlan, fill: (dest: Uint8Array) => void): Index;
function load(fileBytes: number, head: Uint8Array, plan: MemoryPlan, fill: (dest: Uint8Array) => void, afterFill: () => Promise<void>): Promise<Index>;
function load(fileBytes: number, head: Uint8Array, plan: MemoryPlan, fill: (dest: Uint8Array) => void, afterFill?: () => Promise<void>): Index | Promise<Index> {
  const header = readHeader(head, fileBytes);
  const core = new Core(HEADER_BYTES, plan.shared);
  core.bytes.set(head.subarray(0, HEADER_BYTES), core.base);
  reserveSlots(core, header, plan.slots);
  fill(core.bytes.subarray(core.base, core.base + fileBytes));
  const finish = () => verify(core, header, fileBytes, plan);
  return afterFill ? afterFill().then(finish) : finish();
}

/**
 * Where the scratch slots go (after the file and its screening codes) and memory for all of it, reserved at once:
 * an index too big for wasm32 is CAPACITY before anything is copied. The header must already be in memory.
 */
function reserveSlots(core: Core, header: Header, slots: number): { slot: number; slotBytes: number } {
  const { fileBytes, memoryBytes } = sectionsFor(header);
  const slot = align64(core.base + memoryBytes);
  const slotBytes = slotBytesOf(core);
  const codes = memoryBytes > fileBytes ? ` and ${memoryBytes - fileBytes} bytes of screening codes` : '';
  core.ensure(slot + slots * slotBytes, `this ${fileBytes}-byte index${codes} with ${slots} scratch slots of ${slotBytes} bytes`);
  return { slot, slotBytes };
}

/** The checks after the copy: checksum, then structure; then the Index, its scratch slots reserved. */
function verify(core: Core, header: Header, fileBytes: number, plan: MemoryPlan): Index {
  const { slot } = reserveSlots(core, header, plan.slots);
  const sum = BigInt.asUintN(64, core.exports.checksum(core.base, fileBytes));
  if (sum !== header.checksum) {
    throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: checksum mismatch (stored ${header.checksum.toString(16)}, computed ${sum.toString(16)}): the file is damaged`);
  }
  const problem = core.exports.validate(core.base, slot);
  if (problem !== 0) {
    const detail = (core.exports.validateDetail.value as number) >>> 0;
    throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${STRUCTURE_PROBLEMS[problem]?.(detail) ?? `structure check ${problem} failed`}`);
  }
  return Index.fromCore(core, header, plan.slots);
}
