// ShardedIndexBuilder: for item sets larger than one wasm memory (4 GiB). Ids are split into consecutive ranges
// of `shardSize`; each range is its own IndexBuilder (its own memory), built and saved one after another as an
// ordinary index file, plus a manifest (manifest.ts) that IndexPool and ShardedIndex.open read.
//
// The sharding rule, owned here: id i belongs to shard floor(i / shardSize) as its local id i % shardSize, and
// shard s is written as shard-NNNN.annoy (s, 4 digits or more). A builder given `part: { index: I, of: N }` keeps
// only the shards s with s % N == I and ignores every other id, so N processes reading the same input (one task
// each of an array job, on N machines) write exactly the shard files one builder would; writeManifest then lists
// them, byte for byte the manifest one builder's save writes.
import { AnnoyError, show } from '../errors.js';
import { IndexBuilder, type BuildProgress, type BuilderOptions } from '../build/builder.js';
import { checkBatch, checkId, checkOptions, type Vector } from '../checks.js';
import { strideFor } from '../format/layout.js';
import { checkKey } from '../keys/key-table.js';
import { metricCode, type Metric } from '../metric.js';
import { nodeFs, writeFileAtomic } from '../runtime/node-fs.js';
import { manifestText, shardFileName, type ShardEntry } from './manifest.js';
import type { Index } from '../index/index.js';

/** IndexBuilder's options (every shard is built with them), and the shard size. */
export interface ShardedBuilderOptions extends BuilderOptions {
  /** Ids per shard. Default: as many as take 1 GiB of vectors, leaving room for the forest in 4 GiB. */
  shardSize?: number;
  /**
   * Build only part `index` (0 .. of - 1) of `of`: the shards s with s % of == index. Ids of other shards are
   * ignored by add and addBatch; saveShards writes this part's files, writeManifest lists every part's afterwards.
   */
  part?: { index: number; of: number };
}

/** The default shard size: as many ids as take 1 GiB of vectors, leaving room for the forest in 4 GiB. */
export function defaultShardSize(metric: Metric, dimensions: number): number {
  return Math.max(1, Math.floor(2 ** 30 / strideFor(metric, dimensions)));
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
  /** The part this builder builds (ShardedBuilderOptions.part); every shard when undefined. */
  readonly part: { index: number; of: number } | undefined;
  readonly #options: BuilderOptions;
  readonly #shards: (IndexBuilder | undefined)[] = [];
  readonly #built = new Map<number, Index>();        // built, not yet written
  readonly #written = new Map<number, ShardEntry>(); // written by a save that has not finished
  #savingTo: string | undefined;
  #saved = false;
  #end = 0; // max id + 1 over every id offered, this part's or not

  constructor(options: ShardedBuilderOptions) {
    const o = checkOptions(options, ['dimensions', 'metric', 'seed', 'screening', 'screeningDimensions', 'leafSize', 'graph', 'keys', 'storage', 'treeEncoding', 'shardSize', 'part'], 'ShardedIndexBuilder');
    metricCode(o.metric);
    const { shardSize: _, part: __, ...shardOptions } = o as unknown as ShardedBuilderOptions;
    const probe = new IndexBuilder(shardOptions); // checks the options once, before any shard exists
    this.#options = shardOptions;
    this.dimensions = probe.dimensions;
    this.metric = probe.metric;
    this.seed = probe.seed;
    this.screening = probe.screening;
    const { shardSize = defaultShardSize(this.metric, this.dimensions) } = o;
    if (typeof shardSize !== 'number' || !Number.isInteger(shardSize) || shardSize < 1 || shardSize > 2 ** 31 - 1) {
      throw new AnnoyError('INVALID_ARGUMENT', `shardSize ${show(shardSize)} is not an integer in [1, 2^31 - 1)`);
    }
    this.shardSize = shardSize;
    const part = (o as { part?: unknown }).part as ShardedBuilderOptions['part'] | undefined;
    if (part !== undefined) {
      const ok = part !== null && typeof part === 'object' && Number.isInteger(part.of) && part.of >= 1 && part.of <= 2 ** 31 - 1
        && Number.isInteger(part.index) && part.index >= 0 && part.index < part.of;
      if (!ok) throw new AnnoyError('INVALID_ARGUMENT', `part ${show(part)} is not { index, of } with integers 0 <= index < of`);
      this.part = { index: part.index, of: part.of };
    }
    this.#ids = probe.keys ? new Map() : null;
    if (this.#ids !== null && this.part !== undefined) {
      // keys are numbered in the order they first appear over every shard; a part would have to number (and hold)
      // every key to agree with the others
      throw new AnnoyError('INVALID_ARGUMENT', 'part is not for keys: true (keys are numbered over every shard, in one builder)');
    }
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
    const shard = this.#shard(id)!; // a keyed builder has no part: it builds every shard
    shard.add(key, vector); // checks the key and the vector before anything is added
    this.#offered(id);
    if (known === undefined) {
      this.#ids!.set(key, id);
      this.#nextId++;
      // the shard numbered the new key as we did (its items arrive in id order)
      if (shard.size !== id % this.shardSize + 1) throw new AnnoyError('INVALID_STATE', `key ${JSON.stringify(key)} got local id ${shard.size - 1} in its shard, not ${id % this.shardSize}`);
    }
  }


  /** Max id + 1 over every id added (with a part: offered, whichever part holds it). */
  get size(): number { return this.#end; }

  /** Ids added to this builder's shards. */
  get count(): number { return this.#shards.reduce((n, b) => n + (b?.count ?? 0), 0); }

  /** The shard that holds global id `id` (the sharding rule). */
  shardOf(id: number): number { return Math.floor(id / this.shardSize); }

  /** Whether this builder builds shard `s` (always, without a part). */
  builds(s: number): boolean { return this.part === undefined || s % this.part.of === this.part.index; }

  /** Id `id` was added (to this part's shard, or ignored as another part's): size counts it. */
  #offered(id: number): void { if (id + 1 > this.#end) this.#end = id + 1; }

  /** The builder of id's shard; undefined when another part holds it. */
  #shard(id: number): IndexBuilder | undefined {
    if (this.#saved) throw new AnnoyError('INVALID_STATE', 'this builder has already saved its shards; start a new ShardedIndexBuilder');
    if (this.#savingTo !== undefined) throw new AnnoyError('INVALID_STATE', `a save to ${this.#savingTo} has started: call save again to finish it; nothing more can be added`);
    const s = this.shardOf(id);
    if (!this.builds(s)) return undefined;
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
    this.#shard(id)?.add(id % this.shardSize, vector);
    this.#offered(id);
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
      this.#shard(id)?.add(id % this.shardSize, flat instanceof Float32Array ? flat.subarray(r * d, (r + 1) * d) : Array.from({ length: d }, (_, j) => flat[r * d + j]));
      this.#offered(id);
    }
    return this;
  }

  /**
   * Builds every shard in turn, writing `dir`/shard-NNNN.annoy and `dir`/manifest.json (each atomically);
   * returns the manifest's path. Each shard's memory is released once its file is written.
   */
  async save(dir: string, options?: ShardedSaveOptions): Promise<string> {
    if (this.part !== undefined) {
      throw new AnnoyError('INVALID_STATE', `this builder builds part ${this.part.index} of ${this.part.of}: write its shards with saveShards, and the manifest with writeManifest once every part is written`);
    }
    const shards = await this.saveShards(dir, options);
    const path = `${dir}/manifest.json`;
    writeFileAtomic(path, new TextEncoder().encode(manifestText(this.metric, this.dimensions, shards)));
    this.#saved = true;
    return path;
  }

  /**
   * Builds this builder's shards in turn and writes `dir`/shard-NNNN.annoy (each atomically), without a manifest;
   * returns their manifest entries. A part that holds no ids writes nothing and returns [].
   */
  async saveShards(dir: string, options?: ShardedSaveOptions): Promise<ShardEntry[]> {
    const o = checkOptions(options, ['trees', 'jobs', 'onProgress'], 'save');
    if (this.#saved) throw new AnnoyError('INVALID_STATE', 'this builder has already saved its shards');
    if (this.#savingTo !== undefined && this.#savingTo !== dir) {
      throw new AnnoyError('INVALID_STATE', `an earlier save to ${this.#savingTo} stopped part-way: call save again with that folder to finish it`);
    }
    const todo = this.#shards.map((b, s) => s).filter((s) => this.#written.has(s) || this.#built.has(s) || (this.#shards[s]?.count ?? 0) > 0);
    if (todo.length === 0 && this.part === undefined) throw new AnnoyError('INVALID_STATE', 'no items were added');
    const fs = nodeFs();
    fs.mkdirSync(dir, { recursive: true });
    this.#savingTo = dir; // from here on, no adds: a retry must finish exactly these shards
    const entries: ShardEntry[] = [];
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
        const file = shardFileName(s);
        index.saveSync(`${dir}/${file}`);
        entry = { file, idOffset: s * this.shardSize, size: index.size, checksum: index.checksum };
        this.#written.set(s, entry);
        this.#built.delete(s);
        index.free();
        this.#shards[s] = undefined;
      }
      entries.push(entry);
    }
    if (this.part !== undefined) this.#saved = true;
    return entries;
  }

}
