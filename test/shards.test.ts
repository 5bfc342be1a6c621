// Shards: items split by id range into separate index files plus a manifest; ShardedIndex and IndexPool answer
// exactly as querying each shard and merging does.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnnoyError, IndexBuilder, IndexPool, ShardedIndexBuilder, ShardedIndex } from '../src/index.js';
import { gloveSample } from './helpers.js';

const glove = gloveSample();
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const N = 3000, SHARD = 700, D = 100;
const row = (i: number) => glove.vectors.subarray(i * D, (i + 1) * D);
const skip = (i: number) => i % 97 === 13; // holes, some at shard edges

async function saveShards(sub: string, jobs = 1): Promise<string> {
  const b = new ShardedIndexBuilder({ dimensions: D, metric: 'angular', seed: 9, shardSize: SHARD });
  for (let i = 0; i < N; i++) if (!skip(i)) b.add(i, row(i));
  expect(b.size).toBe(N);
  return b.save(join(dir, sub), { trees: 6, jobs });
}

// The shards of 'a', written once by whichever test asks first (each test is whole on its own, in any order).
let savedA: Promise<string> | undefined;
const manifestA = () => (savedA ??= saveShards('a'));

// The reference, built independently: one IndexBuilder per id range, each searched, the lists merged by sort.
const reference = Array.from({ length: Math.ceil(N / SHARD) }, (_, s) => {
  const b = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 9 });
  for (let i = s * SHARD; i < Math.min(N, (s + 1) * SHARD); i++) if (!skip(i)) b.add(i - s * SHARD, row(i));
  return { index: b.build({ trees: 6 }), offset: s * SHARD };
});
function expected(q: Float32Array, k: number, searchK?: number) {
  const hits = reference.flatMap(({ index, offset }) => {
    const r = index.search(q, k, searchK ? { searchK } : undefined);
    return [...r.ids].map((id, i) => ({ id: id + offset, d: r.distances[i] }));
  });
  hits.sort((a, b) => a.d - b.d || a.id - b.id);
  return { ids: Uint32Array.from(hits.slice(0, k).map((h) => h.id)), distances: Float32Array.from(hits.slice(0, k).map((h) => h.d)) };
}

describe('sharded indexes', () => {
  it('writes one file per id range and a manifest; jobs: 2 writes the same bytes', async () => {
    const one = await manifestA();
    const two = await saveShards('b', 2);
    const m = JSON.parse(readFileSync(one, 'utf8'));
    expect(m.shards.map((s: { file: string; idOffset: number }) => [s.file, s.idOffset])).toEqual(
      [0, 1, 2, 3, 4].map((s) => [`shard-000${s}.annoy`, s * SHARD]));
    expect(readFileSync(two, 'utf8')).toBe(readFileSync(one, 'utf8'));
    for (const s of m.shards) expect(readFileSync(join(dir, 'b', s.file))).toEqual(readFileSync(join(dir, 'a', s.file)));
  });

  it('ShardedIndex and IndexPool answer as each shard queried and merged', async () => {
    const manifest = await manifestA();
    const sharded = await ShardedIndex.open(manifest);
    const pool = await IndexPool.open(manifest, { workers: 2 });
    try {
      expect([sharded.size, sharded.count, sharded.shards, pool.shards, pool.size]).toEqual([N, N - 31, 5, 5, N]);
      for (let q = 0; q < 60; q++) {
        const query = glove.queries.subarray(q * D, (q + 1) * D);
        const want = expected(query, 10, 200);
        expect(sharded.search(query, 10, { searchK: 200 })).toEqual(want);
        expect(await pool.search(query, 10, { searchK: 200 })).toEqual(want);
      }
      const batch = glove.queries.subarray(0, 40 * D);
      const fromPool = await pool.searchBatch(batch, 7);
      expect(fromPool).toEqual(sharded.searchBatch(batch, 7));
      expect(fromPool.ids.subarray(0, 7)).toEqual(expected(batch.subarray(0, D), 7).ids);
      // items across shards
      for (const id of [0, 699, 700, 2999]) {
        expect(sharded.getItem(id)).toEqual(row(id));
        expect(pool.getItem(id)).toEqual(row(id));
        expect(sharded.searchItem(id, 5)).toEqual(expected(row(id), 5));
        expect(await pool.searchItem(id, 5)).toEqual(expected(row(id), 5));
      }
      expect(sharded.distance(10, 2900)).toBeCloseTo(reference[0].index.distanceTo(row(2900), 10), 6);
      expect(pool.distance(10, 2900)).toBe(sharded.distance(10, 2900));
      for (const bad of [13, 3000, -1]) {
        expect(() => sharded.getItem(bad)).toThrow(AnnoyError);
        await expect(pool.searchItem(bad, 3)).rejects.toThrow(AnnoyError);
      }
    } finally {
      sharded.free();
      await pool.close();
    }
  });

  it('refuses manifests that do not match their shards', async () => {
    const manifest = await manifestA();
    const good = JSON.parse(readFileSync(manifest, 'utf8'));
    const tryWith = async (change: (m: typeof good) => void, code: string, message: RegExp) => {
      const m = structuredClone(good);
      change(m);
      const path = join(dir, 'a', 'bad.json');
      writeFileSync(path, typeof m === 'string' ? m : JSON.stringify(m));
      const err = await ShardedIndex.open(path).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AnnoyError);
      expect([(err as AnnoyError).code, (err as AnnoyError).message]).toEqual([code, expect.stringMatching(message)]);
    };
    await tryWith((m) => { m.shards[2].checksum = 'abc'; }, 'CORRUPT_INDEX', /manifest says abc \(a shard of another build/);
    await tryWith((m) => { m.shards[1].idOffset = 100; }, 'CORRUPT_INDEX', /overlaps/);
    await tryWith((m) => { m.dimensions = 50; }, 'CORRUPT_INDEX', /dimensions/);
    await tryWith((m) => { m.shards[0].file = '../x'; }, 'CORRUPT_INDEX', /file/);
    await tryWith((m) => { m.version = 2; }, 'UNSUPPORTED_VERSION', /version 2/);
    await tryWith((m) => { m.format = 'x'; }, 'CORRUPT_INDEX', /format/);
  });
});

describe('a ShardedIndexBuilder.save that fails part-way', () => {
  it('is finished by calling save again with the same folder; other calls say so', async () => {
    const b = new ShardedIndexBuilder({ dimensions: 2, metric: 'euclidean', seed: 1, shardSize: 100 });
    for (let i = 0; i < 300; i++) b.add(i, [i, -i]);
    const out = join(dir, 'resumed');
    let calls = 0;
    await expect(b.save(out, { trees: 2, onProgress: ({ shard }) => { if (shard === 1 && calls++ === 0) throw new Error('disk full'); } })).rejects.toThrow('disk full');
    expect(() => b.add(5, [1, 1])).toThrow(/call save again/);
    await expect(b.save(join(dir, 'elsewhere'), { trees: 2 })).rejects.toThrow(/stopped part-way/);
    const manifest = await b.save(out, { trees: 2 });
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'shard-0000.annoy', 'shard-0001.annoy', 'shard-0002.annoy']);
    const sharded = await ShardedIndex.open(manifest);
    expect([sharded.count, [...sharded.search([150, -150], 1).ids]]).toEqual([300, [150]]);
    sharded.free();
  });
});
