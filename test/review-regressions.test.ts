// Defects a review found, kept as regression tests.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnnoyError, Index, IndexBuilder, IndexPool, ShardedIndexBuilder, ShardedIndex } from '../src/index.js';
import { H, HEADER_BYTES } from '../src/format/layout.js';

const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-review-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('review regressions', () => {
  it('buildAsync with a throwing onProgress rejects, and the builder still builds', async () => {
    const b = new IndexBuilder({ dimensions: 3, metric: 'euclidean', seed: 1 });
    for (let i = 0; i < 300; i++) b.add(i, [i, i % 7, i % 3]);
    await expect(b.buildAsync({ trees: 4, jobs: 2, onProgress() { throw new Error('boom'); } })).rejects.toThrow('boom');
    const index = b.build({ trees: 4 });
    expect([index.count, index.trees]).toEqual([300, 4]);
  });

  it('the scratch slot size is computed in 64 bits, so a header cannot make it wrap past 4 GiB', () => {
    // A file that really wraps it is over 2 GiB; the arithmetic is the point: ask the core directly.
    const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../build/annoy.wasm', import.meta.url))), {
      env: { memory: new WebAssembly.Memory({ initial: 2, maximum: 65536 }) },
    }).exports as { memory: WebAssembly.Memory; slotBytes(f: number): bigint; slotOffset(f: number, p: number): number };
    const base = 65536;
    const dv = new DataView(x.memory.buffer, base, HEADER_BYTES);
    dv.setUint32(H.DIMENSIONS, 1, true);
    dv.setUint32(H.STRIDE, 16, true);
    dv.setUint32(H.SIZE, 1, true);
    dv.setUint32(H.COUNT, 1, true);
    dv.setUint32(H.TREES, 2 ** 29 + 16, true); // the queue part alone: (trees + 2 nodes + 2) * 8 > 2^32
    const bytes = BigInt.asUintN(64, x.slotBytes(base));
    expect(bytes > 2n ** 32n).toBe(true);
    expect(x.slotOffset(base, 9) >>> 0).toBeLessThan(2 ** 32); // the 32-bit offset wraps: never used for sizing
    const index = new IndexBuilder({ dimensions: 1, metric: 'euclidean' }).add(0, [1]).build({ trees: 1 });
    expect(Index.fromBytes(index.toBytes()).count).toBe(1);
  });

  it('int8 codes of a tiny value range still load (the scale falls back to 1)', () => {
    for (const metric of ['euclidean', 'dot', 'manhattan'] as const) {
      const index = new IndexBuilder({ dimensions: 3, metric, screening: 'int8' }).add(0, [0, 0, 0]).add(1, [1e-44, 0, 0]).build({ trees: 1 });
      const again = Index.fromBytes(index.toBytes());
      expect(again.search([1e-44, 0, 0], 2, { rerank: -1 })).toEqual(index.search([1e-44, 0, 0], 2, { rerank: -1 }));
    }
  });

  it('int8 screening is refused past 32,768 dimensions (its i32 sums would wrap)', () => {
    expect(() => new IndexBuilder({ dimensions: 40000, metric: 'euclidean', screening: 'int8' })).toThrow(/32768 dimensions/);
  });

  it('free() releases the memory views', () => {
    const index = new IndexBuilder({ dimensions: 3, metric: 'angular' }).add(0, [1, 2, 3]).build();
    index.free();
    expect(() => index.getItem(0)).toThrow(AnnoyError);
  });

  it('a huge k in a batch is INVALID_ARGUMENT, not a RangeError', async () => {
    const index = new IndexBuilder({ dimensions: 2, metric: 'angular' }).add(0, [1, 2]).build();
    expect(() => index.searchBatch([1, 2, 3, 4], 2 ** 40)).toThrow(/lower k or split the batch/);
    const pool = await IndexPool.open(index.toBytes(), { workers: 1 });
    await expect(pool.searchBatch([1, 2], 2 ** 40)).rejects.toThrow(/lower k/);
    await expect(IndexPool.open(index.toBytes(), { workers: 1, dimensions: 2 })).rejects.toThrow(/format 'annoy'/);
    await pool.close();
  });

  it('a ShardedIndexBuilder.save that fails part-way can be finished by calling save again', async () => {
    const b = new ShardedIndexBuilder({ dimensions: 2, metric: 'euclidean', seed: 1, shardSize: 100 });
    for (let i = 0; i < 300; i++) b.add(i, [i, -i]);
    const out = join(dir, 'shards');
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
