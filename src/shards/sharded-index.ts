// ShardedIndex: the shards of a manifest, each loaded into its own memory, queried one after another and
// merged into one exact top-k (the answer of querying each shard and merging). IndexPool does the same across
// worker threads.
import { AnnoyError } from '../errors.js';
import { checkId, checkK, type Vector } from '../checks.js';
import { Index } from '../index/index.js';
import { PRIVATE, type IndexImage, type MemoryPlan } from '../index/image.js';
import { BatchResult, type SearchAllOptions, type SearchOptions, type SearchResult, type Searchable } from '../index/results.js';
import { loadFile } from '../load/file.js';
import type { Metric } from '../metric.js';
import { nodeFs } from '../runtime/node-fs.js';
import { parseManifest, type Manifest } from './manifest.js';
import { mergeRows, mergeTopK } from './merge.js';
import { IdFilter, filterOf, makeFilter, type FilterSpec } from '../filter/id-filter.js';
import { globalIdOf, removeGlobal, shardsHaveKeys, withGlobalKeys } from './shard-ids.js';
import { manifestText, type ShardEntry } from './manifest.js';
import { writeFileAtomic } from '../runtime/node-fs.js';

/** One shard: its image (for worker threads), the facade over it (for this thread), where its ids start. */
export interface Shard { image: IndexImage; index: Index; idOffset: number }

/** Reads a manifest and loads its shards with `plan`, checking each against the manifest. */
export async function loadShards(manifestPath: string, plan: MemoryPlan): Promise<{ manifest: Manifest; shards: Shard[] }> {
  const fs = nodeFs();
  const manifest = parseManifest(fs.readFileSync(manifestPath, 'utf8'), manifestPath);
  const dir = manifestPath.replace(/[^/\\]*$/, '');
  const shards: Shard[] = [];
  try {
    for (const entry of manifest.shards) {
      let image: IndexImage;
      try {
        image = await loadFile(`${dir}${entry.file}`, plan);
      } catch (e) {
        // name the shard: a manifest lists many files
        throw e instanceof AnnoyError ? new AnnoyError(e.code, `shard ${entry.file}: ${e.message}`) : e;
      }
      const index = new Index(image);
      shards.push({ image, index, idOffset: entry.idOffset });
      const problem = index.metric !== manifest.metric ? `metric ${index.metric}, manifest says ${manifest.metric}`
        : index.dimensions !== manifest.dimensions ? `${index.dimensions} dimensions, manifest says ${manifest.dimensions}`
          : index.size !== entry.size ? `size ${index.size}, manifest says ${entry.size}`
            : index.checksum !== entry.checksum ? `checksum ${index.checksum}, manifest says ${entry.checksum} (a shard of another build?)` : '';
      if (problem) throw new AnnoyError('CORRUPT_INDEX', `shard ${entry.file} does not match ${manifestPath}: ${problem}`);
    }
  } catch (e) {
    for (const s of shards) s.index.free();
    throw e;
  }
  return { manifest, shards };
}

export class ShardedIndex implements Searchable {
  readonly #shards: Shard[];
  readonly #manifest: Manifest;
  #closed = false;

  private constructor(manifest: Manifest, shards: Shard[]) {
    this.#manifest = manifest;
    this.#shards = shards;
  }

  static async open(manifestPath: string): Promise<ShardedIndex> {
    const { manifest, shards } = await loadShards(manifestPath, PRIVATE);
    return new ShardedIndex(manifest, shards);
  }

  get dimensions(): number { return this.#manifest.dimensions; }
  get metric(): Metric { return this.#manifest.metric; }
  get size(): number { const last = this.#shards[this.#shards.length - 1]; return last.idOffset + last.index.size; }
  get count(): number { return this.#shards.reduce((n, s) => n + s.index.count, 0); }
  get shards(): number { return this.#shards.length; }
  /** Trees of the (first) shard; every shard of one build has as many. */
  get trees(): number { return this.#shards[0].index.trees; }

  /** Each shard as the manifest lists it, with what its loaded file holds. */
  describeShards(): { file: string; idOffset: number; size: number; count: number; trees: number; bytes: number; checksum: string }[] {
    const shards = this.#live();
    return this.#manifest.shards.map((e, i) => ({
      file: e.file, idOffset: e.idOffset, size: e.size, count: shards[i].index.count, trees: shards[i].index.trees,
      bytes: shards[i].index.byteLength, checksum: e.checksum,
    }));
  }
  /** How many ids were removed over every shard (remove(), or the shard files' removals). */
  get removedCount(): number { return this.#live().reduce((n, s) => n + s.index.removedCount, 0); }
  /** Whether items have string keys (ShardedIndexBuilder's keys: true: every shard has them). */
  get hasKeys(): boolean { return shardsHaveKeys(this.#live()); }

  /** The global id of `key` (INVALID_ID naming it when no shard has it, or it was removed). */
  idOf(key: string): number {
    return globalIdOf(this.#live(), key);
  }

  /** The key of global id `id` (INVALID_ID for holes, removed ids, or shards without keys). */
  keyOf(id: number): string {
    const { shard, local } = this.locate(id);
    return shard.index.keyOf(local);
  }

  /**
   * Hides global `ids` from every later result, as Index.remove, each in the shard that holds it; every id is
   * checked before any is removed. save() writes the shards with their removals. Returns how many were newly removed.
   */
  remove(ids: Uint32Array | ArrayLike<number>): number {
    return removeGlobal(this.#live(), ids);
  }

  /**
   * Writes every shard (with its removals) into `dir` under its manifest file name, and a manifest with their new
   * checksums (a shard's checksum changes with its removals); returns the manifest's path. Each file atomically.
   */
  save(dir: string): string {
    const shards = this.#live();
    nodeFs().mkdirSync(dir, { recursive: true });
    const entries: ShardEntry[] = shards.map((s, i) => {
      const file = this.#manifest.shards[i].file;
      writeFileAtomic(`${dir}/${file}`, s.index.toBytes());
      return { file, idOffset: s.idOffset, size: s.index.size, checksum: s.index.checksum };
    });
    const path = `${dir}/manifest.json`;
    writeFileAtomic(path, new TextEncoder().encode(manifestText(this.metric, this.dimensions, entries)));
    return path;
  }

  #live(): Shard[] {
    if (this.#closed) throw new AnnoyError('CLOSED', 'this sharded index was freed');
    return this.#shards;
  }

  /** The shard holding global id `id`, and the id's local number there. */
  locate(id: number): { shard: Shard; local: number } {
    checkId(id);
    for (const shard of this.#live()) {
      if (id >= shard.idOffset && id < shard.idOffset + shard.index.size) return { shard, local: id - shard.idOffset };
    }
    throw new AnnoyError('INVALID_ID', `id ${id} is in no shard (a hole or out of range: ids below ${this.size})`);
  }

  /** Each shard's options: its own part of the filter (a shard's Index takes a filter of its own). */
  #perShard(options: SearchOptions | undefined): (SearchOptions | undefined)[] {
    const shards = this.#live();
    const parts = filterOf(options, this, shards.map((s) => s.image));
    if (parts === null) return shards.map(() => options);
    return shards.map((s, i) => ({ ...options, filter: new IdFilter(s.index, [parts[i]]) }));
  }

  search(vector: Vector, k: number, options?: SearchOptions): SearchResult {
    checkK(k);
    const each = this.#perShard(options);
    const shards = this.#live();
    return withGlobalKeys(shards, mergeTopK(this.metric, shards.map((s, i) => ({ ...s.index.search(vector, k, each[i]), idOffset: s.idOffset })), k));
  }

  /** A filter over every shard (global ids), as Index.createFilter. */
  createFilter(spec: FilterSpec): IdFilter {
    return makeFilter(this, spec, this.#live(), this.size);
  }

  /** The k nearest items to item `id` (global; or, with string keys, the item named `id`). */
  searchItem(id: number | string, k: number, options?: SearchOptions): SearchResult {
    return this.search(this.getItem(typeof id === 'string' ? this.idOf(id) : id), k, options);
  }

  searchBatch(flat: Float32Array | ArrayLike<number>, k: number, options?: SearchOptions): BatchResult {
    const each = this.#perShard(options);
    const shards = this.#live();
    return withGlobalKeys(shards, mergeRows(this.metric, shards.map((s, i) => ({ ...s.index.searchBatch(flat, k, each[i]), idOffset: s.idOffset })), k));
  }

  /**
   * Every item's k nearest other items over all shards (row i: item i's, by global id; a hole's row is empty), as
   * Index.searchAll is without a graph: searchItem(i, k + 1) less the item itself.
   */
  searchAll(k: number, options?: SearchAllOptions): BatchResult {
    checkK(k);
    const { onProgress, ...search } = options ?? {};
    const size = this.size;
    const all = BatchResult.empty(size, k);
    for (let id = 0; id < size; id++) {
      let vector: Float32Array | undefined;
      try {
        vector = this.getItem(id);
      } catch (e) {
        if (!(e instanceof AnnoyError && e.code === 'INVALID_ID')) throw e; // a hole, or ids between shards
      }
      if (vector !== undefined) {
        const r = this.search(vector, k + 1, search);
        let n = 0;
        for (let i = 0; i < r.ids.length && n < k; i++) {
          if (r.ids[i] === id) continue;
          all.ids[id * k + n] = r.ids[i];
          all.distances[id * k + n] = r.distances[i];
          n++;
        }
        all.counts[id] = n;
      }
      if (onProgress && ((id + 1) % 1024 === 0 || id + 1 === size)) onProgress({ done: id + 1, total: size });
    }
    return all;
  }

  getItem(id: number): Float32Array {
    const { shard, local } = this.locate(id);
    return shard.index.getItem(local);
  }

  distance(i: number, j: number): number {
    const a = this.locate(i);
    return a.shard.index.distanceTo(this.getItem(j), a.local);
  }

  free(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#shards) s.index.free();
  }

  [Symbol.dispose](): void { this.free(); }
}
