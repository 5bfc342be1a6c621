// Item vectors stored as float16, bfloat16 or int8 (IndexBuilder's `storage`, Index.withStorage): recall against
// exact brute force on the real samples stays within each kind's allowance of float32's at the same searchK;
// distances are the stored values' own; getItem returns the stored (rounded) values; the bytes are what a build
// makes, reload unchanged and widen back to an Annoy file; pools and shards answer as Index; damage is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Index, IndexBuilder, IndexPool, ShardedIndex, ShardedIndexBuilder, type Metric } from '../src/index.js';
import { H, SECTION } from '../src/format/layout.js';
import { PARAM_STORAGE, PARAM_STORAGE_SCALES } from '../src/format/constants.js';
import { bruteForce, exactDistance, fashionSample, gloveSample, reseal, recallAt10, expectCode } from './helpers.js';

const glove = gloveSample();
const fashion = fashionSample();
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
type Storage = 'float32' | 'float16' | 'bfloat16' | 'int8';
const KINDS: Storage[] = ['float16', 'bfloat16', 'int8'];
const FLOAT_METRICS: Metric[] = ['angular', 'euclidean', 'manhattan', 'dot'];
// The most recall@10 a kind may lose against float32 at the same searchK (the library's targets).
const ALLOWED_LOSS: Record<Storage, number> = { float32: 0, float16: 0.005, bfloat16: 0.005, int8: 0.02 };

// The exact top 10 of the first `queries` queries, once per data set and metric.
function truths(metric: Metric, data: { vectors: Float32Array; queries: Float32Array }, dims: number, queries: number) {
  return Array.from({ length: queries }, (_, q) => new Set(bruteForce(metric, data.vectors, dims, data.queries.subarray(q * dims, (q + 1) * dims), 10)));
}

describe('storage: every float metric and kind against exact brute force on the real samples', () => {
  const sets = [
    ...FLOAT_METRICS.map((metric) => ({ name: 'glove-sample', metric, data: glove, dims: 100, searchK: 2000, queries: 200 })),
    { name: 'fashion-sample', metric: 'euclidean' as Metric, data: fashion, dims: 784, searchK: 1500, queries: 100 },
    { name: 'fashion-sample', metric: 'angular' as Metric, data: fashion, dims: 784, searchK: 1500, queries: 100 },
  ];
  for (const { name, metric, data, dims, searchK, queries } of sets) {
    it(`${name} ${metric}: recall@10 within each kind's allowance of float32's, distances of the stored values`, () => {
      const base = new IndexBuilder({ dimensions: dims, metric, seed: 3 }).addBatch(data.vectors).build({ trees: 8 });
      const truth = truths(metric, data, dims, queries);
      const float32 = recallAt10(base, truth, data.queries, dims, searchK);
      expect(float32).toBeGreaterThan(0.8);
      for (const storage of KINDS) {
        const index = base.withStorage(storage);
        expect(index.storage).toBe(storage);
        const recall = recallAt10(index, truth, data.queries, dims, searchK);
        expect({ storage, float32, recall, within: float32 - recall <= ALLOWED_LOSS[storage] }).toEqual({ storage, float32, recall, within: true });
        // the distances are those of the stored values (getItem), computed exactly
        const query = data.queries.subarray(0, dims);
        const r = index.search(query, 10, { searchK, rerank: -1 });
        r.ids.forEach((id, i) => {
          const exact = exactDistance(metric, index.getItem(id), query);
          expect(Math.abs(r.distances[i] - exact)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(exact)));
        });
        index.free();
      }
      base.free();
    });
  }
});

describe('storage: stored values', () => {
  const n = 2000, d = 100, x = glove.vectors.subarray(0, n * d);
  it('getItem returns the rounded values: float16 and bfloat16 to nearest even, int8 within half a step of its scale', () => {
    const base = new IndexBuilder({ dimensions: d, metric: 'euclidean', seed: 1 }).addBatch(x).build({ trees: 2 });
    const f16 = base.withStorage('float16'), bf16 = base.withStorage('bfloat16'), i8 = base.withStorage('int8');
    const half = (v: number) => { // float16 round to nearest even (normal and subnormal)
      if (v === 0) return 0;
      const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(v))), -14) - 10);
      const q = v / ulp, r = Math.round(q);
      return (Math.abs(q - Math.trunc(q)) === 0.5 ? (Math.trunc(q) % 2 === 0 ? Math.trunc(q) : Math.trunc(q) + Math.sign(q)) : r) * ulp;
    };
    const bfloat = (v: number) => {
      const u = new Uint32Array(new Float32Array([v]).buffer)[0];
      return new Float32Array(new Uint32Array([(((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16) << 16) >>> 0]).buffer)[0];
    };
    for (const id of [0, 1, 17, 999, n - 1]) {
      const v = x.subarray(id * d, (id + 1) * d);
      expect([...f16.getItem(id)]).toEqual([...v].map(half));
      expect([...bf16.getItem(id)]).toEqual([...v].map(bfloat));
      const big = Math.max(...[...v].map(Math.abs));
      const got = i8.getItem(id);
      for (let j = 0; j < d; j++) expect(Math.abs(got[j] - v[j])).toBeLessThanOrEqual(big / 254 * (1 + 1e-6));
      expect(f16.distance(id, 5)).toBeCloseTo(exactDistance('euclidean', f16.getItem(id), f16.getItem(5)), 4);
      expect(i8.distanceTo(v, id)).toBeCloseTo(exactDistance('euclidean', i8.getItem(id), v), 4);
    }
  });

  it('a value float16 cannot hold is refused naming the item; bfloat16 holds it', () => {
    const v = new Float32Array(8).fill(1);
    v[3] = 70000;
    const b = new IndexBuilder({ dimensions: 8, metric: 'euclidean', storage: 'float16' }).add(0, new Float32Array(8)).add(1, v);
    expectCode(() => b.build({ trees: 1 }), 'INVALID_ARGUMENT', /item 1 .*65504/);
    const bf = new IndexBuilder({ dimensions: 8, metric: 'euclidean', storage: 'bfloat16' }).add(0, new Float32Array(8)).add(1, v).build({ trees: 1 });
    expect(bf.getItem(1)[3]).toBe(70144); // 70000 to 8 significant bits
  });

  it('hamming is stored as bits only: other storage is refused, float32 accepted', () => {
    for (const storage of KINDS) {
      expectCode(() => new IndexBuilder({ dimensions: 64, metric: 'hamming', storage }), 'INVALID_ARGUMENT', /packed bits/);
    }
    const h = new IndexBuilder({ dimensions: 64, metric: 'hamming', storage: 'float32' }).add(0, new Array(64).fill(1)).build();
    expectCode(() => h.withStorage('int8'), 'INVALID_ARGUMENT', /packed bits/);
    expectCode(() => new IndexBuilder({ dimensions: 4, metric: 'angular', storage: 'int4' as Storage }), 'INVALID_ARGUMENT', /int4/);
  });
});

describe('storage: bytes', () => {
  const n = 3000, d = 100, x = glove.vectors.subarray(0, n * d);
  const build = (storage: Storage, extra: object = {}) => {
    const b = new IndexBuilder({ dimensions: d, metric: 'angular', seed: 7, storage, ...extra });
    for (let i = 0; i < n; i++) if (i % 31 !== 5) b.add(i, x.subarray(i * d, (i + 1) * d)); // holes
    return b.build({ trees: 4 });
  };
  it('a build with a storage is byte for byte the float32 build converted by withStorage; the file shrinks', () => {
    const base = build('float32');
    for (const storage of KINDS) {
      const built = build(storage), converted = base.withStorage(storage);
      expect(Buffer.from(built.toBytes()).equals(Buffer.from(converted.toBytes()))).toBe(true);
      const vectors = storage === 'int8' ? 112 : 208; // bytes per item against float32's 400
      expect(base.byteLength - built.byteLength).toBe(n * (400 - vectors));
    }
    // with screening and a graph too
    for (const extra of [{ screening: 'pca' }, { graph: { degree: 8 } }]) {
      const a = build('int8', extra), b = build('float32', extra).withStorage('int8');
      expect(Buffer.from(a.toBytes()).equals(Buffer.from(b.toBytes()))).toBe(true);
      expect(a.search(x.subarray(0, d), 10).ids).toEqual(b.search(x.subarray(0, d), 10).ids);
      // the moved sections (pca basis, graph) are intact: the file passes the loader's checks and answers alike
      const reloaded = Index.fromBytes(a.toBytes());
      for (let q = 0; q < 10; q++) {
        const query = glove.queries.subarray(q * d, (q + 1) * d);
        expect(reloaded.search(query, 10)).toEqual(a.search(query, 10));
      }
      expect([reloaded.screening, reloaded.graph]).toEqual([a.screening, a.graph]);
    }
  });

  it('save and load round trips keep the bytes and the answers', async () => {
    for (const storage of KINDS) {
      const index = build(storage);
      const file = join(dir, `${storage}.annoy`);
      index.saveSync(file);
      const loaded = Index.openSync(file);
      const fromBytes = Index.fromBytes(index.toBytes());
      expect(loaded.storage).toBe(storage);
      expect(Buffer.from(loaded.toBytes()).equals(Buffer.from(index.toBytes()))).toBe(true);
      expect(Buffer.from(fromBytes.toBytes()).equals(Buffer.from(index.toBytes()))).toBe(true);
      const q = glove.queries.subarray(0, d);
      expect(loaded.search(q, 10, { searchK: 500 })).toEqual(index.search(q, 10, { searchK: 500 }));
      expect(loaded.getItem(7)).toEqual(index.getItem(7));
    }
  });

  it('withStorage then toAnnoyBytes: an Annoy file of the stored values, which answers alike; an Annoy file converts to any storage', () => {
    const base = build('float32');
    for (const storage of KINDS) {
      const stored = base.withStorage(storage);
      const annoy = Index.fromBytes(stored.toAnnoyBytes(), { format: 'annoy', dimensions: d, metric: 'angular' });
      expect(annoy.storage).toBe('float32');
      for (const id of [0, 7, 2999]) expect(annoy.getItem(id)).toEqual(stored.getItem(id));
      for (let q = 0; q < 20; q++) {
        const query = glove.queries.subarray(q * d, (q + 1) * d);
        const a = annoy.search(query, 10, { searchK: 400, rerank: -1 }), b = stored.search(query, 10, { searchK: 400, rerank: -1 });
        expect(a.ids).toEqual(b.ids);
        a.distances.forEach((v, i) => expect(Math.abs(v - b.distances[i])).toBeLessThan(1e-6));
      }
      // and back: the Annoy file stored again is the same index
      expect(Buffer.from(annoy.withScreening({ screening: stored.screening }).withStorage(storage).toAnnoyBytes()).equals(Buffer.from(stored.toAnnoyBytes()))).toBe(true);
    }
    const fromAnnoy = Index.fromBytes(base.toAnnoyBytes(), { format: 'annoy', dimensions: d, metric: 'angular' }).withStorage('int8');
    expect(fromAnnoy.storage).toBe('int8');
    expect(fromAnnoy.getItem(7)).toEqual(base.withStorage('int8').getItem(7));
  });

  it('old files (built before storage existed) load as float32, unchanged', () => {
    const base = build('float32');
    const dv = new DataView(base.toBytes().buffer);
    expect(dv.getUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE, true)).toBe(0);
    expect(Index.fromBytes(base.toBytes()).storage).toBe('float32');
  });
});

describe('storage: pools and shards answer as Index', () => {
  const n = 2000, d = 100, x = glove.vectors.subarray(0, n * d);
  it('IndexPool over an int8 and a float16 file', async () => {
    for (const storage of ['int8', 'float16'] as Storage[]) {
      const index = new IndexBuilder({ dimensions: d, metric: 'euclidean', seed: 2, storage }).addBatch(x).build({ trees: 4 });
      const file = join(dir, `pool-${storage}.annoy`);
      index.saveSync(file);
      const pool = await IndexPool.open(file, { workers: 2 });
      try {
        for (let q = 0; q < 30; q++) {
          const query = glove.queries.subarray(q * d, (q + 1) * d);
          expect(await pool.search(query, 10, { searchK: 300 })).toEqual(index.search(query, 10, { searchK: 300 }));
          expect(await pool.searchItem(q, 5)).toEqual(index.searchItem(q, 5));
        }
        expect(pool.getItem(9)).toEqual(index.getItem(9));
        expect(pool.distance(3, 4)).toBe(index.distance(3, 4));
      } finally {
        await pool.close();
      }
    }
  });

  it('ShardedIndexBuilder with storage: each shard stored so, and answers as the shards queried and merged', async () => {
    const b = new ShardedIndexBuilder({ dimensions: d, metric: 'angular', seed: 4, shardSize: 700, storage: 'bfloat16' });
    for (let i = 0; i < n; i++) b.add(i, x.subarray(i * d, (i + 1) * d));
    const manifest = await b.save(join(dir, 'shards'), { trees: 3 });
    const sharded = await ShardedIndex.open(manifest);
    const whole = [0, 1, 2].map((s) => {
      const one = new IndexBuilder({ dimensions: d, metric: 'angular', seed: 4, storage: 'bfloat16' });
      for (let i = s * 700; i < Math.min(n, (s + 1) * 700); i++) one.add(i - s * 700, x.subarray(i * d, (i + 1) * d));
      return one.build({ trees: 3 });
    });
    for (let q = 0; q < 10; q++) {
      const query = glove.queries.subarray(q * d, (q + 1) * d);
      const hits = whole.flatMap((index, s) => { const r = index.search(query, 10); return [...r.ids].map((id, i) => ({ id: id + 700 * s, dist: r.distances[i] })); });
      hits.sort((a, b) => a.dist - b.dist || a.id - b.id);
      expect([...sharded.search(query, 10).ids]).toEqual(hits.slice(0, 10).map((h) => h.id));
    }
    expect(sharded.getItem(1500)).toEqual(whole[2].getItem(100));
    sharded.free();
  });
});

describe('storage: searchAll on a graph index', () => {
  it('every row holds other items with the distances of their stored values, as searchItem finds them', () => {
    const d = 100, n = 600;
    const index = new IndexBuilder({ dimensions: d, metric: 'euclidean', seed: 5, graph: { degree: 8 }, storage: 'int8' }).addBatch(glove.vectors.subarray(0, n * d)).build();
    const table = index.searchAll(5);
    let agree = 0;
    for (const i of [0, 1, 77, 599]) {
      const ids = table.ids.subarray(i * 5, i * 5 + table.counts[i]);
      expect(table.counts[i]).toBe(5);
      ids.forEach((id, j) => {
        expect(id).not.toBe(i);
        expect(table.distances[i * 5 + j]).toBeCloseTo(index.distance(i, id), 5);
      });
      const walk = new Set([...index.searchItem(i, 6, { ef: 64 }).ids].filter((id) => id !== i));
      agree += [...ids].filter((id) => walk.has(id)).length;
    }
    expect(agree).toBeGreaterThanOrEqual(18);
  });
});

describe('storage: damaged files are refused', () => {
  const d = 21; // records with padding: float16 48 bytes for 42, int8 32 bytes for 21 codes + a scale
  const make = (storage: Storage, metric: Metric = 'euclidean') => {
    const b = new IndexBuilder({ dimensions: d, metric, seed: 1, storage });
    for (let i = 0; i < 60; i++) if (i !== 9) b.add(i, glove.vectors.subarray(i * 100, i * 100 + d));
    return b.build({ trees: 2 }).toBytes();
  };
  const damaged = (bytes: Uint8Array, change: (dv: DataView, vectors: number) => void) => {
    const bad = bytes.slice();
    const dv = new DataView(bad.buffer);
    change(dv, Number(dv.getBigUint64(H.VECTORS_OFFSET, true)));
    return reseal(bad);
  };
  const refused = (bytes: Uint8Array, why: RegExp) => expectCode(() => Index.fromBytes(bytes), 'CORRUPT_INDEX', why);

  it('a storage kind or scale layout no version knows, storage on hamming, a storage section', () => {
    const f16 = make('float16'), i8 = make('int8');
    refused(damaged(f16, (dv) => dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE, 4, true)), /storage kind 4/);
    refused(damaged(i8, (dv) => dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE_SCALES, 2, true)), /scale layout 2/);
    refused(damaged(f16, (dv) => dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE_SCALES, 1, true)), /scale layout 1/);
    refused(damaged(i8, (dv) => dv.setBigUint64(H.SECTIONS + 16 * SECTION.STORAGE + 8, 16n, true)), /section 3/);
    // int8 read as float32 (the lengths disagree), float16 as int8
    refused(damaged(i8, (dv) => { dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE, 0, true); dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE_SCALES, 0, true); }), /vectors length|offset/);
    const hamming = new IndexBuilder({ dimensions: 64, metric: 'hamming' }).add(0, new Array(64).fill(0)).build().toBytes();
    refused(damaged(hamming, (dv) => dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_STORAGE, 2, true)), /storage kind 2 for hamming/);
  });

  it('records: an int8 scale not finite and positive, a float16 infinity or NaN, non-zero padding, a hole not all zero', () => {
    const i8 = make('int8'), f16 = make('float16'), bf16 = make('bfloat16');
    for (const scale of [NaN, Infinity, 0, -0.5, 1e-40]) {
      refused(damaged(i8, (dv, v) => dv.setFloat32(v + 3 * 32 + 28, scale, true)), /vector 3|item 3/);
    }
    refused(damaged(i8, (dv, v) => dv.setUint8(v + 5 * 32 + 22, 1)), /vector 5|item 5/); // padding after 21 codes
    refused(damaged(i8, (dv, v) => dv.setUint8(v + 9 * 32, 3)), /vector 9|item 9/); // the hole
    for (const half of [0x7C00, 0xFC00, 0x7E01]) refused(damaged(f16, (dv, v) => dv.setUint16(v + 4 * 48 + 2 * 6, half, true)), /vector 4|item 4/);
    refused(damaged(f16, (dv, v) => dv.setUint16(v + 4 * 48 + 2 * 21, 1, true)), /vector 4|item 4/); // padding
    refused(damaged(bf16, (dv, v) => dv.setUint16(v + 2 * 48 + 2 * 6, 0x7F80, true)), /vector 2|item 2/);
    // and the undamaged files load
    for (const bytes of [i8, f16, bf16]) expect(Index.fromBytes(bytes).count).toBe(59);
  });
});
