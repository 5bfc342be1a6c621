// ShardedIndex: the shards of a manifest, each loaded into its own memory, queried one after another and
// merged into one exact top-k (the answer of querying each shard and merging). IndexPool does the same across
// worker threads.
import { AnnoyError } from '../errors.js';
import { checkBatch, checkBatchK, checkId, checkK, type Vector } from '../checks.js';
import { Index, loadFile, type BatchResult, type MemoryPlan, type SearchOptions, type SearchResult } from '../index-reader.js';
import type { Metric } from '../metric.js';
import { nodeFs } from '../runtime/node-fs.js';
import { parseManifest, type Manifest } from './manifest.js';
import { mergeTopK } from './merge.js';

export interface Shard { index: Index; idOffset: number }

/** Reads a manifest and loads its shards with `plan`, checking each against the manifest. */
export async function loadShards(manifestPath: string, plan: MemoryPlan): Promise<{ manifest: Manifest; shards: Shard[] }> {
  const fs = nodeFs();
  const manifest = parseManifest(fs.readFileSync(manifestPath, 'utf8'), manifestPath);
  const dir = manifestPath.replace(/[^/\\]*$/, '');
  const shards: Shard[] = [];
  try {
    for (const entry of manifest.shards) {
      const index = await loadFile(`${dir}${entry.file}`, plan);
      shards.push({ index, idOffset: entry.idOffset });
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

export class ShardedIndex {
  readonly #shards: Shard[];
  readonly #manifest: Manifest;
  #closed = false;

  private constructor(manifest: Manifest, shards: Shard[]) {
    this.#manifest = manifest;
    this.#shards = shards;
  }

  static async open(manifestPath: string): Promise<ShardedIndex> {
    const { manifest, shards } = await loadShards(manifestPath, { shared: false, slots: 1 });
    return new ShardedIndex(manifest, shards);
  }

  get dimensions(): number { return this.#manifest.dimensions; }
  get metric(): Metric { return this.#manifest.metric; }
  get size(): number { const last = this.#shards[this.#shards.length - 1]; return last.idOffset + last.index.size; }
  get count(): number { return this.#shards.reduce((n, s) => n + s.index.count, 0); }
  get shards(): number { return this.#shards.length; }

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

  search(vector: Vector, k: number, options?: SearchOptions): SearchResult {
    checkK(k);
    return mergeTopK(this.metric, this.#live().map((s) => ({ ...s.index.search(vector, k, options), idOffset: s.idOffset })), k);
  }

  searchItem(id: number, k: number, options?: SearchOptions): SearchResult {
    return this.search(this.getItem(id), k, options);
  }

  searchBatch(flat: Float32Array | ArrayLike<number>, k: number, options?: SearchOptions): BatchResult {
    const rows = checkBatch(flat, this.dimensions, this.metric);
    checkK(k);
    const all = flat instanceof Float32Array ? flat : Float32Array.from(flat);
    checkBatchK(rows, k);
    const ids = new Uint32Array(rows * k).fill(0xFFFFFFFF), distances = new Float32Array(rows * k).fill(NaN), counts = new Uint32Array(rows);
    const d = this.dimensions;
    for (let r = 0; r < rows; r++) {
      const hit = this.search(all.subarray(r * d, (r + 1) * d), k, options);
      ids.set(hit.ids, r * k);
      distances.set(hit.distances, r * k);
      counts[r] = hit.ids.length;
    }
    return { ids, distances, counts };
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

/** Opens the shards listed in a manifest (see ShardedIndexBuilder). */
export function openShards(manifestPath: string): Promise<ShardedIndex> {
  return ShardedIndex.open(manifestPath);
}
