// Filters and removed items on a graph index, against exact brute force over the allowed (kept) items, on every
// metric: the walk steps through ruled-out items but never returns them, and ef counts allowed candidates; the
// exact scan of the allowed ids answers selective filters; removals survive save and load (a file with both a graph
// and a removed section) and searchAll leaves them out; IndexPool and ShardedIndex answer as Index does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Index, IndexBuilder, IndexPool, ShardedIndex, ShardedIndexBuilder, type Metric } from '../src/index.js';
import { setScanRatio, SCAN_RATIO } from '../src/filter/id-filter.js';
import { bruteForceAmong, expectExactTopK as expectExact, filterCases, gloveSample, range } from './helpers.js';

const METRICS: Metric[] = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];
const N = 400;
const hole = (i: number) => i % 11 === 5;
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-graph-filter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { setScanRatio(SCAN_RATIO); });

function dataset(metric: Metric, seed: string) {
  const d = metric === 'hamming' ? 64 : 12;
  const rng = seedrandom(seed);
  const flat = new Float32Array(N * d);
  for (let i = 0; i < flat.length; i++) flat[i] = metric === 'hamming' ? (rng() < 0.5 ? 0 : 1) : rng() * 2 - 1;
  const b = new IndexBuilder({ dimensions: d, metric, seed: 5, graph: { degree: 16 } });
  for (let i = 0; i < N; i++) if (!hole(i)) b.add(i, flat.subarray(i * d, (i + 1) * d));
  const queries = range(6).map(() => Float32Array.from({ length: d }, () => (metric === 'hamming' ? (rng() < 0.5 ? 0 : 1) : rng() * 2 - 1)));
  return { d, flat, index: b.build(), rng, queries };
}

/** Exact top k among the present `allowed` ids, ties by smaller id. */
function expected(metric: Metric, flat: Float32Array, d: number, q: ArrayLike<number>, k: number, allowed: Set<number>) {
  return bruteForceAmong(metric, flat, d, q, k, [...allowed].filter((i) => !hole(i)));
}

describe.each(METRICS)('filters on a graph index, %s', (metric) => {
  const { d, flat, index, rng, queries } = dataset(metric, `graph-filter-${metric}`);
  const some = range(N).filter(() => rng() < 0.3);
  const cases = filterCases(N, some);

  it.each(cases)('%s: the exact top k of the allowed items, walked with ef past every item or scanned', (_name, spec, allowed) => {
    expect(index.graph).toBe(16);
    const filter = index.createFilter(spec);
    for (const ratio of [0, Infinity]) { // 0: always the graph walk; Infinity: always the exact scan
      setScanRatio(ratio);
      // ef of every item: the ef allowed best are never all found before the walk has reached every item, so the
      // walk (through ruled-out items too) must be exact
      for (const q of queries) expectExact(metric, flat, d, q, index.search(q, 10, { filter, ef: N }), expected(metric, flat, d, q, 10, allowed));
      const batch = index.searchBatch(Float32Array.from(queries.flatMap((q) => [...q])), 10, { filter, ef: N });
      queries.forEach((q, r) => expectExact(metric, flat, d, q, batch.row(r), expected(metric, flat, d, q, 10, allowed)));
      const item = some.includes(42) ? 43 : 42; // an item the 30% allow-list may rule out: the walk starts from it anyway
      const v = flat.subarray(item * d, (item + 1) * d);
      expectExact(metric, flat, d, v, index.searchItem(item, 5, { filter, ef: N }), expected(metric, flat, d, v, 5, allowed));
    }
    filter.free();
  });

  it('at ef = k every result is allowed and k of them come back (ef counts allowed candidates)', () => {
    const filter = index.createFilter({ allow: some });
    setScanRatio(0);
    for (const q of queries) {
      const got = index.search(q, 10, { filter, ef: 10 });
      expect(got.ids.length).toBe(10);
      for (const id of got.ids) expect(some).toContain(id);
    }
    filter.free();
  });

  it('removed items: never returned (search, searchAll), kept out through save and load, the same answers after', () => {
    const { index: own } = dataset(metric, `graph-filter-${metric}`);
    const removed = range(N).filter((i) => !hole(i) && i % 3 === 0);
    own.remove(removed);
    const kept = new Set(range(N).filter((i) => !removed.includes(i)));
    const loaded = Index.fromBytes(own.toBytes()); // a file with a graph section and a removed section
    expect(loaded.graph).toBe(16);
    expect(loaded.removedCount).toBe(removed.length);
    expect(loaded.checksum).toBe(own.checksum);
    for (const q of queries) {
      const want = expected(metric, flat, d, q, 10, kept);
      expectExact(metric, flat, d, q, own.search(q, 10, { ef: N }), want);
      expectExact(metric, flat, d, q, loaded.search(q, 10, { ef: N }), want);
      expect(loaded.search(q, 10, { ef: 10 })).toEqual(own.search(q, 10, { ef: 10 }));
      for (const id of loaded.search(q, 10, { ef: 10 }).ids) expect(kept.has(id)).toBe(true);
    }
    const all = loaded.searchAll(5);
    for (let i = 0; i < N; i++) {
      const row = all.row(i);
      if (removed.includes(i) || hole(i)) expect(row.ids.length).toBe(0);
      for (const id of row.ids) expect(kept.has(id)).toBe(true);
    }
    expect(() => loaded.searchItem(removed[0], 3)).toThrow(/removed|INVALID|id/i);
    own.free();
    loaded.free();
  });
});

describe('filters and removals on a graph index in a pool and in shards (GloVe sample)', () => {
  const glove = gloveSample();
  const D = 100, M = 2000;
  const row = (i: number) => glove.vectors.subarray(i * D, (i + 1) * D);
  const rng = seedrandom('graph-pool');
  const allowIds = range(M).filter(() => rng() < 0.2);
  const allowed = new Set(allowIds);
  const queries = range(15).map((q) => glove.queries.subarray(q * D, (q + 1) * D));

  it('IndexPool answers as Index does (walk and scan), and pool.remove hides items from the graph walk', async () => {
    const b = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 1, graph: true });
    for (let i = 0; i < M; i++) b.add(i, row(i));
    const index = b.build();
    const pool = await IndexPool.open(index.toBytes(), { workers: 2 });
    try {
      const local = index.createFilter({ allow: allowIds });
      const shared = await pool.createFilter({ allow: allowIds });
      for (const ratio of [0, Infinity]) {
        setScanRatio(ratio);
        for (const q of queries) {
          const want = index.search(q, 10, { filter: local, ef: 20 });
          expect(await pool.search(q, 10, { filter: shared, ef: 20 })).toEqual(want);
          expect(want.ids.length).toBe(10);
          for (const id of want.ids) expect(allowed.has(id)).toBe(true);
        }
        expect(await pool.searchItem(7, 10, { filter: shared, ef: 20 })).toEqual(index.searchItem(7, 10, { filter: local, ef: 20 }));
      }
      setScanRatio(SCAN_RATIO);
      const gone = [...(await pool.search(queries[0], 5)).ids];
      await pool.remove(gone);
      index.remove(gone);
      const after = await pool.search(queries[0], 10);
      for (const id of gone) expect([...after.ids]).not.toContain(id);
      expect(after).toEqual(index.search(queries[0], 10));
    } finally {
      await pool.close();
      index.free();
    }
  });

  it('ShardedIndex and a sharded pool of graph shards split a filter across shards, exactly when scanned', async () => {
    const b = new ShardedIndexBuilder({ dimensions: D, metric: 'angular', seed: 9, shardSize: 700, graph: { degree: 16 } });
    for (let i = 0; i < M; i++) b.add(i, row(i));
    const manifest = await b.save(join(dir, 'graph-shards'));
    const sharded = await ShardedIndex.open(manifest);
    const pool = await IndexPool.open(manifest, { workers: 2 });
    try {
      const f = sharded.createFilter({ allow: allowIds });
      const pf = await pool.createFilter({ allow: allowIds });
      setScanRatio(Infinity);
      for (const q of queries) {
        const got = sharded.search(q, 10, { filter: f });
        expect([...got.ids]).toEqual(bruteForceAmong('angular', glove.vectors, D, q, 10, allowIds));
        expect(await pool.search(q, 10, { filter: pf })).toEqual(got);
      }
      setScanRatio(0);
      for (const q of queries) {
        const walked = sharded.search(q, 10, { filter: f, ef: 10 });
        expect(walked.ids.length).toBe(10);
        for (const id of walked.ids) expect(allowed.has(id)).toBe(true);
        expect(await pool.search(q, 10, { filter: pf, ef: 10 })).toEqual(walked);
      }
    } finally {
      sharded.free();
      await pool.close();
    }
  });
});
