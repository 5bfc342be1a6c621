// Sharded indexes with string keys and removed items: ShardedIndexBuilder({ keys: true }) numbers keys over every
// shard; idOf / keyOf / searchItem(key) and results' keys work across shards; ShardedIndex.remove routes global ids to
// their shards; save() writes the shards with their removals and a manifest with the new checksums; a sharded pool
// opened on it answers the same (keys, removals, pool.remove). Checked against brute force over the kept items.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnnoyError, IndexPool, ShardedIndex, ShardedIndexBuilder } from '../src/index.js';
import { bruteForce, gloveSample } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-shard-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const glove = gloveSample();
const D = 100, M = 1200, SHARD = 350, TREES = 4;
const row = (i: number) => glove.vectors.subarray(i * D, (i + 1) * D);
const keyOf = (i: number) => (i % 3 === 0 ? `spotify:track:${i}` : i % 3 === 1 ? `é-${i}` : `曲🎵${i}`);
const queries = Array.from({ length: 10 }, (_, q) => glove.queries.subarray(q * D, (q + 1) * D));
const EXHAUSTIVE = { searchK: SHARD * TREES * 4 }; // past every leaf entry of a shard: each shard's answer is exact
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as AnnoyError).code; } return 'none'; };

/** The exact top k over `kept` ids, as global ids. */
function exact(q: ArrayLike<number>, k: number, kept: number[]): number[] {
  const sub = new Float32Array(kept.length * D);
  kept.forEach((id, r) => sub.set(row(id), r * D));
  return bruteForce('angular', sub, D, q, k).map((r) => kept[r]);
}

async function build(name: string): Promise<string> {
  const b = new ShardedIndexBuilder({ dimensions: D, metric: 'angular', seed: 4, shardSize: SHARD, keys: true });
  expect(b.keys).toBe(true);
  b.add(keyOf(0), row(5)); // replaced below: a key added again keeps its id
  b.addBatch(glove.vectors.subarray(0, 600 * D), Array.from({ length: 600 }, (_, i) => keyOf(i)));
  for (let i = 600; i < M; i++) b.add(keyOf(i), row(i));
  expect(code(() => b.add(7 as never, row(0)))).toBe('INVALID_ARGUMENT');
  return b.save(join(dir, name), { trees: TREES });
}

describe('keys on a sharded index', () => {
  it('idOf, keyOf, searchItem(key) and results\' keys across shards, through save, open and a pool', async () => {
    const manifest = await build('keys');
    const sharded = await ShardedIndex.open(manifest);
    const pool = await IndexPool.open(manifest, { workers: 2 });
    try {
      expect(sharded.shards).toBe(Math.ceil(M / SHARD));
      expect(sharded.hasKeys).toBe(true);
      expect(pool.hasKeys).toBe(true);
      for (const i of [0, 1, 2, 349, 350, 351, 700, 1199]) {
        expect(sharded.idOf(keyOf(i))).toBe(i);
        expect(sharded.keyOf(i)).toBe(keyOf(i));
        expect(pool.idOf(keyOf(i))).toBe(i);
        expect(pool.keyOf(i)).toBe(keyOf(i));
      }
      expect(sharded.getItem(0)).toEqual(row(0)); // the replaced vector
      expect(code(() => sharded.idOf('spotify:track:nope'))).toBe('INVALID_ID');
      expect(() => sharded.idOf('spotify:track:nope')).toThrow(/spotify:track:nope/);
      expect(code(() => pool.idOf('nope'))).toBe('INVALID_ID');
      const all = Array.from({ length: M }, (_, i) => i);
      for (const q of queries) {
        const got = sharded.search(q, 10, EXHAUSTIVE);
        expect([...got.ids]).toEqual(exact(q, 10, all));
        expect(got.keys).toEqual([...got.ids].map(keyOf));
        expect(await pool.search(q, 10, EXHAUSTIVE)).toEqual(got);
      }
      const item = sharded.searchItem(keyOf(800), 5, EXHAUSTIVE);
      expect(item).toEqual(sharded.searchItem(800, 5, EXHAUSTIVE));
      expect(item.keys![0]).toBe(keyOf(800));
      expect(await pool.searchItem(keyOf(800), 5, EXHAUSTIVE)).toEqual(item);
      const flat = Float32Array.from(queries.flatMap((q) => [...q]));
      const batch = sharded.searchBatch(flat, 10, EXHAUSTIVE);
      expect(batch.keys).toEqual([...batch.ids].map((id) => (id === 0xFFFFFFFF ? '' : keyOf(id))));
      expect(await pool.searchBatch(flat, 10, EXHAUSTIVE)).toEqual(batch);
    } finally {
      sharded.free();
      await pool.close();
    }
  });
});

describe('removed items on a sharded index', () => {
  it('remove routes global ids to their shards; save and open keep them hidden; a sharded pool answers the same', async () => {
    const manifest = await build('removals');
    const sharded = await ShardedIndex.open(manifest);
    const removed = [3, 349, 350, 351, 699, 700, 1001, 1199];
    expect(code(() => sharded.remove([10, M + 5]))).toBe('INVALID_ID'); // all or nothing
    expect(sharded.removedCount).toBe(0);
    expect(sharded.remove(removed)).toBe(removed.length);
    expect(sharded.remove([3])).toBe(0); // twice is harmless
    expect(sharded.removedCount).toBe(removed.length);
    expect(sharded.count).toBe(M - removed.length);
    expect(code(() => sharded.getItem(700))).toBe('INVALID_ID');
    expect(code(() => sharded.idOf(keyOf(351)))).toBe('INVALID_ID');
    expect(code(() => sharded.searchItem(keyOf(1001), 3))).toBe('INVALID_ID');
    const kept = Array.from({ length: M }, (_, i) => i).filter((i) => !removed.includes(i));
    // queries near removed items, so the removals matter
    const near = [...queries, ...removed.map(row)];
    const answers = near.map((q) => sharded.search(q, 10, EXHAUSTIVE));
    near.forEach((q, i) => expect([...answers[i].ids]).toEqual(exact(q, 10, kept)));

    const saved = sharded.save(join(dir, 'removals-saved'));
    const again = await ShardedIndex.open(saved);
    const pool = await IndexPool.open(saved, { workers: 2 });
    try {
      expect(again.removedCount).toBe(removed.length);
      expect(again.hasKeys).toBe(true);
      near.forEach((q, i) => expect(again.search(q, 10, EXHAUSTIVE)).toEqual(answers[i]));
      for (const [i, q] of near.entries()) expect(await pool.search(q, 10, EXHAUSTIVE)).toEqual(answers[i]);
      expect(pool.count).toBe(M - removed.length);
      expect(code(() => pool.idOf(keyOf(351)))).toBe('INVALID_ID');
      // and a removal through the pool, routed the same way
      const more = [0, 360, 1100];
      expect(await pool.remove(more)).toBe(3);
      again.remove(more);
      const fewer = kept.filter((i) => !more.includes(i));
      for (const q of [row(0), row(360), row(1100)]) {
        const got = await pool.search(q, 10, EXHAUSTIVE);
        expect([...got.ids]).toEqual(exact(q, 10, fewer));
        expect(got).toEqual(again.search(q, 10, EXHAUSTIVE));
      }
    } finally {
      sharded.free();
      again.free();
      await pool.close();
    }
  });
});
