// ShardedIndexBuilder: for item sets larger than one wasm memory (4 GiB). Ids are split into consecutive ranges
// of `shardSize`; each range is its own IndexBuilder (its own memory), built and saved one after another as an
// ordinary index file, plus a manifest (manifest.ts) that IndexPool and ShardedIndex.open read.
import { AnnoyError, show } from '../errors.js';
import { IndexBuilder, type BuildProgress, type BuilderOptions } from '../build/builder.js';
import { checkBatch, checkId, checkOptions, type Vector } from '../checks.js';
import { strideFor } from '../format/layout.js';
import { checkKey } from '../keys/key-table.js';
import { metricCode, type Metric } from '../metric.js';
import { nodeFs, writeFileAtomic } from '../runtime/node-fs.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest, type ShardEntry } from './manifest.js';
import type { Index } from '../index/index.js';

/** IndexBuilder's options (every shard is built with them), and the shard size. */
export interface ShardedBuilderOptions extends BuilderOptions {
  /** Ids per shard. Default: as many as take 1 GiB of vectors, leaving room for the forest in 4 GiB. */
  shardSize?: number;
}

export interface ShardedSaveOptions {
  trees?: number;
  /** Worker threads per shard build (IndexBuilder.buildAsync). */
  jobs?: number;
  onProgress?: (progress: BuildProgress & { shard: number; shards: number }) => void;
}

export class ShardedIndexBuilder {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly seed: number;
  readonly screening: BuilderOptions['screening'];
  readonly shardSize: number;
  readonly #options: BuilderOptions;
  readonly #shards: (IndexBuilder | undefined)[] = [];
  readonly #built = new Map<number, Index>();        // built, not yet written
  readonly #written = new Map<number, ShardEntry>(); // written by a save that has not finished
  #savingTo: string | undefined;
  #saved = false;

  constructor(options: ShardedBuilderOptions) {
    const o = checkOptions(options, ['dimensions', 'metric', 'seed', 'screening', 'screeningDimensions', 'leafSize', 'graph', 'keys', 'storage', 'shardSize'], 'ShardedIndexBuilder');
    metricCode(o.metric);
    const { shardSize: _, ...shardOptions } = o as unknown as ShardedBuilderOptions;
    const probe = new IndexBuilder(shardOptions); // checks the options once, before any shard exists
    this.#options = shardOptions;
    this.dimensions = probe.dimensions;
    this.metric = probe.metric;
    this.seed = probe.seed;
    this.screening = probe.screening;
    const { shardSize = Math.max(1, Math.floor(2 ** 30 / strideFor(this.metric, this.dimensions))) } = o;
    if (typeof shardSize !== 'number' || !Number.isInteger(shardSize) || shardSize < 1 || shardSize > 2 ** 31 - 1) {
      throw new AnnoyError('INVALID_ARGUMENT', `shardSize ${show(shardSize)} is not an integer in [1, 2^31 - 1)`);
    }
    this.shardSize = shardSize;
    this.#ids = probe.keys ? new Map() : null;
  }

  /**
   * keys: true: each key's global id. The builder numbers keys over every shard (0, 1, ... in the order they first
   * appear), so a key names one item in one shard, and each shard's own builder numbers its keys alike (its local id
   * is the global id % shardSize).
   */
  readonly #ids: Map<string, number> | null;
  #nextId = 0;

  /** Whether items are named by string keys (keys: true). */
  get keys(): boolean { return this.#ids !== null; }

  /** Adds (or replaces) the item named `key` (keys: true) in the shard its global id falls in. */
  #addKeyed(key: unknown, vector: Vector, what: string): void {
    if (typeof key !== 'string') throw new AnnoyError('INVALID_ARGUMENT', `this builder names items by string keys (keys: true), not by ${what} ${show(key)}`);
    const known = this.#ids!.get(key);
    const id = known ?? this.#nextId;
    const shard = this.#shard(id);
    shard.add(key, vector); // checks the key and the vector before anything is added
    if (known === undefined) {
      this.#ids!.set(key, id);
      this.#nextId++;
      // the shard numbered the new key as we did (its items arrive in id order)
      if (shard.size !== id % this.shardSize + 1) throw new AnnoyError('INVALID_STATE', `key ${JSON.stringify(key)} got local id ${shard.size - 1} in its shard, not ${id % this.shardSize}`);
    }
  }

  /** Max id + 1 over every shard. */
  get size(): number {
    for (let s = this.#shards.length - 1; s >= 0; s--) {
      const b = this.#shards[s];
      if (b && b.size > 0) return s * this.shardSize + b.size;
    }
    return 0;
  }

  #shard(id: number): IndexBuilder {
    if (this.#saved) throw new AnnoyError('INVALID_STATE', 'this builder has already saved its shards; start a new ShardedIndexBuilder');
    if (this.#savingTo !== undefined) throw new AnnoyError('INVALID_STATE', `a save to ${this.#savingTo} has started: call save again to finish it; nothing more can be added`);
    const s = Math.floor(id / this.shardSize);
    return (this.#shards[s] ??= new IndexBuilder(this.#options));
  }

  /** Adds (or replaces) item `id`; with keys: true, the item named `key`. */
  add(id: number | string, vector: Vector): this {
    if (this.#ids !== null) {
      this.#addKeyed(id, vector, 'id');
      return this;
    }
    checkId(id);
    id = id as number;
    this.#shard(id).add(id % this.shardSize, vector);
    return this;
  }

  /**
   * Rows of a flat array; ids default to size, size + 1, ... Checked whole before any row is added. With keys: true,
   * `ids` are the rows' keys (required).
   */
  addBatch(flat: Float32Array | ArrayLike<number>, ids?: ArrayLike<number> | readonly string[]): this {
    const rows = checkBatch(flat, this.dimensions, this.metric);
    if (this.#ids !== null) {
      if (!Array.isArray(ids) || ids.length !== rows) throw new AnnoyError('INVALID_ARGUMENT', `keys: true takes one key per row (${rows}), not ${show(ids)}`);
      for (let r = 0; r < rows; r++) checkKey(ids[r], `keys[${r}]`);
      const d = this.dimensions;
      for (let r = 0; r < rows; r++) this.#addKeyed(ids[r], flat instanceof Float32Array ? flat.subarray(r * d, (r + 1) * d) : Array.from({ length: d }, (_, j) => flat[r * d + j]), 'id');
      return this;
    }
    const first = this.size;
    const idOf = (r: number) => (ids ? checkId(ids[r], `ids[${r}]`) : checkId(first + r, 'id'));
    if (ids && ids.length !== rows) throw new AnnoyError('INVALID_ARGUMENT', `ids has ${ids.length} entries but the batch has ${rows} rows`);
    for (let r = 0; r < rows; r++) idOf(r);
    const d = this.dimensions;
    for (let r = 0; r < rows; r++) {
      const id = idOf(r);
      this.#shard(id).add(id % this.shardSize, flat instanceof Float32Array ? flat.subarray(r * d, (r + 1) * d) : Array.from({ length: d }, (_, j) => flat[r * d + j]));
    }
    return this;
  }

  /**
   * Builds every shard in turn, writing `dir`/shard-NNNN.annoy and `dir`/manifest.json (each atomically);
   * returns the manifest's path. Each shard's memory is released once its file is written.
   */
  async save(dir: string, options?: ShardedSaveOptions): Promise<string> {
    const o = checkOptions(options, ['trees', 'jobs', 'onProgress'], 'save');
    if (this.#saved) throw new AnnoyError('INVALID_STATE', 'this builder has already saved its shards');
    if (this.#savingTo !== undefined && this.#savingTo !== dir) {
      throw new AnnoyError('INVALID_STATE', `an earlier save to ${this.#savingTo} stopped part-way: call save again with that folder to finish it`);
    }
    const todo = this.#shards.map((b, s) => s).filter((s) => this.#written.has(s) || this.#built.has(s) || (this.#shards[s]?.count ?? 0) > 0);
    if (todo.length === 0) throw new AnnoyError('INVALID_STATE', 'no items were added');
    const fs = nodeFs();
    fs.mkdirSync(dir, { recursive: true });
    this.#savingTo = dir; // from here on, no adds: a retry must finish exactly these shards
    const manifest: Manifest = { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, metric: this.metric, dimensions: this.dimensions, shards: [] };
    const onProgress = o.onProgress as ShardedSaveOptions['onProgress'];
    // A failure (a build, a write) leaves what is done in #written / #built, so calling save again resumes.
    for (const [n, s] of todo.entries()) {
      let entry = this.#written.get(s);
      if (!entry) {
        const index = this.#built.get(s) ?? await this.#shards[s]!.buildAsync({
          trees: o.trees as number | undefined, jobs: o.jobs as number | undefined,
          onProgress: onProgress && ((p) => onProgress({ ...p, shard: n, shards: todo.length })),
        });
        this.#built.set(s, index);
        const file = `shard-${String(s).padStart(4, '0')}.annoy`;
        index.saveSync(`${dir}/${file}`);
        entry = { file, idOffset: s * this.shardSize, size: index.size, checksum: index.checksum };
        this.#written.set(s, entry);
        this.#built.delete(s);
        index.free();
        this.#shards[s] = undefined;
      }
      manifest.shards.push(entry);
    }
    const path = `${dir}/manifest.json`;
    writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
    this.#saved = true;
    return path;
  }

}
