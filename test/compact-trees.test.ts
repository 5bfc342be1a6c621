// Compact trees (IndexBuilder's treeEncoding: 'compact'; assembly/compact.ts): int8 split planes chosen before the
// split routes its items, packed leaf ids. Recall against exact brute force on the real samples stays within seed
// noise of full trees at the same searchK; builds are the same bytes with any number of jobs; files round-trip;
// the Annoy file written from one answers as it; everything that reads trees works on them; damage is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Index, IndexBuilder, IndexPool, ShardedIndex, ShardedIndexBuilder, type Metric } from '../src/index.js';
import { H, SECTION, readHeaderFields, sectionsFor, bitsFor } from '../src/format/layout.js';
import { PARAM_LEAF_ID_BITS, PARAM_TREE_ENCODING, LEAF_REF } from '../src/format/constants.js';
import { bruteForce, exactDistance, fashionSample, gloveSample, reseal, recallAt10, expectCode } from './helpers.js';

const glove = gloveSample();
const fashion = fashionSample();
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-compact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const build = (options: ConstructorParameters<typeof IndexBuilder>[0], data: Float32Array, trees: number) =>
  new IndexBuilder(options).addBatch(data).build({ trees });

describe('compact trees: recall against exact brute force on the real samples, as full trees at the same searchK', () => {
  const sets = [
    ...(['angular', 'euclidean', 'manhattan', 'dot'] as Metric[]).map((metric) => ({ name: 'glove-sample', metric, data: glove, dims: 100, searchK: 2000, queries: 200 })),
    { name: 'fashion-sample', metric: 'euclidean' as Metric, data: fashion, dims: 784, searchK: 1500, queries: 100 },
  ];
  for (const { name, metric, data, dims, searchK, queries } of sets) {
    it(`${name} ${metric}: recall@10 within 0.02 of full trees' (same seed), distances exact, the file smaller`, () => {
      const options = { dimensions: dims, metric, seed: 3 };
      const full = build(options, data.vectors, 8);
      const compact = build({ ...options, treeEncoding: 'compact' }, data.vectors, 8);
      expect(full.treeEncoding).toBe('full');
      expect(compact.treeEncoding).toBe('compact');
      const truth = Array.from({ length: queries }, (_, q) => new Set(bruteForce(metric, data.vectors, dims, data.queries.subarray(q * dims, (q + 1) * dims), 10)));
      const a = recallAt10(full, truth, data.queries, dims, searchK), b = recallAt10(compact, truth, data.queries, dims, searchK);
      expect(a).toBeGreaterThan(0.8);
      expect(b).toBeGreaterThan(0.8);
      expect(b).toBeGreaterThanOrEqual(a - 0.02);
      const q = data.queries.subarray(0, dims);
      const r = compact.search(q, 5, { searchK });
      r.ids.forEach((id, i) => expect(r.distances[i]).toBeCloseTo(exactDistance(metric, q, data.vectors.subarray(id * dims, (id + 1) * dims)), 3));
      const treeBytes = (index: Index) => { const h = readHeaderFields(index.toBytes()); const s = sectionsFor(h); return s.nodesBytes + s.extra[SECTION.LEAVES].bytes; };
      expect(treeBytes(compact)).toBeLessThan(0.45 * treeBytes(full));
    });
  }

  it('hamming: bit splits, packed leaves; recall as full trees', () => {
    const d = 64, n = 1500;
    let s = 7;
    const bits = Float32Array.from({ length: n * d }, () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return (s >> 16) & 1; });
    const full = build({ dimensions: d, metric: 'hamming', seed: 2 }, bits, 10);
    const compact = build({ dimensions: d, metric: 'hamming', seed: 2, treeEncoding: 'compact' }, bits, 10);
    const h = readHeaderFields(compact.toBytes());
    expect(h.nodeBytes).toBe(16);
    const truth = Array.from({ length: 50 }, (_, q) => new Set(bruteForce('hamming', bits, d, bits.subarray(q * d, (q + 1) * d), 10)));
    // hamming's ties make the exact top 10 ambiguous: compare the distances reached instead
    const worst = (index: Index) => truth.reduce((sum, _, q) => sum + index.search(bits.subarray(q * d, (q + 1) * d), 10, { searchK: 3000 }).distances[9], 0);
    expect(worst(compact)).toBeLessThanOrEqual(worst(full) + 5);
    expect(compact.toBytes().length).toBeLessThan(full.toBytes().length);
  });
});

describe('compact trees: the same bytes every time, saved and loaded, as an Annoy file', () => {
  const n = 2500, d = 100, x = glove.vectors.subarray(0, n * d);
  const options = { dimensions: d, metric: 'angular' as Metric, seed: 11, treeEncoding: 'compact' as const };

  it('buildAsync with 1 and 2 jobs and build() write the same bytes', async () => {
    const one = build(options, x, 6).toBytes();
    const jobs1 = await new IndexBuilder(options).addBatch(x).buildAsync({ trees: 6, jobs: 1 });
    const jobs2 = await new IndexBuilder(options).addBatch(x).buildAsync({ trees: 6, jobs: 2 });
    expect(Buffer.from(jobs1.toBytes()).equals(Buffer.from(one))).toBe(true);
    expect(Buffer.from(jobs2.toBytes()).equals(Buffer.from(one))).toBe(true);
  });

  it('save, openSync and fromBytes give the same bytes and answers; the header names the encoding', () => {
    const index = build(options, x, 5);
    const file = join(dir, 'compact.annoy');
    index.saveSync(file);
    const opened = Index.openSync(file);
    expect(Buffer.from(opened.toBytes()).equals(Buffer.from(index.toBytes()))).toBe(true);
    expect(opened.treeEncoding).toBe('compact');
    const h = readHeaderFields(index.toBytes());
    expect(h.sectionParams[PARAM_TREE_ENCODING]).toBe(1);
    expect(h.sectionParams[PARAM_LEAF_ID_BITS]).toBe(bitsFor(n - 1));
    for (let q = 0; q < 20; q++) {
      const query = glove.queries.subarray(q * d, (q + 1) * d);
      expect(opened.search(query, 10)).toEqual(index.search(query, 10));
    }
  });

  it('toAnnoyBytes writes the decoded planes and ids: Annoy\'s file answers as the compact index, and as its full form', () => {
    // pca screening: the trees split in the components' space, and each quantised file plane routes the items again
    const cases = [...(['angular', 'euclidean', 'dot', 'manhattan'] as Metric[]).map((metric) => ({ metric, screening: 'auto' as const })),
      { metric: 'angular' as Metric, screening: 'pca' as const }, { metric: 'euclidean' as Metric, screening: 'pca' as const }];
    for (const { metric, screening } of cases) {
      const index = build({ ...options, metric, screening }, x, 5);
      const annoy = Index.fromBytes(index.toAnnoyBytes(), { format: 'annoy', dimensions: d, metric });
      const full = index.withTreeEncoding('full');
      expect(full.treeEncoding).toBe('full');
      let same = 0;
      for (let q = 0; q < 40; q++) {
        const query = glove.queries.subarray(q * d, (q + 1) * d);
        const want = [...index.search(query, 10, { searchK: 800 }).ids];
        expect([...full.search(query, 10, { searchK: 800 }).ids]).toEqual(want);
        // Annoy's file numbers nodes its own way; a margin's f32 rounding may reorder a near tie of the queue
        if ([...annoy.search(query, 10, { searchK: 800 }).ids].join() === want.join()) same++;
      }
      expect(same).toBeGreaterThanOrEqual(38);
      // and back: the Annoy file converts to full trees that write the same Annoy bytes
      expect(Buffer.from(annoy.toAnnoyBytes()).equals(Buffer.from(index.toAnnoyBytes()))).toBe(true);
    }
  });

  it('the build routes each item as the search does: its own vector leads the first descent to the leaf that holds it', () => {
    // searchK 1 stops after the first leaf, reached by following each split's side of the item's own vector (not dot:
    // its build routes by an extra coordinate that queries lack, as Annoy's does); pca
    // screening splits in the components' space, and each quantised file plane must route the items again
    for (const [metric, screening] of [['euclidean', 'pca'], ['angular', 'pca'], ['euclidean', 'int8'], ['manhattan', 'none']] as const) {
      const index = build({ ...options, metric, screening, seed: 2 }, x.subarray(0, 1500 * d), 1);
      let found = 0;
      for (let i = 0; i < 1500; i++) if (index.searchItem(i, 1, { searchK: 1, rerank: -1 }).ids[0] === i) found++;
      expect([metric, screening, found]).toEqual([metric, screening, 1500]);
    }
  });

  it('full trees are unchanged: a full build has no leaf stream and its old node size', () => {
    const h = readHeaderFields(build({ ...options, treeEncoding: 'full' }, x, 2).toBytes());
    expect(h.sectionParams[PARAM_TREE_ENCODING]).toBe(0);
    expect(h.sectionParams[PARAM_LEAF_ID_BITS]).toBe(0);
    expect(h.sectionBytes[SECTION.LEAVES]).toBe(0);
    expect(h.nodeBytes).toBe(416);
  });
});

describe('compact trees with everything else that reads trees', () => {
  const n = 2000, d = 100, x = glove.vectors.subarray(0, n * d);
  const options = { dimensions: d, metric: 'euclidean' as Metric, seed: 5, treeEncoding: 'compact' as const };

  it('int8 storage and screening conversions keep the trees and answers', () => {
    const index = build(options, x, 6);
    const int8 = build({ ...options, storage: 'int8' }, x, 6);
    expect(Buffer.from(index.withStorage('int8').toBytes()).equals(Buffer.from(int8.toBytes()))).toBe(true);
    expect(int8.treeEncoding).toBe('compact');
    const none = index.withScreening({ screening: 'none' });
    expect(none.treeEncoding).toBe('compact');
    const query = glove.queries.subarray(0, d);
    expect([...none.search(query, 10, { searchK: 5000, rerank: -1 }).ids]).toEqual([...index.search(query, 10, { searchK: 5000, rerank: -1 }).ids]);
    expect(Index.fromBytes(int8.toBytes()).search(query, 10)).toEqual(int8.search(query, 10));
  });

  it('a graph index (pca screening, keys, removals) on compact trees', () => {
    const b = new IndexBuilder({ ...options, metric: 'angular', graph: { degree: 8 }, keys: true, screening: 'pca' });
    for (let i = 0; i < 800; i++) b.add(`k${i}`, x.subarray(i * d, (i + 1) * d));
    const index = b.build();
    expect(index.treeEncoding).toBe('compact');
    // the graph's rows hold near neighbours: most of each row is in the exact top 8
    let agree = 0;
    for (const i of [0, 7, 300, 799]) {
      const exact = new Set(bruteForce('angular', x.subarray(0, 800 * d), d, x.subarray(i * d, (i + 1) * d), 9).filter((j) => j !== i));
      agree += [...index.searchItem(i, 9, { ef: 64 }).ids].filter((j) => exact.has(j)).length;
    }
    expect(agree).toBeGreaterThanOrEqual(28);
    const table = index.searchAll(5);
    expect(table.counts[7]).toBe(5);
    expect(index.idOf('k7')).toBe(7);
    index.remove([3]);
    const back = Index.fromBytes(index.toBytes());
    expect(back.treeEncoding).toBe('compact');
    expect([...back.searchItem(4, 20).ids]).not.toContain(3);
    const query = glove.queries.subarray(0, d);
    expect(back.search(query, 10)).toEqual(index.search(query, 10));
  });

  it('a graph index gets compact trees unless it asks for full ones; trees alone stay full by default', () => {
    const { treeEncoding: _, ...plain } = options;
    const graph = build({ ...plain, graph: { degree: 8 } }, x.subarray(0, 500 * d), 4);
    expect(graph.treeEncoding).toBe('compact');
    expect(readHeaderFields(graph.toBytes()).sectionBytes[SECTION.LEAVES]).toBeGreaterThan(0);
    expect(build({ ...plain, graph: { degree: 8 }, treeEncoding: 'full' }, x.subarray(0, 500 * d), 4).treeEncoding).toBe('full');
    expect(build(plain, x.subarray(0, 500 * d), 4).treeEncoding).toBe('full');
  });

  it('IndexPool (shared memory) and ShardedIndex answer as Index', async () => {
    const index = build(options, x, 4);
    const file = join(dir, 'pool-compact.annoy');
    index.saveSync(file);
    const pool = await IndexPool.open(file, { workers: 2 });
    try {
      for (let q = 0; q < 20; q++) {
        const query = glove.queries.subarray(q * d, (q + 1) * d);
        expect(await pool.search(query, 10, { searchK: 300 })).toEqual(index.search(query, 10, { searchK: 300 }));
      }
    } finally {
      await pool.close();
    }
    const sb = new ShardedIndexBuilder({ ...options, shardSize: 700 });
    for (let i = 0; i < n; i++) sb.add(i, x.subarray(i * d, (i + 1) * d));
    const sharded = await ShardedIndex.open(await sb.save(join(dir, 'shards'), { trees: 3 }));
    const whole = [0, 1, 2].map((sh) => build(options, x.subarray(sh * 700 * d, Math.min(n, (sh + 1) * 700) * d), 3));
    expect(whole[0].treeEncoding).toBe('compact');
    for (let q = 0; q < 10; q++) {
      const query = glove.queries.subarray(q * d, (q + 1) * d);
      const hits = whole.flatMap((ix, sh) => { const r = ix.search(query, 10); return [...r.ids].map((id, i) => ({ id: id + 700 * sh, dist: r.distances[i] })); });
      hits.sort((a, b) => a.dist - b.dist || a.id - b.id);
      expect([...sharded.search(query, 10).ids]).toEqual(hits.slice(0, 10).map((hh) => hh.id));
    }
    sharded.free();
  });
});

describe('compact trees: damaged files are refused', () => {
  const d = 21, n = 300;
  const make = (metric: Metric = 'euclidean') => {
    const b = new IndexBuilder({ dimensions: d, metric, seed: 1, treeEncoding: 'compact', leafSize: 10 });
    for (let i = 0; i < n; i++) if (i !== 9) b.add(i, glove.vectors.subarray(i * 100, i * 100 + d));
    return b.build({ trees: 2 }).toBytes();
  };
  const good = make();
  const h = readHeaderFields(good), s = sectionsFor(h);
  const damaged = (change: (dv: DataView) => void) => {
    const bad = good.slice();
    change(new DataView(bad.buffer));
    return reseal(bad);
  };
  const refused = (bytes: Uint8Array, why: RegExp) => expectCode(() => Index.fromBytes(bytes), 'CORRUPT_INDEX', why);
  const node = (k: number) => s.nodesOffset + k * h.nodeBytes;
  const stream = s.extra[SECTION.LEAVES].offset;
  // the first split with a leaf child, and that leaf's word
  let leafSplit = -1, leafWord = -1, leafChild = 0;
  {
    const dv = new DataView(good.buffer);
    for (let k = 0; k < h.nodeCount && leafSplit < 0; k++) {
      for (const c of [4, 8]) {
        const ref = dv.getInt32(node(k) + c, true);
        if (ref >= LEAF_REF && leafSplit < 0) { leafSplit = k; leafWord = ref - LEAF_REF; leafChild = c; }
      }
    }
  }
  const cBits = bitsFor(h.leafCapacity), iBits = bitsFor(h.size - 1);

  it('the undamaged file loads; the header\'s encoding, id bits, node size and stream length are checked', () => {
    expect(leafSplit).toBeGreaterThanOrEqual(0);
    expect(leafWord).toBe(0);
    expect(Index.fromBytes(good).count).toBe(n - 1);
    refused(damaged((dv) => dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_TREE_ENCODING, 2, true)), /tree encoding 2/);
    refused(damaged((dv) => dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_TREE_ENCODING, 0, true)), /node size|leaf id bits|section 4/);
    refused(damaged((dv) => dv.setUint32(H.SECTION_PARAMS + 4 * PARAM_LEAF_ID_BITS, iBits + 1, true)), /leaf id bits/);
    refused(damaged((dv) => dv.setUint32(H.NODE_BYTES, 416, true)), /node size/);
    refused(damaged((dv) => dv.setBigUint64(H.SECTIONS + 16 * SECTION.LEAVES + 8, BigInt(s.extra[SECTION.LEAVES].bytes - 8), true)), /section 4/);
  });

  it('planes: a scale not finite and positive, a code of -128, non-zero padding, a bad tag', () => {
    for (const scale of [NaN, Infinity, 0, -1, 1e-40, 3e38]) refused(damaged((dv) => dv.setFloat32(node(1) + 16, scale, true)), /node 1/);
    refused(damaged((dv) => dv.setInt8(node(2) + 20 + 3, -128)), /node 2/);
    refused(damaged((dv) => dv.setUint8(node(2) + 20 + d, 1)), /node 2/);
    refused(damaged((dv) => dv.setUint32(node(0), 5, true)), /node 0/);
  });

  it('leaves: a ref out of order or past the stream, a count of 0 or past capacity, an id past size or a hole, set padding bits', () => {
    const leafAt = (dv: DataView) => stream + 4 * leafWord;
    refused(damaged((dv) => dv.setInt32(node(leafSplit) + leafChild, LEAF_REF + 1, true)), /leaf stream/);
    refused(damaged((dv) => dv.setInt32(node(leafSplit) + leafChild, LEAF_REF + 0x3FFFFFF, true)), /leaf stream/);
    const setBits = (dv: DataView, p: number, bits: number, value: number) => {
      const at = leafAt(dv) + 4 * Math.floor(p / 32);
      const word = dv.getBigUint64(at, true);
      const shift = BigInt(p % 32), mask = ((1n << BigInt(bits)) - 1n) << shift;
      dv.setBigUint64(at, (word & ~mask) | (BigInt(value) << shift), true);
    };
    refused(damaged((dv) => setBits(dv, 0, cBits, 0)), /leaf stream/);
    refused(damaged((dv) => setBits(dv, 0, cBits, h.leafCapacity + 1)), /leaf stream/);
    refused(damaged((dv) => setBits(dv, cBits, iBits, n + 5)), /leaf stream/);
    refused(damaged((dv) => setBits(dv, cBits, iBits, 9)), /leaf stream/); // the hole
    const count = new DataView(good.buffer).getUint32(stream + 4 * leafWord, true) & ((1 << cBits) - 1);
    const end = cBits + count * iBits;
    if (end % 32 !== 0) refused(damaged((dv) => setBits(dv, end, 1, 1)), /leaf stream/);
    // the stream's trailing word and padding
    refused(damaged((dv) => dv.setUint8(stream + s.extra[SECTION.LEAVES].bytes - 1, 1)), /leaf stream/);
  });
});
