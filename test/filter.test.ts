// Filtered search (createFilter, the `filter` search option) against exact brute force over the allowed items, on
// every metric: allow and exclude lists, an empty filter, one allowing everything, one allowing a single item; both
// ways a filter is answered (the tree walk, and the exact scan of the allowed ids); Index, IndexPool, ShardedIndex.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { AnnoyError, IdFilter, Index, IndexBuilder, IndexPool, ShardedIndex, ShardedIndexBuilder, type Metric } from '../src/index.js';
import { setScanRatio, SCAN_RATIO } from '../src/filter/id-filter.js';
import { bruteForceAmong, expectExactTopK as expectExact, filterCases, gloveSample, range } from './helpers.js';

const METRICS: Metric[] = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];
const N = 500, TREES = 4;
const hole = (i: number) => i % 7 === 3;
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-filter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { setScanRatio(SCAN_RATIO); });

function dataset(metric: Metric, seed: string) {
  const d = metric === 'hamming' ? 64 : 17;
  const rng = seedrandom(seed);
  const flat = new Float32Array(N * d);
  for (let i = 0; i < flat.length; i++) flat[i] = metric === 'hamming' ? (rng() < 0.5 ? 0 : 1) : rng() * 2 - 1;
  const b = new IndexBuilder({ dimensions: d, metric, seed: 3 });
  for (let i = 0; i < N; i++) if (!hole(i)) b.add(i, flat.subarray(i * d, (i + 1) * d));
  return { d, flat, index: b.build({ trees: TREES }), rng };
}

/** Exact top k among the present `allowed` ids, ties by smaller id. */
function expected(metric: Metric, flat: Float32Array, d: number, q: ArrayLike<number>, k: number, allowed: Set<number>) {
  return bruteForceAmong(metric, flat, d, q, k, [...allowed].filter((i) => !hole(i)));
}

describe.each(METRICS)('filtered search, %s', (metric) => {
  const { d, flat, index, rng } = dataset(metric, `filter-${metric}`);
  const queries = Array.from({ length: 8 }, () => {
    const q = new Float32Array(d);
    for (let j = 0; j < d; j++) q[j] = metric === 'hamming' ? (rng() < 0.5 ? 0 : 1) : rng() * 2 - 1;
    return q;
  });
  const some = range(N).filter(() => rng() < 0.3);
  const cases = [...filterCases(N, some), ['allow holes only', { allow: [3, 10] }, new Set<number>()] as const];

  it.each(cases)('%s: the exact top k of the allowed items, walked exhaustively or scanned', (_name, spec, allowed) => {
    const filter = index.createFilter(spec);
    expect(filter.allowed).toBe([...allowed].filter((i) => !hole(i)).length);
    for (const ratio of [0, Infinity]) { // 0: always the tree walk; Infinity: always the exact scan
      setScanRatio(ratio);
      for (const q of queries) {
        const want = expected(metric, flat, d, q, 10, allowed);
        // searchK past every leaf entry: the walk visits the whole forest, so it must be exact too
        expectExact(metric, flat, d, q, index.search(q, 10, { filter, searchK: N * TREES * 2 }), want);
      }
      const batch = index.searchBatch(Float32Array.from(queries.flatMap((q) => [...q])), 10, { filter, searchK: N * TREES * 2 });
      queries.forEach((q, r) => expectExact(metric, flat, d, q, batch.row(r), expected(metric, flat, d, q, 10, allowed)));
      const item = 42;
      expectExact(metric, flat, d, flat.subarray(item * d, (item + 1) * d), index.searchItem(item, 5, { filter, searchK: N * TREES * 2 }),
        expected(metric, flat, d, flat.subarray(item * d, (item + 1) * d), 5, allowed));
    }
    filter.free();
  });

  it('at a small searchK every result is allowed and the walk collects searchK allowed candidates', () => {
    const filter = index.createFilter({ allow: some });
    setScanRatio(0);
    for (const q of queries) {
      const got = index.search(q, 10, { filter, searchK: 40 });
      expect(got.ids.length).toBe(10); // 40 allowed candidates found, not 40 of any kind (30% would leave ~12 distinct)
      for (const id of got.ids) expect(some).toContain(id);
    }
    filter.free();
  });
});

describe('filter errors', () => {
  const { index, d } = dataset('euclidean', 'errors');
  const other = dataset('euclidean', 'errors-2').index;
  const q = new Float32Array(d);
  const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as AnnoyError).code; } return 'none'; };

  it('refuses a filter of another index (INVALID_ARGUMENT), a freed one (CLOSED), ids out of range (INVALID_ID)', () => {
    const mine = index.createFilter({ allow: [1, 2] });
    const theirs = other.createFilter({ allow: [1, 2] });
    expect(code(() => index.search(q, 3, { filter: theirs }))).toBe('INVALID_ARGUMENT');
    expect(code(() => index.search(q, 3, { filter: {} as IdFilter }))).toBe('INVALID_ARGUMENT');
    mine.free();
    expect(mine.freed).toBe(true);
    expect(code(() => index.search(q, 3, { filter: mine }))).toBe('CLOSED');
    expect(code(() => index.createFilter({ allow: [N] }))).toBe('INVALID_ID');
    expect(code(() => index.createFilter({ exclude: [-1] }))).toBe('INVALID_ID');
    expect(code(() => index.createFilter({ allow: [1.5] }))).toBe('INVALID_ID');
    expect(code(() => index.createFilter({ allow: [1], exclude: [2] } as never))).toBe('INVALID_ARGUMENT');
    expect(code(() => index.createFilter({} as never))).toBe('INVALID_ARGUMENT');
    expect(() => index.createFilter({ allow: [N] })).toThrow(/allow\[0\] = 500/);
    theirs.free();
  });

  it('reuses a freed filter\'s room, and the memory growth for many filters keeps answers right', () => {
    const filters = range(40).map((i) => index.createFilter({ allow: [i * 10 + 1] }));
    for (let i = 0; i < 40; i++) {
      const hit = index.search(q, 3, { filter: filters[i] });
      expect([...hit.ids]).toEqual(hole(i * 10 + 1) ? [] : [i * 10 + 1]);
    }
    for (const f of filters) f.free();
    const again = index.createFilter({ allow: [5] });
    expect([...index.search(q, 3, { filter: again }).ids]).toEqual([5]);
    expect(index.getItem(5).length).toBe(d); // views refreshed after growth
  });
});

describe('filters on a pool and on shards', () => {
  const glove = gloveSample();
  const D = 100, M = 3000;
  const row = (i: number) => glove.vectors.subarray(i * D, (i + 1) * D);
  const rng = seedrandom('pool');
  const allowIds = range(M).filter(() => rng() < 0.2);
  const allowed = new Set(allowIds);
  const queries = range(20).map((q) => glove.queries.subarray(q * D, (q + 1) * D));

  it('IndexPool answers as Index does, with the filter in the shared memory; refuses past its room and in other pools', async () => {
    const b = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 1 });
    for (let i = 0; i < M; i++) b.add(i, row(i));
    const index = b.build({ trees: 8 });
    const pool = await IndexPool.open(index.toBytes(), { workers: 2, filters: 2 });
    const pool2 = await IndexPool.open(index.toBytes(), { workers: 1 });
    try {
      const local = index.createFilter({ allow: allowIds });
      const shared = await pool.createFilter({ allow: allowIds });
      for (const searchK of [100, 2000]) { // a walk, and a scan (600 allowed <= 2 * 2000)
        for (const q of queries) {
          const want = index.search(q, 10, { filter: local, searchK });
          expect(await pool.search(q, 10, { filter: shared, searchK })).toEqual(want);
          for (const id of want.ids) expect(allowed.has(id)).toBe(true);
        }
        const flat = Float32Array.from(queries.flatMap((q) => [...q]));
        expect(await pool.searchBatch(flat, 10, { filter: shared, searchK })).toEqual(index.searchBatch(flat, 10, { filter: local, searchK }));
        expect(await pool.searchItem(7, 10, { filter: shared, searchK })).toEqual(index.searchItem(7, 10, { filter: local, searchK }));
      }
      const second = await pool.createFilter({ exclude: [1] });
      await expect(pool.createFilter({ allow: [1] })).rejects.toMatchObject({ code: 'CAPACITY' });
      second.free();
      (await pool.createFilter({ allow: [1] })).free();
      await expect(pool2.search(queries[0], 3, { filter: shared })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(pool.search(queries[0], 3, { filter: local })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await pool.close();
      await pool2.close();
    }
  });

  it('ShardedIndex and a sharded pool split a filter of global ids across shards, answering exactly', async () => {
    const b = new ShardedIndexBuilder({ dimensions: D, metric: 'angular', seed: 9, shardSize: 700 });
    for (let i = 0; i < M; i++) if (i % 97 !== 13) b.add(i, row(i));
    const manifest = await b.save(join(dir, 'shards'), { trees: 6 });
    const sharded = await ShardedIndex.open(manifest);
    const pool = await IndexPool.open(manifest, { workers: 2 });
    try {
      const f = sharded.createFilter({ allow: allowIds });
      const pf = await pool.createFilter({ allow: allowIds });
      const present = allowIds.filter((i) => i % 97 !== 13);
      expect(f.allowed).toBe(present.length);
      for (const q of queries) {
        // searchK large enough that every shard scans its allowed ids: the exact answer
        const got = sharded.search(q, 10, { filter: f, searchK: 5000 });
        expect([...got.ids]).toEqual(bruteForceAmong('angular', glove.vectors, D, q, 10, present));
        expect(await pool.search(q, 10, { filter: pf, searchK: 5000 })).toEqual(got);
        const walked = sharded.search(q, 10, { filter: f, searchK: 50 });
        expect(await pool.search(q, 10, { filter: pf, searchK: 50 })).toEqual(walked);
        for (const id of walked.ids) expect(allowed.has(id)).toBe(true);
      }
      expect(() => sharded.createFilter({ allow: [M] })).toThrow(AnnoyError);
    } finally {
      sharded.free();
      await pool.close();
    }
  });
});

it('a filter is refused once its index is freed (CLOSED)', () => {
  const { index } = dataset('angular', 'closed');
  const f = index.createFilter({ allow: [1] });
  index.free();
  expect(() => (index as Index).search(new Float32Array(17), 1, { filter: f })).toThrow(AnnoyError);
});
