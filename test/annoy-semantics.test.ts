// Annoy's own semantic test cases (spotify/annoy test/*_index_test.py, index_test.py, holes_test.py,
// seed_test.py, types_test.py, multithreaded_build_test.py), ported to this library's API:
//   add_item -> builder.add, build(n) -> build({ trees: n }), get_nns_by_vector -> search,
//   get_nns_by_item -> searchItem, get_distance -> distance, get_item_vector -> getItem,
//   get_n_items -> size, get_n_trees -> trees, search_k -> { searchK }, save/load -> toBytes/fromBytes or save/open.
// The expected values are Annoy's (or, where a case is ours, computed by hand or by float64 brute force in the
// test), never values produced by this library. Random data comes from seedrandom, so every run is the same.
//
// Annoy's tolerances are kept: the unittest-style files use assertAlmostEqual(places=3) (`near3` below), the
// pytest-style files use pytest.approx (`approx` below: rel 1e-6, abs 1e-12).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { Index, IndexBuilder, type Metric } from '../src/index.js';
import { expectCode } from './helpers.js';

// ---- helpers ------------------------------------------------------------------------------------------------

type Rng = () => number;
const rngOf = (name: string): Rng => seedrandom(`annoy-semantics:${name}`);

/** One standard normal deviate (Box-Muller). */
function gauss(rng: Rng, sd = 1): number {
  let u = rng();
  while (u === 0) u = rng();
  return sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
const normal = (rng: Rng, f: number): number[] => Array.from({ length: f }, () => gauss(rng));
const bits = (rng: Rng, f: number): number[] => Array.from({ length: f }, () => (rng() < 0.5 ? 0 : 1));
/** A random vector valid for the metric (hamming: 0/1). */
const randomFor = (metric: Metric, rng: Rng, f: number): number[] => (metric === 'hamming' ? bits(rng, f) : normal(rng, f));

/** Adds vectors[i] as item i and builds. */
function indexOf(metric: Metric, f: number, vectors: ArrayLike<number>[], trees = 10, seed?: number): Index {
  const b = new IndexBuilder(seed === undefined ? { dimensions: f, metric } : { dimensions: f, metric, seed });
  vectors.forEach((v, i) => b.add(i, v));
  return b.build({ trees });
}

const ids = (r: { ids: Uint32Array }): number[] => Array.from(r.ids);
const dists = (r: { distances: Float32Array }): number[] => Array.from(r.distances);

/** pytest.approx(expected) with its defaults. */
function approx(actual: number, expected: number, rel = 1e-6, abs = 1e-12): void {
  const tol = Math.max(rel * Math.abs(expected), abs);
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`expected ${actual} to be approx ${expected} (tolerance ${tol}, off by ${Math.abs(actual - expected)})`);
  }
}
/** unittest's assertAlmostEqual(x, y, places=3), as Annoy's common.TestCase uses. */
const near3 = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 3);

const dot64 = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const sub = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a, (x, i) => x - b[i]);
const f32 = (v: ArrayLike<number>) => Array.from(Float32Array.from(v));
/** Byte equality without vitest's element-by-element deep equality (slow on large arrays). */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** A random sample of `count` distinct values of 0..n-1. */
function sample(rng: Rng, n: number, count: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count);
}

const tmp = mkdtempSync(join(tmpdir(), 'annoy-semantics-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ALL_METRICS: Metric[] = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];

/**
 * Annoy's test_large_index: pairs of points (j, j + 1) much closer to each other than to anything else; each
 * item's 2 nearest are itself, then its twin.
 */
function largeIndexPairs(metric: Metric, make: (rng: Rng, p: number[]) => [number[], number[]]): void {
  const rng = rngOf(`${metric}-large-index`);
  const f = 10;
  const b = new IndexBuilder({ dimensions: f, metric });
  for (let j = 0; j < 10000; j += 2) {
    const [x, y] = make(rng, normal(rng, f));
    b.add(j, x).add(j + 1, y);
  }
  const index = b.build({ trees: 10 });
  for (let j = 0; j < 10000; j += 2) {
    expect(ids(index.searchItem(j, 2)), `searchItem(${j}, 2)`).toEqual([j, j + 1]);
    expect(ids(index.searchItem(j + 1, 2)), `searchItem(${j + 1}, 2)`).toEqual([j + 1, j]);
  }
}

/**
 * Annoy's precision(n): 10 rounds of 10000 points where point j is "j away" from a query point; the k = n nearest
 * must come back in id order, and at least 98% of them must be among ids < n. Annoy builds fresh rounds for each
 * n; here the 10 rounds of a metric are built once and queried for every n (same thresholds).
 */
function precisionSuite(metric: Metric, point: (rng: Rng, j: number) => number[], query: number[], searchK?: number) {
  let rounds: Index[] | undefined;
  const getRounds = () => {
    rounds ??= Array.from({ length: 10 }, (_, r) => {
      const rng = rngOf(`${metric}-precision-${r}`);
      const b = new IndexBuilder({ dimensions: 10, metric });
      for (let j = 0; j < 10000; j++) b.add(j, point(rng, j));
      return b.build({ trees: 10 });
    });
    return rounds;
  };
  for (const n of [1, 10, 100, 1000]) {
    it(`precision(${n}) >= 0.98 and results in order (test_precision_${n})`, () => {
      let found = 0;
      for (const index of getRounds()) {
        const nns = ids(index.search(query, n, searchK === undefined ? undefined : { searchK }));
        expect(nns).toEqual([...nns].sort((a, b) => a - b));
        found += nns.filter((x) => x < n).length;
      }
      expect(found / (n * 10)).toBeGreaterThanOrEqual(0.98);
    });
  }
}

/** Annoy's test_distance_consistency: n = 1000 points in 3-d, 100 sampled items, their 100 nearest. */
function distanceConsistency(metric: Metric, check: (dist: number, u: Float32Array, v: Float32Array) => void,
  sameAsGetDistance: (a: number, b: number) => void): void {
  const rng = rngOf(`${metric}-distance-consistency`);
  const n = 1000, f = 3;
  const index = indexOf(metric, f, Array.from({ length: n }, () => normal(rng, f)));
  for (const a of sample(rng, n, 100)) {
    const r = index.searchItem(a, 100);
    expect(r.ids.length).toBe(100);
    for (let t = 0; t < r.ids.length; t++) {
      const b = r.ids[t], dist = r.distances[t];
      sameAsGetDistance(dist, index.distance(a, b));
      check(dist, index.getItem(a), index.getItem(b));
    }
  }
}

// ---- angular_index_test.py ------------------------------------------------------------------------------------

describe('angular (angular_index_test.py)', () => {
  it('test_get_nns_by_vector: exact orderings on the 3 unit axes', () => {
    const index = indexOf('angular', 3, [[0, 0, 1], [0, 1, 0], [1, 0, 0]]);
    expect(ids(index.search([3, 2, 1], 3))).toEqual([2, 1, 0]);
    expect(ids(index.search([1, 2, 3], 3))).toEqual([0, 1, 2]);
    expect(ids(index.search([2, 0, 1], 3))).toEqual([2, 0, 1]);
  });

  it('test_get_nns_by_item: exact orderings', () => {
    const index = indexOf('angular', 3, [[2, 1, 0], [1, 2, 0], [0, 0, 1]]);
    expect(ids(index.searchItem(0, 3))).toEqual([0, 1, 2]);
    expect(ids(index.searchItem(1, 3))).toEqual([1, 0, 2]);
    // Annoy: "could be either" ...
    expect([[2, 0, 1], [2, 1, 0]]).toContainEqual(ids(index.searchItem(2, 3)));
    // ... and the contract (API.md: ties break by smaller id) picks one: items 0 and 1 are both orthogonal to 2.
    expect(ids(index.searchItem(2, 3))).toEqual([2, 0, 1]);
  });

  it('test_dist: [0,1] vs [1,1] = sqrt(2 - sqrt 2)', () => {
    const index = indexOf('angular', 2, [[0, 1], [1, 1]]);
    approx(index.distance(0, 1), (2 * (1 - 2 ** -0.5)) ** 0.5); // = sqrt(2 - sqrt 2)
  });

  it('test_dist_2: parallel vectors of different length are 0 apart', () => {
    const index = indexOf('angular', 2, [[1000, 0], [10, 0]]);
    approx(index.distance(0, 1), 0);
  });

  it('test_dist_3: [97,0] vs [42,42]', () => {
    const index = indexOf('angular', 2, [[97, 0], [42, 42]]);
    approx(index.distance(0, 1), ((1 - 2 ** -0.5) ** 2 + (2 ** -0.5) ** 2) ** 0.5);
  });

  it('test_dist_degen: a zero vector is sqrt 2 away ([1,0] vs [0,0])', () => {
    const index = indexOf('angular', 2, [[1, 0], [0, 0]]);
    approx(index.distance(0, 1), 2 ** 0.5);
    approx(index.distance(1, 0), 2 ** 0.5);
  });

  it('test_large_index: each item of a near-duplicate pair finds itself, then its twin', () => {
    largeIndexPairs('angular', (rng, p) => {
      const f1 = rng() + 1, f2 = rng() + 1;
      return [p.map((x) => f1 * x + gauss(rng, 1e-2)), p.map((x) => f2 * x + gauss(rng, 1e-2))];
    });
  });

  describe('precision: points at angle atan(j/1000) from (1000, 0, ...), search_k = 100000', () => {
    precisionSuite('angular', (rng, j) => {
      const p = normal(rng, 9);
      const norm = Math.hypot(...p);
      return [1000, ...p.map((x) => (x / norm) * j)];
    }, [1000, 0, 0, 0, 0, 0, 0, 0, 0, 0], 100000);
  });

  it('test_load_save_get_item_vector: item vectors survive build, save and load', async () => {
    const b = new IndexBuilder({ dimensions: 3, metric: 'angular' });
    b.add(0, [1.1, 2.2, 3.3]).add(1, [4.4, 5.5, 6.6]).add(2, [7.7, 8.8, 9.9]);
    const index = b.build({ trees: 10 });
    // numpy.testing.assert_array_almost_equal: decimal = 6
    const almost = (got: Float32Array, want: number[]) => want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThan(1.5e-6));
    almost(index.getItem(0), [1.1, 2.2, 3.3]);
    const path = join(tmp, 'blah.ann');
    await index.save(path);
    almost(index.getItem(1), [4.4, 5.5, 6.6]);
    const j = await Index.open(path);
    almost(j.getItem(2), [7.7, 8.8, 9.9]);
    almost(Index.openSync(path).getItem(0), [1.1, 2.2, 3.3]);
  });

  it('test_get_nns_search_k: explicit search_k = 10', () => {
    const index = indexOf('angular', 3, [[0, 0, 1], [0, 1, 0], [1, 0, 0]]);
    expect(ids(index.searchItem(0, 3, { searchK: 10 }))).toEqual([0, 1, 2]);
    expect(ids(index.search([3, 2, 1], 3, { searchK: 10 }))).toEqual([2, 1, 0]);
  });

  it('test_include_dists (issue 112): v vs -v is 2 apart, v vs v is 0', () => {
    const v = normal(rngOf('angular-include-dists'), 40);
    const index = indexOf('angular', 40, [v, v.map((x) => -x)]);
    const r = index.searchItem(0, 2, { searchK: 10 });
    expect(ids(r)).toEqual([0, 1]);
    approx(r.distances[0], 0);
    approx(r.distances[1], 2);
  });

  it('test_include_dists_check_ranges: 100000 items, every distance in [0, 2], the smallest 0', () => {
    const rng = rngOf('angular-check-ranges');
    const b = new IndexBuilder({ dimensions: 3, metric: 'angular' });
    for (let j = 0; j < 100000; j++) b.add(j, normal(rng, 3));
    const index = b.build({ trees: 10 });
    const r = index.searchItem(0, 100000);
    const d = dists(r);
    expect(Math.max(...d)).toBeLessThanOrEqual(2);
    approx(Math.min(...d), 0);
  });

  it('test_distance_consistency: search distances = get_distance = |u/|u| - v/|v||', () => {
    distanceConsistency('angular', (dist, u, v) => {
      const un = Array.from(u, (x) => x / Math.sqrt(dot64(u, u)));
      const vn = Array.from(v, (x) => x / Math.sqrt(dot64(v, v)));
      const diff = sub(un, vn);
      approx(dist ** 2, dot64(diff, diff), 1e-2);
    }, (a, b) => approx(a, b));
  });

  it('test_only_one_item: one item, saved and loaded, k = 50 finds just it', () => {
    const rng = rngOf('angular-one-item');
    const built = indexOf('angular', 100, [normal(rng, 100)]);
    const index = Index.fromBytes(built.toBytes());
    expect(index.size).toBe(1);
    expect(ids(index.search(normal(rng, 100), 50))).toEqual([0]);
  });

  it('test_no_items: an empty index, saved and loaded, answers []', () => {
    const built = new IndexBuilder({ dimensions: 100, metric: 'angular' }).build({ trees: 10 });
    const index = Index.fromBytes(built.toBytes());
    expect(index.size).toBe(0);
    expect(ids(index.search(normal(rngOf('angular-no-items'), 100), 50))).toEqual([]);
  });

  it('test_single_vector (issue 194): the query equal to the only item is 0 away', () => {
    const index = indexOf('angular', 3, [[1, 0, 0]]);
    const r = index.search([1, 0, 0], 3);
    expect(ids(r)).toEqual([0]);
    approx(r.distances[0] ** 2, 0);
  });
});

// ---- euclidean_index_test.py ----------------------------------------------------------------------------------

describe('euclidean (euclidean_index_test.py)', () => {
  const tri = [[2, 2], [3, 2], [3, 3]];

  it('test_get_nns_by_vector: exact orderings', () => {
    const index = indexOf('euclidean', 2, tri);
    expect(ids(index.search([4, 4], 3))).toEqual([2, 1, 0]);
    expect(ids(index.search([1, 1], 3))).toEqual([0, 1, 2]);
    expect(ids(index.search([4, 2], 3))).toEqual([1, 2, 0]);
  });

  it('test_get_nns_by_item: exact orderings', () => {
    const index = indexOf('euclidean', 2, tri);
    expect(ids(index.searchItem(0, 3))).toEqual([0, 1, 2]);
    expect(ids(index.searchItem(2, 3))).toEqual([2, 1, 0]);
  });

  it('test_dist: [0,1]-[1,1] = 1, [1,1]-[0,0] = sqrt 2', () => {
    const index = indexOf('euclidean', 2, [[0, 1], [1, 1], [0, 0]]);
    near3(index.distance(0, 1), 1.0 ** 0.5);
    near3(index.distance(1, 2), 2.0 ** 0.5);
  });

  it('test_large_index: each item of a near-duplicate pair finds itself, then its twin', () => {
    largeIndexPairs('euclidean', (rng, p) => [p.map((x) => 1 + x + gauss(rng, 1e-2)), p.map((x) => 1 + x + gauss(rng, 1e-2))]);
  });

  describe('precision: point j at distance j from the origin, default search_k', () => {
    precisionSuite('euclidean', (rng, j) => {
      const p = normal(rng, 10);
      const norm = Math.hypot(...p);
      return p.map((x) => (x / norm) * j);
    }, new Array(10).fill(0));
  });

  it('test_get_nns_with_distances', () => {
    const index = indexOf('euclidean', 3, [[0, 0, 2], [0, 1, 1], [1, 0, 0]]);
    let r = index.searchItem(0, 3, { searchK: -1 });
    expect(ids(r)).toEqual([0, 1, 2]);
    [0, 2, 5].forEach((want, t) => near3(r.distances[t] ** 2, want));
    r = index.search([2, 2, 2], 3, { searchK: -1 });
    expect(ids(r)).toEqual([1, 0, 2]);
    [6, 8, 9].forEach((want, t) => near3(r.distances[t] ** 2, want));
  });

  it('test_include_dists: v finds itself at 0, then -v', () => {
    const v = normal(rngOf('euclidean-include-dists'), 40);
    const index = indexOf('euclidean', 40, [v, v.map((x) => -x)]);
    const r = index.searchItem(0, 2, { searchK: 10 });
    expect(ids(r)).toEqual([0, 1]);
    near3(r.distances[0], 0);
    // not in Annoy's test: -v is 2|v| away (float64 from the float32 inputs)
    const v32 = f32(v);
    near3(r.distances[1], 2 * Math.sqrt(dot64(v32, v32)));
  });

  it('test_distance_consistency: search distances = get_distance = |u - v|', () => {
    distanceConsistency('euclidean', (dist, u, v) => {
      const diff = sub(u, v);
      near3(dist, Math.sqrt(dot64(diff, diff)));
    }, near3);
  });

  it('test_rounding_error (issue 314): two distinct close 1-d points are > 0 apart', () => {
    const index = indexOf('euclidean', 1, [[0.712593], [0.7123166]]);
    expect(index.distance(0, 1)).toBeGreaterThan(0);
  });

  it('index_test.test_metric_kwarg (issue 211): [1,0] vs [9,0] = 8', () => {
    const index = indexOf('euclidean', 2, [[1, 0], [9, 0]]);
    approx(index.distance(0, 1), 8);
    expect(index.dimensions).toBe(2);
  });
});

// ---- manhattan_index_test.py ----------------------------------------------------------------------------------

describe('manhattan (manhattan_index_test.py)', () => {
  const tri = [[2, 2], [3, 2], [3, 3]];

  it('test_get_nns_by_vector: exact orderings', () => {
    const index = indexOf('manhattan', 2, tri);
    expect(ids(index.search([4, 4], 3))).toEqual([2, 1, 0]);
    expect(ids(index.search([1, 1], 3))).toEqual([0, 1, 2]);
    expect(ids(index.search([5, 3], 3))).toEqual([2, 1, 0]);
  });

  it('test_get_nns_by_item: exact orderings', () => {
    const index = indexOf('manhattan', 2, tri);
    expect(ids(index.searchItem(0, 3))).toEqual([0, 1, 2]);
    expect(ids(index.searchItem(2, 3))).toEqual([2, 1, 0]);
  });

  it('test_dist: [0,1]-[1,1] = 1, [1,1]-[0,0] = 2', () => {
    const index = indexOf('manhattan', 2, [[0, 1], [1, 1], [0, 0]]);
    near3(index.distance(0, 1), 1);
    near3(index.distance(1, 2), 2);
  });

  it('test_large_index: each item of a near-duplicate pair finds itself, then its twin', () => {
    largeIndexPairs('manhattan', (rng, p) => [p.map((x) => 1 + x + gauss(rng, 1e-2)), p.map((x) => 1 + x + gauss(rng, 1e-2))]);
  });

  describe('precision: point j = j + a unit vector, queried from the origin, default search_k', () => {
    precisionSuite('manhattan', (rng, j) => {
      const p = normal(rng, 10);
      const norm = Math.hypot(...p);
      return p.map((x) => x / norm + j);
    }, new Array(10).fill(0));
  });

  it('test_get_nns_with_distances', () => {
    const index = indexOf('manhattan', 3, [[0, 0, 2], [0, 1, 1], [1, 0, 0]]);
    let r = index.searchItem(0, 3, { searchK: -1 });
    expect(ids(r)).toEqual([0, 1, 2]);
    [0, 2, 3].forEach((want, t) => near3(r.distances[t], want));
    r = index.search([2, 2, 1], 3, { searchK: -1 });
    expect(ids(r)).toEqual([1, 2, 0]);
    [3, 4, 5].forEach((want, t) => near3(r.distances[t], want));
  });

  it('test_include_dists: v finds itself at 0, then -v', () => {
    const v = normal(rngOf('manhattan-include-dists'), 40);
    const index = indexOf('manhattan', 40, [v, v.map((x) => -x)]);
    const r = index.searchItem(0, 2, { searchK: 10 });
    expect(ids(r)).toEqual([0, 1]);
    near3(r.distances[0], 0);
    // not in Annoy's test: -v is 2 * sum|v| away
    near3(r.distances[1], 2 * f32(v).reduce((s, x) => s + Math.abs(x), 0));
  });

  it('test_distance_consistency: search distances = get_distance = sum |u - v|', () => {
    distanceConsistency('manhattan', (dist, u, v) => {
      near3(dist, sub(u, v).reduce((s, x) => s + Math.abs(x), 0));
    }, near3);
  });
});

// ---- dot_index_test.py ----------------------------------------------------------------------------------------

describe('dot (dot_index_test.py)', () => {
  const tri = [[2, 2], [3, 2], [3, 3]];

  it('test_get_nns_by_vector: largest inner product first', () => {
    const index = indexOf('dot', 2, tri);
    expect(ids(index.search([4, 4], 3))).toEqual([2, 1, 0]);
    expect(ids(index.search([1, 1], 3))).toEqual([2, 1, 0]);
    expect(ids(index.search([4, 2], 3))).toEqual([2, 1, 0]);
  });

  it('test_get_nns_by_item: largest inner product first (not the item itself)', () => {
    const index = indexOf('dot', 2, tri);
    expect(ids(index.searchItem(0, 3))).toEqual([2, 1, 0]);
    expect(ids(index.searchItem(2, 3))).toEqual([2, 1, 0]);
  });

  it('test_dist: [0,1].[1,1] = 1, [1,1].[0,0] = 0', () => {
    const index = indexOf('dot', 2, [[0, 1], [1, 1], [0, 0]]);
    approx(index.distance(0, 1), 1);
    approx(index.distance(1, 2), 0);
  });

  describe('recall_at(n): 5 rounds of 1000 random 10-d points, each queried for its n largest inner products', () => {
    const nPoints = 1000, f = 10, nRounds = 5;
    type Round = { data: Float32Array[]; order: number[][]; index10: Index; index4: Index };
    let rounds: Round[] | undefined;
    const getRounds = () => {
      rounds ??= Array.from({ length: nRounds }, (_, r) => {
        const rng = rngOf(`dot-recall-${r}`);
        const data = Array.from({ length: nPoints }, () => Float32Array.from(normal(rng, f)));
        // float64 brute force over the stored (float32) values: every point sorted by descending inner product
        const order = data.map((q) => {
          const score = data.map((x) => dot64(q, x));
          return Array.from({ length: nPoints }, (_, j) => j).sort((a, b) => score[b] - score[a] || a - b);
        });
        return { data, order, index10: indexOf('dot', f, data, 10), index4: indexOf('dot', f, data, 4) };
      });
      return rounds;
    };
    const recallAt = (n: number, trees: 10 | 4) => {
      let total = 0;
      for (const { data, order, index10, index4 } of getRounds()) {
        const index = trees === 10 ? index10 : index4;
        for (let i = 0; i < nPoints; i++) {
          const relevant = new Set(order[i].slice(0, n));
          const got = ids(index.search(data[i], n));
          total += got.filter((j) => relevant.has(j)).length / relevant.size;
        }
      }
      return total / (nRounds * nPoints);
    };
    it('test_recall_at_10 >= 0.65', () => expect(recallAt(10, 10)).toBeGreaterThanOrEqual(0.65));
    it('test_recall_at_100 >= 0.95', () => expect(recallAt(100, 10)).toBeGreaterThanOrEqual(0.95));
    it('test_recall_at_1000 >= 0.99', () => expect(recallAt(1000, 10)).toBeGreaterThanOrEqual(0.99));
    it('test_recall_at_1000_fewer_trees (4 trees) >= 0.99', () => expect(recallAt(1000, 4)).toBeGreaterThanOrEqual(0.99));
  });

  it('test_get_nns_with_distances', () => {
    const index = indexOf('dot', 3, [[0, 0, 2], [0, 1, 1], [1, 0, 0]]);
    let r = index.searchItem(0, 3, { searchK: -1 });
    expect(ids(r)).toEqual([0, 1, 2]);
    [4, 2, 0].forEach((want, t) => approx(r.distances[t], want));
    r = index.search([2, 2, 2], 3, { searchK: -1 });
    expect(ids(r)).toEqual([0, 1, 2]);
    [4, 4, 2].forEach((want, t) => approx(r.distances[t], want));
  });

  it('test_include_dists: v first with v.v, then -v', () => {
    const v = normal(rngOf('dot-include-dists'), 40);
    const index = indexOf('dot', 40, [v, v.map((x) => -x)]);
    const r = index.searchItem(0, 2, { searchK: 10 });
    expect(ids(r)).toEqual([0, 1]);
    const v32 = f32(v);
    approx(r.distances[0], dot64(v32, v32));
    // not in Annoy's test: v.(-v) = -v.v
    approx(r.distances[1], -dot64(v32, v32));
  });

  it('test_distance_consistency: search distances = get_distance = u.v', () => {
    distanceConsistency('dot', (dist, u, v) => approx(dist, dot64(u, v)), (a, b) => approx(a, b));
  });
});

// ---- hamming_index_test.py ------------------------------------------------------------------------------------

describe('hamming (hamming_index_test.py)', () => {
  it('test_basic_conversion: 0/1 vectors round-trip; distances count differing bits', () => {
    const rng = rngOf('hamming-basic-conversion');
    const f = 100, u = bits(rng, f), v = bits(rng, f);
    const index = indexOf('hamming', f, [u, v]);
    expect(Array.from(index.getItem(0))).toEqual(u);
    expect(Array.from(index.getItem(1))).toEqual(v);
    const diff = sub(u, v);
    approx(index.distance(0, 0), 0);
    approx(index.distance(1, 1), 0);
    approx(index.distance(0, 1), dot64(diff, diff));
    approx(index.distance(1, 0), dot64(diff, diff));
  });

  it('test_basic_nns: k = 99 on two items; with distances', () => {
    const rng = rngOf('hamming-basic-nns');
    const f = 100, u = bits(rng, f), v = bits(rng, f);
    const index = indexOf('hamming', f, [u, v]);
    expect(ids(index.searchItem(0, 99))).toEqual([0, 1]);
    expect(ids(index.searchItem(1, 99))).toEqual([1, 0]);
    const r = index.searchItem(0, 99);
    const diff = sub(u, v);
    approx(r.distances[0], 0);
    approx(r.distances[1], dot64(diff, diff));
  });

  it('test_save_load: the same answers after a save and load', async () => {
    const rng = rngOf('hamming-save-load');
    const f = 100, u = bits(rng, f), v = bits(rng, f);
    const path = join(tmp, 'hamming.ann');
    await indexOf('hamming', f, [u, v]).save(path);
    const index = await Index.open(path);
    const r = index.searchItem(0, 99);
    expect(ids(r)).toEqual([0, 1]);
    const diff = sub(u, v);
    approx(r.distances[0], 0);
    approx(r.distances[1], dot64(diff, diff));
  });

  it('test_many_vectors: 100000 10-bit items; distances within [0, f]; mean distance of a 1-NN <= 0.42', () => {
    const rng = rngOf('hamming-many-vectors');
    const f = 10;
    const b = new IndexBuilder({ dimensions: f, metric: 'hamming' });
    for (let x = 0; x < 100000; x++) b.add(x, bits(rng, f));
    const index = b.build({ trees: 10 });
    const d = dists(index.search(new Array(f).fill(0), 10000));
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...d)).toBeLessThanOrEqual(f);
    let sum = 0;
    for (let x = 0; x < 1000; x++) sum += index.search(bits(rng, f), 1, { searchK: 1000 }).distances[0];
    expect(sum / 1000).toBeLessThanOrEqual(0.42);
  });

  it('test_zero_vectors (skipped upstream as "will fix later"): item 0 -> [0, 1, 1, 22]', () => {
    const strings = [
      '0000000000011000001110000011111000101110111110000100000100000000',
      '0000000000011000001110000011111000101110111110000100000100000001',
      '0000000000011000001110000011111000101110111110000100000100000010',
      '0010010100011001001000010001100101011110000000110000011110001100',
      '1001011010000110100101101001111010001110100001101000111000001110',
      '0111100101111001011110010010001100010111000111100001101100011111',
      '0011000010011101000011010010111000101110100101111000011101001011',
      '0011000010011100000011010010111000101110100101111000011101001011',
      '1001100000111010001010000010110000111100100101001001010000000111',
      '0000000000111101010100010001000101101001000000011000001101000000',
      '1000101001010001011100010111001100110011001100110011001111001100',
      '1110011001001111100110010001100100001011000011010010111100100111',
    ];
    const vectors = strings.map((s) => Array.from(s, Number));
    const index = Index.fromBytes(indexOf('hamming', 64, vectors).toBytes());
    const r = index.searchItem(0, 5);
    expect(r.ids[0]).toBe(0);
    expect(dists(r).slice(0, 4)).toEqual([0, 1, 1, 22]);
  });

  // Annoy's Python suite has no 3-item hamming example (RcppAnnoy's uses non-binary input, which this API
  // rejects). The same shape with 0/1 vectors; expected orders worked out by hand in the comments.
  describe('3-item examples (ours, in the shape of the other metrics\' tests)', () => {
    const tri = [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]];
    it('get_nns_by_vector: exact orderings', () => {
      const index = indexOf('hamming', 4, tri);
      expect(ids(index.search([1, 1, 1, 1], 3))).toEqual([2, 1, 0]); // 2, 1, 0 bits apart
      expect(ids(index.search([0, 0, 0, 0], 3))).toEqual([0, 1, 2]); // 2, 3, 4
      expect(ids(index.search([0, 0, 1, 1], 3))).toEqual([2, 1, 0]); // 4, 3, 2
      const r = index.search([1, 1, 1, 0], 3); // 1, 0, 1: the tie 0/2 breaks by smaller id
      expect(ids(r)).toEqual([1, 0, 2]);
      expect(dists(r)).toEqual([0, 1, 1]);
    });
    it('get_nns_by_item: exact orderings with distances', () => {
      const index = indexOf('hamming', 4, tri);
      let r = index.searchItem(0, 3);
      expect(ids(r)).toEqual([0, 1, 2]);
      expect(dists(r)).toEqual([0, 1, 2]);
      r = index.searchItem(2, 3);
      expect(ids(r)).toEqual([2, 1, 0]);
      expect(dists(r)).toEqual([0, 1, 2]);
    });
    it('dist: [0,1]-[1,1] = 1, [1,1]-[0,0] = 2; v vs its complement = f', () => {
      const index = indexOf('hamming', 2, [[0, 1], [1, 1], [0, 0]]);
      expect(index.distance(0, 1)).toBe(1);
      expect(index.distance(1, 2)).toBe(2);
      const v = bits(rngOf('hamming-complement'), 40);
      const r = indexOf('hamming', 40, [v, v.map((x) => 1 - x)]).searchItem(0, 2, { searchK: 10 });
      expect(ids(r)).toEqual([0, 1]);
      expect(dists(r)).toEqual([0, 40]);
    });
  });
});

// ---- holes_test.py (issue 223), for every metric ---------------------------------------------------------------

describe.each(ALL_METRICS)('holes (holes_test.py): %s', (metric) => {
  it('test_holes: a lone item 1000 is the only answer; size = max id + 1', () => {
    const rng = rngOf(`${metric}-holes`);
    const f = 10;
    const b = new IndexBuilder({ dimensions: f, metric });
    b.add(1000, randomFor(metric, rng, f));
    expect(b.size).toBe(1001);
    const index = b.build({ trees: 10 });
    expect(index.size).toBe(1001);
    expect(ids(index.search(randomFor(metric, rng, f), 100))).toEqual([1000]);
    // the contract: holes are not items
    expectCode(() => index.searchItem(999, 1), 'INVALID_ID');
    expectCode(() => index.getItem(0), 'INVALID_ID');
    expectCode(() => index.distance(1000, 5), 'INVALID_ID');
  });

  it('test_holes_more: ids floor(i / sqrt 2) leave holes that are never returned', () => {
    const rng = rngOf(`${metric}-holes-more`);
    const f = 10;
    const b = new IndexBuilder({ dimensions: f, metric });
    const valid = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const id = Math.floor(i * 2 ** -0.5);
      valid.add(id);
      b.add(id, randomFor(metric, rng, f));
    }
    const index = b.build({ trees: 10 });
    expect(index.size).toBe(Math.max(...valid) + 1);
    for (const i of valid) {
      const js = ids(index.searchItem(i, 10000));
      expect(js.filter((j) => !valid.has(j)), `holes returned by searchItem(${i}, 10000)`).toEqual([]);
      // the contract: fewer than k hits only when the index holds fewer than k items
      expect(new Set(js).size).toBe(valid.size);
    }
    for (let i = 0; i < 1000; i++) {
      const js = ids(index.search(randomFor(metric, rng, f), 10000));
      expect(js.filter((j) => !valid.has(j)), 'holes returned by search(random, 10000)').toEqual([]);
      expect(new Set(js).size).toBe(valid.size);
    }
  });
});

// ---- one-item and empty indexes, for every metric (angular's test_only_one_item / test_no_items) --------------

describe.each(ALL_METRICS)('one item and no items: %s', (metric) => {
  it('one item: size 1, k = 50 returns just it (after a save and load too)', () => {
    const rng = rngOf(`${metric}-one-item`);
    const built = indexOf(metric, 100, [randomFor(metric, rng, 100)]);
    for (const index of [built, Index.fromBytes(built.toBytes())]) {
      expect(index.size).toBe(1);
      expect(ids(index.search(randomFor(metric, rng, 100), 50))).toEqual([0]);
      expect(ids(index.searchItem(0, 50))).toEqual([0]);
    }
  });

  it('no items: size 0, every search is empty (after a save and load too)', () => {
    const built = new IndexBuilder({ dimensions: 100, metric }).build({ trees: 10 });
    for (const index of [built, Index.fromBytes(built.toBytes())]) {
      expect(index.size).toBe(0);
      const r = index.search(randomFor(metric, rngOf(`${metric}-no-items`), 100), 50);
      expect(ids(r)).toEqual([]);
      expect(dists(r)).toEqual([]);
      expectCode(() => index.searchItem(0, 1), 'INVALID_ID');
    }
  });
});

// ---- get_nns_by_item returns the item itself first ------------------------------------------------------------

describe.each(['angular', 'euclidean', 'manhattan', 'hamming'] as Metric[])('searchItem puts the item itself first: %s', (metric) => {
  it('every item of 1000 random ones is its own nearest, at distance 0 (k = 1 and k = 10, default search_k)', () => {
    const rng = rngOf(`${metric}-self-first`);
    const f = metric === 'hamming' ? 64 : 10;
    const index = indexOf(metric, f, Array.from({ length: 1000 }, () => randomFor(metric, rng, f)));
    for (let i = 0; i < 1000; i++) {
      for (const k of [1, 10]) {
        const r = index.searchItem(i, k);
        expect(r.ids[0], `searchItem(${i}, ${k})`).toBe(i);
        approx(r.distances[0], 0);
      }
    }
  });
});

// ---- seed_test.py ---------------------------------------------------------------------------------------------

describe('seeds (seed_test.py)', () => {
  it('test_seeding: two angular builds with seed 42 answer 50 queries (k = 100) identically', () => {
    const rng = rngOf('seeding');
    const f = 10;
    const X = Array.from({ length: 1000 }, () => Array.from({ length: f }, () => rng()));
    const Y = Array.from({ length: 50 }, () => Array.from({ length: f }, () => rng()));
    const [a, b] = [0, 1].map(() => indexOf('angular', f, X, 10, 42));
    for (const y of Y) expect(ids(a.search(y, 100))).toEqual(ids(b.search(y, 100)));
  });

  describe.each(ALL_METRICS)('%s', (metric) => {
    const rng = rngOf(`${metric}-seed-bytes`);
    const f = 16;
    const X = Array.from({ length: 2000 }, () => randomFor(metric, rng, f));
    const Y = Array.from({ length: 50 }, () => randomFor(metric, rng, f));

    it('same seed -> byte-identical toBytes(); no seed is seed 0 and is deterministic too', () => {
      expect(sameBytes(indexOf(metric, f, X, 10, 7).toBytes(), indexOf(metric, f, X, 10, 7).toBytes())).toBe(true);
      expect(sameBytes(indexOf(metric, f, X, 10).toBytes(), indexOf(metric, f, X, 10).toBytes())).toBe(true);
      expect(indexOf(metric, f, X, 10).seed).toBe(0);
    });

    it('different seed -> different bytes and a different forest', () => {
      const a = indexOf(metric, f, X, 10, 7), b = indexOf(metric, f, X, 10, 8);
      expect(sameBytes(a.toBytes(), b.toBytes())).toBe(false);
      // a different forest, not just a different seed field: with a small search_k the candidates (hence
      // the answers) differ for some query
      const differ = Y.some((y) => {
        const ra = a.search(y, 10, { searchK: 10 }), rb = b.search(y, 10, { searchK: 10 });
        return ids(ra).join() !== ids(rb).join();
      });
      expect(differ).toBe(true);
    });
  });
});

// ---- index_test.py, multithreaded_build_test.py, types_test.py -------------------------------------------------

describe('index (index_test.py and friends)', () => {
  const randomIndex = (n: number, f: number, trees = 10, metric: Metric = 'angular') => {
    const rng = rngOf(`index-${n}-${f}-${trees}-${metric}`);
    return indexOf(metric, f, Array.from({ length: n }, () => normal(rng, f)), trees);
  };

  it('test_get_n_trees: build(10) -> 10 trees', () => {
    expect(randomIndex(1000, 10).trees).toBe(10);
  });

  it('multithreaded_build_test: 10000 items, 31 trees -> get_n_trees() == 31', () => {
    expect(randomIndex(10000, 10, 31, 'euclidean').trees).toBe(31);
  });

  it('test_unknown_distance: metric "banana" is rejected', () => {
    expectCode(() => new IndexBuilder({ dimensions: 10, metric: 'banana' as Metric }), 'INVALID_ARGUMENT');
  });

  it('test_item_vector_after_save (issue 279): ids 1..3, build(-1), size 4, before and after a save', async () => {
    const b = new IndexBuilder({ dimensions: 3, metric: 'angular' });
    b.add(1, [1, 0, 0]).add(2, [0, 1, 0]).add(3, [0, 0, 1]);
    const index = b.build({ trees: -1 });
    const path = join(tmp, 'something.annoy');
    for (const step of [0, 1]) {
      if (step === 1) await index.save(path);
      expect(index.size).toBe(4);
      expect(Array.from(index.getItem(3))).toEqual([0, 0, 1]);
      expect(new Set(ids(index.searchItem(1, 999)))).toEqual(new Set([1, 2, 3]));
    }
    const loaded = await Index.open(path);
    expect(loaded.size).toBe(4);
    expect(new Set(ids(loaded.searchItem(1, 999)))).toEqual(new Set([1, 2, 3]));
  });

  it('test_save_twice (issue 100) and test_load_save (issue 61): item 99 is the same everywhere', async () => {
    const index = randomIndex(100, 10);
    const u = Array.from(index.getItem(99));
    await index.save(join(tmp, 't1.ann'));
    index.saveSync(join(tmp, 't2.ann'));
    expect(Array.from(index.getItem(99))).toEqual(u);
    for (const p of ['t1.ann', 't2.ann']) {
      const j = await Index.open(join(tmp, p));
      expect(Array.from(j.getItem(99))).toEqual(u);
      expect(sameBytes(j.toBytes(), index.toBytes())).toBe(true);
    }
  });

  it('test_add_after_save (issue 398) and test_build_twice (issue 420): a built builder refuses both', () => {
    const rng = rngOf('build-twice');
    const b = new IndexBuilder({ dimensions: 100, metric: 'angular' });
    for (let i = 0; i < 1000; i++) b.add(i, normal(rng, 100));
    b.build({ trees: 10 });
    expectCode(() => b.add(999, normal(rng, 100)), 'INVALID_STATE');
    expectCode(() => b.build({ trees: 10 }), 'INVALID_STATE');
  });

  it('types_test.test_range_errors: distance, get_nns_by_item, get_item_vector on bad ids', () => {
    const n = 1000;
    const index = randomIndex(n, 10, 10, 'euclidean');
    for (const bad of [-1000, -1, n, n + 1000]) {
      expectCode(() => index.distance(0, bad), 'INVALID_ID');
      expectCode(() => index.searchItem(bad, 1), 'INVALID_ID');
      expectCode(() => index.getItem(bad), 'INVALID_ID');
    }
  });

  it('types_test.test_wrong_length: a vector of f + 1000 or 0 values is rejected, the index still builds', () => {
    const rng = rngOf('wrong-length');
    const f = 10;
    const b = new IndexBuilder({ dimensions: f, metric: 'euclidean' });
    b.add(0, normal(rng, f));
    expectCode(() => b.add(1, normal(rng, f + 1000)), 'DIMENSION_MISMATCH');
    expectCode(() => b.add(2, []), 'DIMENSION_MISMATCH');
    const index = b.build({ trees: 10 });
    expect(index.size).toBe(1);
  });

  it('types_test.test_numpy: typed arrays of other element types are accepted', () => {
    const rng = rngOf('numpy-types');
    const f = 10;
    const b = new IndexBuilder({ dimensions: f, metric: 'euclidean' });
    const kinds = [Float64Array, Float32Array, Uint8Array, Int16Array] as const;
    for (let j = 0; j < 1000; j++) {
      const Kind = kinds[Math.floor(rng() * kinds.length)];
      const floats = Kind === Float64Array || Kind === Float32Array;
      b.add(j, new Kind(normal(rng, f).map((x) => (floats ? x : Math.trunc(x)))));
    }
    expect(b.build({ trees: 10 }).size).toBe(1000);
  });

  it('types_test.test_non_float / test_missing_len: non-numbers and non-sequences are rejected', () => {
    const b = new IndexBuilder({ dimensions: 3, metric: 'euclidean' });
    expectCode(() => b.add(1, ['1', '2', '3'] as unknown as number[]), 'INVALID_ARGUMENT');
    expectCode(() => b.add(1, {} as unknown as number[]), 'INVALID_ARGUMENT');
  });
});
