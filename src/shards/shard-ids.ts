// What a sharded index (ShardedIndex, a sharded IndexPool) does with global ids and string keys, in one place: a
// shard is an ordinary index whose local id i is global id idOffset + i, and a key names exactly one item across
// every shard (ShardedIndexBuilder numbers keys over all shards), so a key is looked up shard by shard.
import { AnnoyError } from '../errors.js';
import { checkId } from '../checks.js';
import type { SearchResult } from '../index/results.js';
import { removeIds } from '../index/removals.js';
import type { Shard } from './sharded-index.js';

/** Whether every shard has string keys (a sharded index has keys only when all its shards do). */
export function shardsHaveKeys(shards: readonly Shard[]): boolean {
  return shards.every((s) => s.image.keys !== null);
}

/** The global id of `key` (INVALID_ID naming it when no shard has it, or it was removed). */
export function globalIdOf(shards: readonly Shard[], key: string): number {
  if (typeof key !== 'string') throw new AnnoyError('INVALID_ARGUMENT', `key ${String(key)} is not a string`);
  if (!shardsHaveKeys(shards)) throw new AnnoyError('INVALID_ID', `key ${JSON.stringify(key)}: this sharded index has no string keys (build it with keys: true)`);
  for (const s of shards) {
    const local = s.image.keys!.idOf(key);
    if (local < 0) continue;
    if (s.image.isRemoved(local)) throw new AnnoyError('INVALID_ID', `key ${JSON.stringify(key)} (id ${s.idOffset + local}) was removed`);
    return s.idOffset + local;
  }
  throw new AnnoyError('INVALID_ID', `key ${JSON.stringify(key)} is not in this index`);
}

/** The shard holding global id `id` (INVALID_ID when none does). */
export function shardOf(shards: readonly Shard[], id: number): Shard {
  const shard = shards.find((s) => id >= s.idOffset && id < s.idOffset + s.image.header.size);
  if (!shard) throw new AnnoyError('INVALID_ID', `id ${id} is out of range: the index holds ids below ${sizeOf(shards)}`);
  return shard;
}

function sizeOf(shards: readonly Shard[]): number {
  const last = shards[shards.length - 1];
  return last.idOffset + last.image.header.size;
}

/** `result` with its hits' keys (global ids; unused batch slots as '') when every shard has keys. */
export function withGlobalKeys<T extends SearchResult>(shards: readonly Shard[], result: T): T {
  if (!shardsHaveKeys(shards)) return result;
  result.keys = Array.from(result.ids, (id) => {
    if (id === 0xFFFFFFFF) return '';
    const s = shardOf(shards, id);
    return s.image.keys!.keyOf(id - s.idOffset);
  });
  return result;
}

/**
 * Removes global `ids` from the shards holding them, as Index.remove does: every id is checked (INVALID_ID names
 * the first that is out of range, a hole, or in no shard) before any is removed. Returns how many were newly removed.
 */
export function removeGlobal(shards: readonly Shard[], ids: Uint32Array | ArrayLike<number>): number {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') throw new AnnoyError('INVALID_ARGUMENT', 'remove takes ids: a Uint32Array or an array of ids');
  const groups = shards.map(() => [] as number[]);
  for (let i = 0; i < ids.length; i++) groups[shards.indexOf(shardOf(shards, checkId(ids[i])))].push(ids[i]);
  shards.forEach((sh, s) => removeIds(sh.image, groups[s], sh.idOffset, true));
  // through each shard's Index, which also forgets its sealed file (its checksum changes)
  return shards.reduce((n, sh, s) => n + sh.index.remove(groups[s].map((id) => id - sh.idOffset)), 0);
}
