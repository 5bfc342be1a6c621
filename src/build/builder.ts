// IndexBuilder: collects item vectors straight into wasm memory (in file order, so the build moves nothing but
// the nodes) and builds the forest into that same memory, which the resulting Index then owns; or, when the build
// left more scratch there than the index itself takes, a fresh memory of the index's size (`settled`).
import { AnnoyError, show } from '../errors.js';
import { checkBatch, checkId, checkOptions, checkVector, MAX_ID, type Vector } from '../checks.js';
import { HEADER_BYTES, MAX_DIMENSIONS, defaultLeafCapacity, noSections, withGraph, nodeBytesFor, readHeaderFields, sectionsFor, strideFor, writeHeader, type Header, type Sections } from '../format/layout.js';
import { metricCode, type Metric } from '../metric.js';
import { Core, canShareMemory, formatBytes, wasmModule } from '../runtime/wasm.js';
import { startWorker, type WorkerLike } from '../runtime/worker.js';
import { Index } from '../index/index.js';
import { IndexImage } from '../index/image.js';
import { buildGraphSection, buildGraphSectionWith, checkGraph, GRAPH_DEFAULT_TREES, type GraphOption } from '../graph.js';
import { autoFallback, autoScreening, checkScreening, computeScreening, screeningFields, type Screening, type ScreeningChoice } from './screening.js';
import { PARAM_KEY_BYTES, SECTION } from '../format/layout.js';
import { checkKey, encodeKeys } from '../keys/key-table.js';
import { checkStorage, convertStorage, type Storage } from './storage.js';
import { buildingParams, checkTreeEncoding, compactTrees, type TreeEncoding } from './compact-trees.js';

export interface BuilderOptions {
  dimensions: number;
  metric: Metric;
  /** Seed for every random choice of the build (an integer in [0, 2^32)); same seed, same index. Default 0. */
  seed?: number;
  /**
   * How queries screen their candidates before the exact re-rank (SearchOptions.rerank), with a small int8 copy of
   * the vectors that the index computes in memory when it is built or loaded (the file stays the same size):
   * - 'int8': every dimension as int8 (a quarter of the vectors' memory). Not for hamming.
   * - 'pca': the first `screeningDimensions` principal components as int8; for high-dimensional data whose
   *   variance sits in few directions (fashion-mnist: 96 of 784 hold 91%). Angular, euclidean and dot only.
   * - 'none': every candidate gets the exact distance.
   * Default 'auto', chosen at build from the data: pca when the components holding 90% of a sample's variance are at
   * most a quarter of the dimensions (angular, euclidean, dot), else int8; none at 16 dimensions or fewer and for hamming.
   * The index's `screening` says which it got.
   */
  screening?: ScreeningChoice;
  /**
   * pca: how many principal components each code keeps, in [1, dimensions]. Default: the fewest (in steps of 16,
   * at most 256) that hold 90% of the variance of a sample of the items.
   */
  screeningDimensions?: number;
  /**
   * Most items in one leaf. Default Annoy's K (dimensions + 2; hamming 3 + 2 * words), which keeps indexes writable
   * as Annoy files. Smaller leaves mean finer trees: for high dimensions they can reach a recall with fewer candidates.
   */
  leafSize?: number;
  /**
   * Also build a neighbour graph over the items (stored in the file): queries then walk it from the trees' best
   * candidates (SearchOptions.ef), much faster than the trees alone at high recall, and searchAll reads every
   * item's neighbours from it. true: 32 neighbours per item at most; { degree }: that many (2..256). Default false.
   */
  graph?: GraphOption;
  /**
   * Items named by string keys: add(key, vector) and addBatch(flat, keys) number them 0, 1, ... in the order keys
   * first appear (adding a key again replaces its vector); the index maps keys and ids both ways (idOf, keyOf) and
   * results carry `keys`. The keys are saved in the file. Default false.
   */
  keys?: boolean;
  /**
   * How item vectors are stored: 'float32' (the default, as Annoy), 'float16' (half the bytes; relative error <=
   * 2^-11 a value, values up to 65504), 'bfloat16' (half; relative error <= 2^-8, float32's range) or 'int8' (a
   * quarter, plus 4 bytes; one scale per vector, error <= max |x| / 254 a value). Distances are computed from the
   * stored values and getItem returns them. The trees, screening and graph are built from the vectors as given.
   * Not for hamming (its vectors are already bits).
   */
  storage?: Storage;
  /**
   * How the trees are stored: 'full' (Annoy's records: f32 planes, u32 leaf ids) or 'compact' (each split's plane
   * as int8 values and one f32 scale, chosen before the split routes its items, so the build and the search route
   * alike; leaves as ids packed at ceil(log2(size)) bits). glove-100, 100 trees: 0.47x the file. Default 'full',
   * and 'compact' with a graph: there the trees only pick where each walk starts, so their precision does not
   * show in the answers, while their bytes are a sixth of the file.
   */
  treeEncoding?: TreeEncoding;
}

export interface BuildProgress {
  treesDone: number;
  /** The trees asked for; with trees: -1, an estimate that firms up as trees are built. */
  trees: number;
}

export interface BuildOptions {
  /**
   * Trees to build; -1 (the default) is Annoy's rule: add trees until they hold as many nodes as there are items.
   * With a graph the default is 8 trees (they seed the graph and start each query's walk).
   */
  trees?: number;
  onProgress?: (progress: BuildProgress) => void;
}

export interface ParallelBuildOptions extends BuildOptions {
  /** Worker threads building trees, then the graph, at once (Node); the index is byte-identical to jobs: 1. Default 1. */
  jobs?: number;
}

/** Where one tree's nodes went, with its tree-local root. */
interface BuiltTree { at: number; nodes: number; root: number }

const align64 = (n: number) => Math.ceil(n / 64) * 64;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

export class IndexBuilder {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly seed: number;
  /** As asked: 'auto' until the build chooses (then the index's `screening` says which). */
  readonly screening: ScreeningChoice;
  /** pca: the components asked for (0: chosen by variance at build); int8: the dimensions; none: 0. */
  readonly screeningDimensions: number;
  readonly leafSize: number;
  /** Most neighbours per item of the graph the build adds (0: no graph). */
  readonly graphDegree: number;
  /** How the index stores item vectors (BuilderOptions.storage). */
  readonly storage: Storage;
  /** How the index stores its trees (BuilderOptions.treeEncoding). */
  readonly treeEncoding: TreeEncoding;
  #core: Core | null;
  readonly #stride: number;
  #capacity = 0; // ids with room reserved
  #size = 0;
  #count = 0;
  #present = new Uint32Array(64);
  /** pca's parameters computed before the trees (#screenFirst), written after them by #screen. */
  #screened: { fields: Pick<Header, 'codes' | 'codeScale' | 'codeBias' | 'codeDimensions'>; section: Uint8Array } | null = null;
  /** Where the trees' build keeps every item's projections (splits in pca's space), or 0. */
  #projections = 0;
  /** keys: true: each key's id, and each id's key. */
  readonly #ids: Map<string, number> | null;
  readonly #keys: string[] = [];

  constructor(options: BuilderOptions) {
    const o = checkOptions(options, ['dimensions', 'metric', 'seed', 'screening', 'screeningDimensions', 'leafSize', 'graph', 'keys', 'storage', 'treeEncoding'], 'IndexBuilder');
    const { dimensions, metric, seed = 0, screening = 'auto', screeningDimensions, leafSize, keys = false } = o;
    this.graphDegree = checkGraph(o.graph);
    if (typeof keys !== 'boolean') throw new AnnoyError('INVALID_ARGUMENT', `keys ${show(keys)} is not true or false`);
    this.#ids = keys ? new Map() : null;
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
      throw new AnnoyError('INVALID_ARGUMENT', `dimensions ${show(dimensions)} is not an integer in [1, ${MAX_DIMENSIONS}]`);
    }
    metricCode(metric);
    this.storage = checkStorage(metric as Metric, o.storage ?? 'float32');
    this.treeEncoding = checkTreeEncoding(o.treeEncoding ?? (this.graphDegree !== 0 ? 'compact' : 'full'));
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xFFFFFFFF) {
      throw new AnnoyError('INVALID_ARGUMENT', `seed ${show(seed)} is not an integer in [0, 2^32)`);
    }
    if (screening === 'auto' && screeningDimensions !== undefined) {
      throw new AnnoyError('INVALID_ARGUMENT', `screeningDimensions ${show(screeningDimensions)} is for screening: 'pca' only (screening is 'auto' unless given)`);
    }
    const checked = screening === 'auto' ? { screening: 'auto' as const, asked: 0 } : checkScreening(metric as Metric, dimensions, screening, screeningDimensions);
    this.dimensions = dimensions;
    this.metric = metric as Metric;
    this.seed = seed;
    this.screening = checked.screening;
    this.screeningDimensions = checked.asked;
    const annoyK = defaultLeafCapacity(this.metric, dimensions);
    if (leafSize !== undefined && (typeof leafSize !== 'number' || !Number.isInteger(leafSize) || leafSize < 2 || leafSize > annoyK)) {
      throw new AnnoyError('INVALID_ARGUMENT', `leafSize ${show(leafSize)} is not an integer in [2, ${annoyK}] (Annoy's K for ${dimensions}-d ${metric})`);
    }
    this.leafSize = (leafSize as number | undefined) ?? annoyK;
    this.#stride = strideFor(this.metric, dimensions);
    // Shared memory where threads exist, so buildAsync({ jobs }) can hand the vectors to workers without a copy.
    this.#core = new Core(HEADER_BYTES, canShareMemory());
  }

  /** Max id + 1, as Annoy (ids never added are holes). */
  get size(): number { return this.#size; }
  /** How many distinct ids were added. */
  get count(): number { return this.#count; }

  #live(): Core {
    if (this.#core === null) throw new AnnoyError('INVALID_STATE', 'this builder has already built its index; start a new IndexBuilder');
    return this.#core;
  }

  /** Whether items are named by string keys (BuilderOptions.keys). */
  get keys(): boolean { return this.#ids !== null; }

  /** The id of `key`: its own when added before, else the next free one (keys: true). */
  #idFor(key: unknown, what: string): number {
    const k = checkKey(key, what);
    return this.#ids!.get(k) ?? this.#size;
  }

  #remember(key: string, id: number): void {
    if (this.#ids!.has(key)) return;
    this.#ids!.set(key, id);
    this.#keys[id] = key;
  }

  /** Adds (or replaces) item `id`; with keys: true, the item named `key`. */
  add(id: number | string, vector: Vector): this {
    const core = this.#live();
    if (this.#ids !== null) {
      if (typeof id !== 'string') throw new AnnoyError('INVALID_ARGUMENT', `this builder names items by string keys (keys: true), not by id ${show(id)}`);
      checkVector(vector, this.dimensions, this.metric);
      const at = this.#idFor(id, 'key');
      this.#reserve(core, at + 1);
      this.#write(core, at, vector, 0);
      this.#remember(id, at);
      return this;
    }
    const n = checkId(id);
    checkVector(vector, this.dimensions, this.metric);
    this.#reserve(core, n + 1);
    this.#write(core, n, vector, 0);
    return this;
  }

  /**
   * Adds rows of a flat array (rows * dimensions values); ids default to size, size + 1, ... With keys: true, `ids`
   * are the rows' keys (required). All or nothing.
   */
  addBatch(flat: Float32Array | ArrayLike<number>, ids?: ArrayLike<number> | readonly string[]): this {
    const core = this.#live();
    const rows = checkBatch(flat, this.dimensions, this.metric);
    if (this.#ids !== null) {
      if (!Array.isArray(ids) || ids.length !== rows) throw new AnnoyError('INVALID_ARGUMENT', `keys: true takes one key per row (${rows}), not ${show(ids)}`);
      for (let r = 0; r < rows; r++) checkKey(ids[r], `keys[${r}]`);
      for (let r = 0; r < rows; r++) {
        const key = ids[r] as string, at = this.#idFor(key, 'key');
        this.#reserve(core, at + 1);
        this.#write(core, at, flat, r * this.dimensions);
        this.#remember(key, at);
      }
      return this;
    }
    let maxId = this.#size + rows - 1;
    if (ids !== undefined) {
      if (ids === null || typeof ids !== 'object' || typeof (ids as ArrayLike<number>).length !== 'number' || ids.length !== rows) {
        throw new AnnoyError('INVALID_ARGUMENT', `ids has ${ids?.length ?? show(ids)} entries but the batch has ${rows} rows`);
      }
      maxId = -1;
      for (let r = 0; r < rows; r++) maxId = Math.max(maxId, checkId((ids as ArrayLike<number>)[r], `ids[${r}]`));
    } else if (maxId > MAX_ID) {
      throw new AnnoyError('INVALID_ID', `ids up to ${maxId} exceed the largest id ${MAX_ID}`);
    }
    if (rows === 0) return this;
    this.#reserve(core, maxId + 1);
    const first = this.#size;
    for (let r = 0; r < rows; r++) this.#write(core, ids ? (ids as ArrayLike<number>)[r] : first + r, flat, r * this.dimensions);
    return this;
  }

  #reserve(core: Core, items: number): void {
    if (items <= this.#capacity) return;
    const want = Math.max(items, Math.min(this.#capacity * 2, MAX_ID + 1));
    const end = (n: number) => core.base + HEADER_BYTES + n * this.#stride;
    try {
      core.ensure(end(want));
      this.#capacity = want;
    } catch (e) {
      if (want === items) throw capacityError(e, items, this.#stride);
      try {
        core.ensure(end(items));
      } catch (e2) {
        throw capacityError(e2, items, this.#stride);
      }
      this.#capacity = items;
    }
  }

  #write(core: Core, id: number, values: ArrayLike<number>, start: number): void {
    const dims = this.dimensions;
    const at = (core.base + HEADER_BYTES + id * this.#stride) >>> 2;
    if (this.metric === 'hamming') {
      const u32 = new Uint32Array(core.memory.buffer);
      u32.fill(0, at, at + this.#stride / 4);
      for (let j = 0; j < dims; j++) if (values[start + j] === 1) u32[at + (j >>> 5)] |= 1 << (j & 31);
    } else {
      const f32 = new Float32Array(core.memory.buffer);
      if (values instanceof Float32Array) f32.set(values.subarray(start, start + dims), at);
      else for (let j = 0; j < dims; j++) f32[at + j] = values[start + j];
    }
    const word = id >>> 5;
    if (word >= this.#present.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.#present.length * 2));
      grown.set(this.#present);
      this.#present = grown;
    }
    const bit = 1 << (id & 31);
    if ((this.#present[word] & bit) === 0) {
      this.#present[word] |= bit;
      this.#count++;
    }
    if (id >= this.#size) this.#size = id + 1;
  }

  /** Builds the forest. The builder is spent afterwards (its memory now belongs to the index, or is dropped). */
  build(options?: BuildOptions): Index {
    const core = this.#live();
    const { trees, onProgress } = this.#withGraphTrees(options, checkBuildOptions(options, ['trees', 'onProgress']));
    return this.#finish(core, (header, s) => this.#buildHere(core, header, s, trees, onProgress)) as Index;
  }

  /**
   * Builds the forest, then the graph (if any), with `jobs` worker threads over the builder's shared memory (Node).
   * Each tree depends only on the seed and its number, and each graph build step's result is the same for any
   * split of its items (assembly/graph-build.ts), so the index is byte-identical to build() with the same seed.
   */
  async buildAsync(options?: ParallelBuildOptions): Promise<Index> {
    const core = this.#live();
    const { trees, onProgress, jobs } = this.#withGraphTrees(options, checkBuildOptions(options, ['trees', 'onProgress', 'jobs']));
    if (jobs === 1 || !core.shared || this.#count === 0) return this.build({ trees, onProgress });
    this.#core = null; // no add or build while the workers run
    const header = this.#header();
    let built: BuiltTree[];
    let threads: WorkerLike[];
    try {
      ({ built, threads } = await this.#buildInWorkers(core, header, trees, jobs, onProgress));
    } catch (e) {
      core.bytes.fill(0, core.base + sectionsFor(header).presentOffset); // lose nothing, as build() does
      this.#core = core;
      throw e;
    }
    // The same workers build the graph's steps (the same bytes as one thread: graph.ts).
    try {
      return await this.#finish(core, () => built, header, (from) => buildGraphSectionWith(core, from, threads));
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
  }

  /** A graph index builds GRAPH_DEFAULT_TREES trees unless told otherwise. */
  #withGraphTrees<T extends { trees: number }>(options: unknown, checked: T): T {
    const asked = (options as { trees?: unknown } | undefined)?.trees;
    return this.graphDegree !== 0 && asked === undefined ? { ...checked, trees: GRAPH_DEFAULT_TREES } : checked;
  }

  #header(): Header {
    const leafCapacity = this.leafSize;
    return buildingParams(withGraph({
      metric: this.metric, dimensions: this.dimensions, stride: this.#stride, size: this.#size, count: this.#count,
      trees: 0, nodeCount: 0, nodeBytes: nodeBytesFor(this.#stride, leafCapacity), leafCapacity, seed: this.seed, checksum: 0n, ...noSections(),
      ...screeningFields(this.#firstScreening(), this.#asked(this.#firstScreening()), this.dimensions),
    }, this.#count > 0 ? this.graphDegree : 0), this.treeEncoding);
  }

  #firstScreening(): Screening {
    return this.screening === 'auto' ? autoScreening(this.metric, this.dimensions) : this.screening;
  }

  /** What the core takes for `screening` (checkScreening's `asked`): int8 the dimensions, pca the components or 0. */
  #asked(screening: Screening): number {
    return screening === 'int8' ? this.dimensions : screening === 'pca' ? this.screeningDimensions : 0;
  }

  /**
   * pca's parameters before the trees, when the header (before any tree) asks for pca: they depend only on the items,
   * and the trees of angular and euclidean indexes split in the components' space (assembly/build.ts componentDims).
   * The header object takes the screening kept ('auto' may fall back to int8 here, and the trees then split as
   * usual); the basis is kept aside, since the trees are laid where its section lies now, and #screen writes it back.
   */
  #screenFirst(core: Core, header: Header): void {
    this.#screened = null;
    if (header.codes !== 'pca') return;
    const base = core.base;
    this.#compute(core);
    const now = readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES));
    const s = sectionsFor(now);
    const fields = { codes: now.codes, codeScale: now.codeScale, codeBias: now.codeBias, codeDimensions: now.codeDimensions };
    this.#screened = { fields, section: core.bytes.slice(base + s.codesOffset, base + s.fileBytes) };
    Object.assign(header, fields);
  }

  /** The screening parameters into the sealed-to-be file: those #screenFirst kept, or computed now. */
  #screen(core: Core): void {
    const saved = this.#screened;
    if (saved === null) return this.#compute(core);
    this.#screened = null;
    const base = core.base;
    const header = { ...readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES)), ...saved.fields };
    writeHeader(core.bytes.subarray(base), header);
    const s = sectionsFor(header);
    core.ensure(base + s.fileBytes, 'the index');
    core.bytes.set(saved.section, base + s.codesOffset);
  }

  /**
   * The screening codes from the projections the trees were split by (pca, angular and euclidean), into scratch at
   * `at` (past the trees, their assembly and where the index's codes go), while the header before the trees and its
   * basis are still in memory: the bits a load computes (assembly/codes.ts encodeCodesFrom), without projecting
   * every item again. #finish moves them into place; null when the build had no projections.
   */
  #codesFromProjections(core: Core, at: number): { at: number; bytes: number } | null {
    const projections = this.#projections;
    this.#projections = 0;
    if (projections === 0) return null;
    const base = core.base;
    const now = readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES));
    const out = align64(at);
    const bytes = now.size * align16(now.codeDimensions ?? 0);
    const work = align64(out + bytes);
    core.ensure(work + 4 * align16(now.codeDimensions ?? 0), 'the screening codes');
    core.exports.encodeCodesFrom(base, projections, out, work);
    return { at: out, bytes };
  }

  /** Computes the screening parameters of the file in memory; 'auto' may trade pca for int8 or none once it saw the data. */
  #compute(core: Core): void {
    const base = core.base;
    const read = () => readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES));
    const first = read();
    if (first.codes === 'none') return;
    computeScreening(core, this.#asked(first.codes ?? 'none'));
    const header = read();
    const instead = this.screening === 'auto' && header.codes === 'pca' ? autoFallback(this.dimensions, header.codeDimensions ?? 0) : null;
    if (instead === null) return;
    const next: Header = { ...header, ...screeningFields(instead, this.#asked(instead), this.dimensions) };
    writeHeader(core.bytes.subarray(base), next);
    core.bytes.fill(0, base + sectionsFor(next).fileBytes, base + sectionsFor(header).fileBytes); // pca's basis and offsets
    if (instead !== 'none') computeScreening(core, this.#asked(instead));
  }

  /**
   * Lays out the header and present bitmap, lets `grow` build the trees (each tree's nodes with local refs,
   * somewhere past the nodes offset), then moves them into place, relocated, and seals the file.
   */
  #finish(core: Core, grow: (header: Header, before: Sections) => BuiltTree[], prepared?: Header, graphWith?: (from: number) => Promise<void>): Index | Promise<Index> {
    const header = prepared ?? this.#header();
    const before = sectionsFor(header);
    const base = core.base;
    const wipeFrom = base + before.presentOffset;
    try {
      const trees = this.#count === 0 ? [] : grow(header, before);
      const total = trees.reduce((n, t) => n + t.nodes, 0);
      header.trees = trees.length;
      header.nodeCount = total;
      const keys = this.#ids !== null && this.#count > 0 ? encodeKeys(this.#keys, this.#size) : null;
      if (keys) {
        header.sectionBytes[SECTION.KEYS] = keys.section.length;
        header.sectionParams[PARAM_KEY_BYTES] = keys.keyBytes;
      }
      const s = sectionsFor(header);
      // The trees go in order straight to their place when that covers no tree still to move (a serial build's lie
      // in order past it); else they are assembled past everything built so far and the block moved into place. An
      // assembly area would stay in the builder's memory, and the index's until it settles: the nodes' size again.
      const scratchEnd = trees.reduce((end, t) => Math.max(end, t.at + t.nodes * header.nodeBytes), base + s.nodesOffset);
      const direct = straightIntoPlace(trees, base + s.nodesOffset, header.nodeBytes);
      const assembly = direct ? base + s.nodesOffset : align64(scratchEnd);
      core.ensure(assembly + s.nodesBytes, 'the build');
      // before the trees move: the projections the codes come from lie where the nodes go
      const codes = this.#codesFromProjections(core, Math.max(direct ? scratchEnd : assembly + s.nodesBytes, base + s.memoryBytes));
      const roots: number[] = [];
      let done = 0;
      for (const t of trees) {
        const to = assembly + done * header.nodeBytes;
        core.bytes.copyWithin(to, t.at, t.at + t.nodes * header.nodeBytes);
        core.exports.relocate(to, t.nodes, header.nodeBytes, done);
        roots.push(t.root + done);
        done += t.nodes;
      }
      if (!direct) core.bytes.copyWithin(base + s.nodesOffset, assembly, assembly + s.nodesBytes);
      core.ensure(base + s.fileBytes, 'the index');
      const bytes = core.bytes;
      bytes.fill(0, base + s.rootsOffset, base + s.fileBytes);
      new Int32Array(core.memory.buffer, base + s.rootsOffset, roots.length).set(roots);
      if (keys) core.bytes.set(keys.section, base + s.extra[SECTION.KEYS].offset);
      writeHeader(bytes.subarray(base), header);
      this.#screen(core); // may grow memory: take core.bytes afresh
      if (codes) core.bytes.copyWithin(base + align64(s.fileBytes), codes.at, codes.at + codes.bytes);
      const seal = () => {
        try {
          // codes from the build's projections are of the float32 values: other storage computes them from the stored ones, as a load does
          const codesReady = codes !== null && this.storage === 'float32';
          compactTrees(core, codesReady); // after the graph, whose seeding reads full leaf records
          convertStorage(core, this.storage); // last: everything above was built from the vectors as given
          const sealed = sectionsFor(readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES)));
          core.exports.seal(base, sealed.fileBytes);
          const index = new Index(IndexImage.open(settled(core, sealed.memoryBytes), 1, codesReady));
          this.#core = null;
          return index;
        } catch (e) {
          return this.#lose(core, wipeFrom, e);
        }
      };
      if (this.graphDegree !== 0 && this.#count > 0) {
        const from = base + sectionsFor(readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES))).memoryBytes;
        if (graphWith) return graphWith(from).then(seal, (e) => this.#lose(core, wipeFrom, e));
        buildGraphSection(core, from);
      }
      return seal();
    } catch (e) {
      return this.#lose(core, wipeFrom, e);
    }
  }

  /** Lose nothing: clear what the build wrote past the vectors, so adding and building again still works. */
  #lose(core: Core, wipeFrom: number, e: unknown): never {
    core.bytes.fill(0, wipeFrom);
    this.#core = core;
    throw e;
  }

  /**
   * Writes the header and present bitmap, computes pca's parameters (#screenFirst) and prepares the extras past the
   * file as it stands (pca's basis, which the build reads, included); returns where the extras start and end.
   */
  #prepare(core: Core, header: Header, s: Sections): { extras: number; end: number } {
    const base = core.base;
    core.ensure(base + s.nodesOffset);
    writeHeader(core.bytes.subarray(base), header);
    core.bytes.set(new Uint8Array(this.#present.buffer, 0, Math.min(s.presentBytes, this.#present.byteLength)), base + s.presentOffset);
    this.#screenFirst(core, header);
    const extras = align64(base + sectionsFor(readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES))).fileBytes);
    const end = align64(extras + (core.exports.extrasBytes(base) >>> 0));
    core.ensure(end, 'the build');
    core.exports.prepareBuild(base, extras);
    this.#projections = core.exports.componentDims(base) !== 0 ? extras + core.exports.projectionsOffset(base) : 0;
    return { extras, end };
  }

  /** The serial build: this thread's instance writes tree after tree, growing memory as it goes. */
  #buildHere(core: Core, header: Header, s: Sections, trees: number, onProgress: BuildOptions['onProgress']): BuiltTree[] {
    const { extras, end: scratch } = this.#prepare(core, header, s);
    const first = align64(scratch + (core.exports.buildScratchBytes(core.base) >>> 0));
    core.ensure(first + header.nodeBytes, 'the build');
    core.exports.beginBuild(core.base, extras, scratch);
    const built: BuiltTree[] = [];
    let at = first, total = 0;
    while (this.#wantMore(built.length, total, trees)) {
      const root = core.exports.buildTree(core.base, this.seed, built.length, at, 0);
      const nodes = core.exports.builtNodes.value as number;
      if (core.exports.buildFailed.value) throw this.#outgrew(built.length, total + nodes, header);
      built.push({ at, nodes, root });
      at += nodes * header.nodeBytes;
      total += nodes;
      this.#report(onProgress, built.length, total, trees);
    }
    return built;
  }

  /**
   * The parallel build: each worker owns a scratch area and a region big enough for any one tree (at most
   * 1.5 * count nodes: leaves hold >= 2 items, splits < items); finished trees are copied out of the region
   * in completion order and assembled in tree order by #finish.
   */
  async #buildInWorkers(core: Core, header: Header, trees: number, jobs: number, onProgress: BuildOptions['onProgress']): Promise<{ built: BuiltTree[]; threads: WorkerLike[] }> {
    const s = sectionsFor(header);
    const base = core.base;
    const { extras, end: scratchStart } = this.#prepare(core, header, s);
    const scratchBytes = align64(core.exports.buildScratchBytes(base) >>> 0);
    const regionBytes = align64((Math.ceil(1.5 * this.#count) + 2) * header.nodeBytes);
    const workers = Math.min(jobs, trees === -1 ? jobs : trees);
    const regions = align64(scratchStart + workers * scratchBytes);
    let spill = regions + workers * regionBytes; // finished trees go here, in completion order
    core.ensure(spill, 'a parallel build (use fewer jobs)');
    const module = wasmModule(true);
    const threads = await Promise.all(Array.from({ length: workers }, (_, w) =>
      startWorker({ module, memory: core.memory, base, extras, scratch: scratchStart + w * scratchBytes })));
    const built: BuiltTree[] = [];
    let next = 0, doneNodes = 0, finished = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const give = (w: number) => {
          // Auto mode: stop handing out trees once the finished prefix satisfies the rule, as build() would.
          if (!this.#wantMore(prefixLength(built), prefixNodes(built), trees) || (trees !== -1 && next >= trees)) {
            if (++finished === workers) resolve();
            return;
          }
          const tree = next++;
          const region = regions + w * regionBytes;
          threads[w].once('message', (m: { root: number; nodes: number; failed: boolean }) => {
            try { // a throwing onProgress (or memory that cannot grow) must reject the build, not escape
              if (m.failed) throw this.#outgrew(tree, m.nodes, header);
              core.ensure(spill + m.nodes * header.nodeBytes, 'the build');
              core.bytes.copyWithin(spill, region, region + m.nodes * header.nodeBytes);
              built[tree] = { at: spill, nodes: m.nodes, root: m.root };
              spill += m.nodes * header.nodeBytes;
              doneNodes += m.nodes;
              this.#report(onProgress, prefixLength(built), doneNodes, trees);
              give(w);
            } catch (e) {
              reject(e);
            }
          });
          threads[w].postMessage({ id: tree, op: 'build', seed: this.seed, tree, nodes: region, end: region + regionBytes });
        };
        for (const t of threads) {
          t.once('error', reject);
          t.once('exit', (code) => reject(new AnnoyError('WORKER_FAILED', `a build worker exited (code ${code}) before the build finished`)));
        }
        for (let w = 0; w < workers; w++) give(w);
      });
    } catch (e) {
      await Promise.all(threads.map((t) => t.terminate()));
      throw e;
    }
    // Auto mode may have built a few trees past the rule's stopping point: keep exactly the serial prefix.
    const kept: BuiltTree[] = [];
    let total = 0;
    for (const t of built) {
      if (!this.#wantMore(kept.length, total, trees)) break;
      kept.push(t);
      total += t.nodes;
    }
    return { built: kept, threads };
  }

  /** Annoy's stopping rule (trees = -1: until the trees hold as many nodes as there are items), or `trees`. */
  #wantMore(treesDone: number, nodes: number, trees: number): boolean {
    return trees === -1 ? treesDone === 0 || nodes < this.#count : treesDone < trees;
  }

  #report(onProgress: BuildOptions['onProgress'], treesDone: number, nodes: number, trees: number): void {
    if (!onProgress || treesDone === 0) return;
    const total = trees === -1 ? Math.max(treesDone, Math.ceil(this.#count / (nodes / treesDone))) : trees;
    onProgress({ treesDone, trees: total });
  }

  #outgrew(trees: number, nodes: number, header: Header): AnnoyError {
    return new AnnoyError('CAPACITY', `the forest outgrew wasm32 memory after ${trees} trees (${nodes} nodes of ${header.nodeBytes} bytes, ${formatBytes(nodes * header.nodeBytes)}): build fewer trees or shard the items`);
  }
}

/**
 * Whether the trees, moved in order to `to` one after another, can go straight there: no tree's place covers the
 * nodes of a tree moved after it (its own may overlap: copyWithin moves like memmove).
 */
function straightIntoPlace(trees: BuiltTree[], to: number, nodeBytes: number): boolean {
  let at = to;
  const ends = trees.map((t) => (at += t.nodes * nodeBytes));
  let lowestLater = Infinity;
  for (let k = trees.length - 1; k >= 0; k--) {
    if (ends[k] > lowestLater) return false;
    lowestLater = Math.min(lowestLater, trees[k].at);
  }
  return true;
}

/** The finished trees 0, 1, ... without a gap. */
function prefixLength(built: BuiltTree[]): number {
  let n = 0;
  while (built[n]) n++;
  return n;
}
function prefixNodes(built: BuiltTree[]): number {
  let nodes = 0;
  for (let n = 0; built[n]; n++) nodes += built[n].nodes;
  return nodes;
}

function checkBuildOptions(options: unknown, known: string[]): { trees: number; onProgress: BuildOptions['onProgress']; jobs: number } {
  const o = checkOptions(options, known, 'build');
  const { trees = -1, onProgress, jobs = 1 } = o;
  if (typeof trees !== 'number' || !Number.isInteger(trees) || (trees < 1 && trees !== -1)) {
    throw new AnnoyError('INVALID_ARGUMENT', `trees ${show(trees)} is not an integer >= 1 (or -1 for Annoy's automatic rule)`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new AnnoyError('INVALID_ARGUMENT', `onProgress ${show(onProgress)} is not a function`);
  }
  if (typeof jobs !== 'number' || !Number.isInteger(jobs) || jobs < 1 || jobs > 256) {
    throw new AnnoyError('INVALID_ARGUMENT', `jobs ${show(jobs)} is not an integer in [1, 256]`);
  }
  return { trees, onProgress: onProgress as BuildOptions['onProgress'], jobs };
}

function capacityError(cause: unknown, items: number, stride: number): unknown {
  if (!(cause instanceof AnnoyError)) return cause;
  return new AnnoyError('CAPACITY', `${items} item slots of ${stride} bytes (${formatBytes(items * stride)}) do not fit in the 4 GiB one wasm32 index addresses: ${cause.message}`);
}

/**
 * The memory a built index keeps. Wasm memory never shrinks, and a build leaves scratch past the index in the
 * builder's memory: the float32 vectors an int8, float16 or bfloat16 index was built from, full trees a compact
 * index was made from, a graph's NN-descent state, the parallel build's tree regions. The index would hold it for its
 * whole life. When that scratch is bigger than the index itself (file and screening codes, `memoryBytes` from
 * core.base), the index moves into a fresh memory of its own size (the builder's is dropped with the builder): the
 * move costs the process the index's size once more at its peak, and saves it the scratch for good; below that the
 * saving would not pay for the peak. So an index never holds more than twice its own memory. (Full GloVe, int8
 * vectors and compact trees: 95 MiB of wasm memory instead of the builder's 264 at 10 trees, 238 instead of 1,049 at
 * 100; README, Limits.) When no second memory can be had, the index keeps the builder's: the build does not fail.
 */
function settled(core: Core, memoryBytes: number): Core {
  const scratch = core.memory.buffer.byteLength - (core.base + memoryBytes);
  if (scratch <= memoryBytes) return core;
  try {
    return intoOwnMemory(core, memoryBytes);
  } catch (e) {
    if ((e instanceof AnnoyError && e.code === 'CAPACITY') || e instanceof RangeError) return core; // RangeError: no new Memory
    throw e;
  }
}

/** The index at core.base (`memoryBytes`) in a fresh memory of its size, with its one scratch slot. */
function intoOwnMemory(core: Core, memoryBytes: number): Core {
  const own = new Core(HEADER_BYTES, core.shared);
  own.bytes.set(core.bytes.subarray(core.base, core.base + HEADER_BYTES), own.base);
  IndexImage.reserve(own, 1); // the file and one scratch slot at once, as a load reserves them
  own.bytes.set(core.bytes.subarray(core.base, core.base + memoryBytes), own.base);
  return own;
}
