// IndexBuilder: collects item vectors straight into wasm memory (in file order, so the build moves nothing but
// the nodes) and builds the forest into that same memory, which the resulting Index then owns.
import { AnnoyError, show } from './errors.js';
import { checkBatch, checkId, checkOptions, checkVector, MAX_ID, type Vector } from './checks.js';
import { HEADER_BYTES, MAX_DIMENSIONS, defaultLeafCapacity, nodeBytesFor, sectionsFor, strideFor, writeHeader, type Header } from './format/layout.js';
import { metricCode, type Metric } from './metric.js';
import { Core, formatBytes } from './runtime/wasm.js';
import { Index } from './index-reader.js';

export interface BuilderOptions {
  dimensions: number;
  metric: Metric;
  /** Seed for every random choice of the build (an integer in [0, 2^32)); same seed, same index. Default 0. */
  seed?: number;
}

export interface BuildProgress {
  treesDone: number;
  /** The trees asked for; with trees: -1, an estimate that firms up as trees are built. */
  trees: number;
}

export interface BuildOptions {
  /** Trees to build; -1 (the default) is Annoy's rule: add trees until they hold as many nodes as there are items. */
  trees?: number;
  onProgress?: (progress: BuildProgress) => void;
}

const align64 = (n: number) => Math.ceil(n / 64) * 64;

export class IndexBuilder {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly seed: number;
  #core: Core | null;
  readonly #stride: number;
  #capacity = 0; // ids with room reserved
  #size = 0;
  #count = 0;
  #present = new Uint32Array(64);

  constructor(options: BuilderOptions) {
    const o = checkOptions(options, ['dimensions', 'metric', 'seed'], 'IndexBuilder');
    const { dimensions, metric, seed = 0 } = o;
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
      throw new AnnoyError('INVALID_ARGUMENT', `dimensions ${show(dimensions)} is not an integer in [1, ${MAX_DIMENSIONS}]`);
    }
    metricCode(metric);
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xFFFFFFFF) {
      throw new AnnoyError('INVALID_ARGUMENT', `seed ${show(seed)} is not an integer in [0, 2^32)`);
    }
    this.dimensions = dimensions;
    this.metric = metric as Metric;
    this.seed = seed;
    this.#stride = strideFor(this.metric, dimensions);
    this.#core = new Core(HEADER_BYTES);
  }

  /** Max id + 1, as Annoy (ids never added are holes). */
  get size(): number { return this.#size; }
  /** How many distinct ids were added. */
  get count(): number { return this.#count; }

  #live(): Core {
    if (this.#core === null) throw new AnnoyError('INVALID_STATE', 'this builder has already built its index; start a new IndexBuilder');
    return this.#core;
  }

  /** Adds (or replaces) item `id`. */
  add(id: number, vector: Vector): this {
    const core = this.#live();
    checkId(id);
    checkVector(vector, this.dimensions, this.metric);
    this.#reserve(core, id + 1);
    this.#write(core, id, vector, 0);
    return this;
  }

  /** Adds rows of a flat array (rows * dimensions values); ids default to size, size + 1, ... All or nothing. */
  addBatch(flat: Float32Array | ArrayLike<number>, ids?: ArrayLike<number>): this {
    const core = this.#live();
    const rows = checkBatch(flat, this.dimensions, this.metric);
    let maxId = this.#size + rows - 1;
    if (ids !== undefined) {
      if (ids === null || typeof ids !== 'object' || typeof (ids as ArrayLike<number>).length !== 'number' || ids.length !== rows) {
        throw new AnnoyError('INVALID_ARGUMENT', `ids has ${ids?.length ?? show(ids)} entries but the batch has ${rows} rows`);
      }
      maxId = -1;
      for (let r = 0; r < rows; r++) maxId = Math.max(maxId, checkId(ids[r], `ids[${r}]`));
    } else if (maxId > MAX_ID) {
      throw new AnnoyError('INVALID_ID', `ids up to ${maxId} exceed the largest id ${MAX_ID}`);
    }
    if (rows === 0) return this;
    this.#reserve(core, maxId + 1);
    const first = this.#size;
    for (let r = 0; r < rows; r++) this.#write(core, ids ? ids[r] : first + r, flat, r * this.dimensions);
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

  /** Builds the forest. The builder is spent afterwards (its memory now belongs to the index). */
  build(options?: BuildOptions): Index {
    const core = this.#live();
    const o = checkOptions(options, ['trees', 'onProgress'], 'build');
    const { trees = -1, onProgress } = o;
    if (typeof trees !== 'number' || !Number.isInteger(trees) || (trees < 1 && trees !== -1)) {
      throw new AnnoyError('INVALID_ARGUMENT', `trees ${show(trees)} is not an integer >= 1 (or -1 for Annoy's automatic rule)`);
    }
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new AnnoyError('INVALID_ARGUMENT', `onProgress ${show(onProgress)} is not a function`);
    }
    const leafCapacity = defaultLeafCapacity(this.metric, this.dimensions);
    const header: Header = {
      metric: this.metric, dimensions: this.dimensions, stride: this.#stride, size: this.#size, count: this.#count,
      trees: 0, nodeCount: 0, nodeBytes: nodeBytesFor(this.#stride, leafCapacity), leafCapacity, seed: this.seed, checksum: 0n,
    };
    const before = sectionsFor(header);
    const wipeFrom = core.base + before.presentOffset;
    try {
      const roots = this.#count === 0 ? [] : this.#grow(core, header, trees as number, onProgress as BuildOptions['onProgress']);
      header.trees = roots.length;
      header.nodeCount = core.exports.builtNodes.value as number;
      const s = sectionsFor(header);
      const base = core.base;
      if (this.#count > 0) {
        const nodesStart = align64(base + before.nodesOffset + (core.exports.buildScratchBytes(base) >>> 0));
        core.bytes.copyWithin(base + s.nodesOffset, nodesStart, nodesStart + s.nodesBytes);
      }
      core.ensure(base + s.fileBytes);
      const bytes = core.bytes;
      bytes.fill(0, base + s.rootsOffset, base + s.fileBytes);
      new Int32Array(core.memory.buffer, base + s.rootsOffset, roots.length).set(roots);
      writeHeader(bytes.subarray(base), header);
      header.checksum = BigInt.asUintN(64, core.exports.checksum(base, s.fileBytes));
      writeHeader(bytes.subarray(base), header);
      const index = Index.fromCore(core, header);
      this.#core = null;
      return index;
    } catch (e) {
      // Lose nothing: clear what the build wrote past the vectors, so adding and building again still works.
      core.bytes.fill(0, wipeFrom);
      throw e;
    }
  }

  /** Runs the wasm build tree by tree; returns the roots. */
  #grow(core: Core, header: Header, trees: number, onProgress: BuildOptions['onProgress']): number[] {
    const base = core.base;
    const s = sectionsFor(header);
    core.ensure(base + s.nodesOffset);
    const bytes = core.bytes;
    writeHeader(bytes.subarray(base), header);
    bytes.set(new Uint8Array(this.#present.buffer, 0, Math.min(s.presentBytes, this.#present.byteLength)), base + s.presentOffset);
    const scratch = base + s.nodesOffset;
    const nodesStart = align64(scratch + (core.exports.buildScratchBytes(base) >>> 0));
    core.ensure(nodesStart + header.nodeBytes, 'the build');
    core.exports.beginBuild(base, scratch, nodesStart);
    const roots: number[] = [];
    const auto = trees === -1;
    while (auto ? roots.length === 0 || (core.exports.builtNodes.value as number) < this.#count : roots.length < trees) {
      roots.push(core.exports.buildTree(base, this.seed, roots.length));
      if (core.exports.buildFailed.value) {
        const nodes = core.exports.builtNodes.value as number;
        throw new AnnoyError('CAPACITY', `the forest outgrew wasm32 memory after ${roots.length} trees (${nodes} nodes of ${header.nodeBytes} bytes, ${formatBytes(nodes * header.nodeBytes)}): build fewer trees or shard the items`);
      }
      if (onProgress) {
        const nodes = core.exports.builtNodes.value as number;
        const total = auto ? Math.max(roots.length, Math.ceil(this.#count / (nodes / roots.length))) : trees;
        onProgress({ treesDone: roots.length, trees: total });
      }
    }
    return roots;
  }
}

function capacityError(cause: unknown, items: number, stride: number): unknown {
  if (!(cause instanceof AnnoyError)) return cause;
  return new AnnoyError('CAPACITY', `${items} item slots of ${stride} bytes (${formatBytes(items * stride)}) do not fit in the 4 GiB one wasm32 index addresses: ${cause.message}`);
}
