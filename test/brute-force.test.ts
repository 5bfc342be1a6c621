// Property tests against exact brute force, for every metric at dimensions 1, 2, 3, 17, 64, 100, 784, 1000.
// With searchK >= size * trees every tree is searched to the bottom, so the re-ranked answer must be the exact
// top k. The reference is computed here in float64 over the stored values (the inputs rounded to float32),
// never by the library:
//   (a) ids equal the brute-force top k; a different id is allowed at a position only where its exact distance
//       ties the expected one within 1e-5 (relative, for distances above 1); returned distances equal the
//       brute-force distances at each position within the float32 error measured for each metric (see ERROR);
//       hamming distances are exact integers, so there the contract's tie rule (smaller id first) must hold
//       exactly and the ids must equal brute force outright;
//   (b) every returned distance equals its brute-force recomputation (same tolerance), and for item queries
//       index.distance(item, id) (pytest.approx, as Annoy's test_distance_consistency: relative 1e-6);
//   (c) results are sorted in the metric's order (dot: descending), equal returned distances by ascending id.
// Items are added with holes (every sixth id is skipped) and one zero vector; one query is the zero vector.
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Index, IndexBuilder, type Metric, type SearchResult } from '../src/index.js';

const METRICS: Metric[] = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];
const DIMENSIONS = [1, 2, 3, 17, 64, 100, 784, 1000];
const TREES = 4;
const itemsFor = (d: number) => (d >= 784 ? 200 : d >= 64 ? 300 : 400);

type Rng = () => number;
function gauss(rng: Rng): number {
  let u = rng();
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
/** A random vector as the index stores it: float32 values, or 0/1 for hamming. */
function randomVector(metric: Metric, rng: Rng, d: number): Float32Array {
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) v[i] = metric === 'hamming' ? (rng() < 0.5 ? 0 : 1) : gauss(rng);
  return v;
}

/** The exact distance in float64, as API.md defines it. */
function exact(metric: Metric, a: Float32Array, b: Float32Array): number {
  let s = 0;
  switch (metric) {
    case 'angular': {
      let pp = 0, qq = 0;
      for (let i = 0; i < a.length; i++) { s += a[i] * b[i]; pp += a[i] * a[i]; qq += b[i] * b[i]; }
      if (!(pp > 0 && qq > 0)) return Math.SQRT2; // a zero vector is sqrt 2 from everything
      return Math.sqrt(Math.max(0, 2 - (2 * s) / Math.sqrt(pp * qq)));
    }
    case 'euclidean':
      for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
      return Math.sqrt(s);
    case 'manhattan':
      for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
      return s;
    case 'dot':
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return s;
    case 'hamming':
      for (let i = 0; i < a.length; i++) s += a[i] !== b[i] ? 1 : 0;
      return s;
  }
}
/** Negative when distance x ranks before y. */
const rank = (metric: Metric, x: number, y: number) => (metric === 'dot' ? y - x : x - y);

// How far a float32 distance may be from the float64 one: the largest differences measured over this file's cases
// (2026-12-02), rounded up to a power of two, so arithmetic that loses precision fails here. Angular is compared
// squared: the distance is float32 sqrt(2 - 2 cos), as in Annoy, and near 0 the root magnifies the rounding of cos
// (measured 4.7e-4 on the distance, 4.9e-7 on its square). Relative errors are taken against max(1, |distance|).
const ERROR: Record<Metric, number> = { angular: 2 ** -20, euclidean: 2 ** -22, manhattan: 2 ** -22, dot: 2 ** -16, hamming: 0 };
const closeEnough = (got: number, want: number, metric: Metric) => (metric === 'angular'
  ? Math.abs(got * got - want * want) <= ERROR.angular
  : Math.abs(got - want) <= ERROR[metric] * Math.max(1, Math.abs(want)));
const ties = (x: number, y: number) => Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(x), Math.abs(y));

interface Fixture {
  index: Index;
  items: Map<number, Float32Array>;
}

function fixture(metric: Metric, d: number): Fixture {
  const rng = seedrandom(`brute-force:${metric}:${d}`);
  const n = itemsFor(d);
  const items = new Map<number, Float32Array>();
  const b = new IndexBuilder({ dimensions: d, metric, seed: 12345 });
  for (let i = 0; i < n; i++) {
    const id = i + Math.floor(i / 5); // ids 5, 11, 17, ... are holes
    const v = i === 7 ? new Float32Array(d) : randomVector(metric, rng, d); // one zero vector
    items.set(id, v);
    b.add(id, v);
  }
  return { index: b.build({ trees: TREES }), items };
}

/** Checks one answer against brute force; `self` is the queried item for searchItem. */
function check(metric: Metric, { index, items }: Fixture, query: Float32Array, k: number, got: SearchResult, self?: number): void {
  const ranked = [...items].map(([id, v]) => ({ id, d: exact(metric, query, v) }))
    .sort((x, y) => rank(metric, x.d, y.d) || x.id - y.id);
  const want = ranked.slice(0, k);
  const exactOf = new Map(ranked.map((e) => [e.id, e.d]));
  const where = `${metric} d=${query.length} k=${k}${self === undefined ? '' : ` item ${self}`}`;

  expect(got.ids.length, `${where}: number of hits`).toBe(Math.min(k, items.size));
  expect(got.distances.length).toBe(got.ids.length);
  expect(new Set(got.ids).size, `${where}: duplicate ids`).toBe(got.ids.length);

  for (let t = 0; t < got.ids.length; t++) {
    const id = got.ids[t], dist = got.distances[t];
    const at = `${where} position ${t}`;
    const trueD = exactOf.get(id);
    expect(trueD, `${at}: id ${id} is not an item`).not.toBeUndefined();
    // (a) the exact top k, up to ties
    if (id !== want[t].id) {
      expect(ties(trueD!, want[t].d), `${at}: got id ${id} (exact ${trueD}), expected id ${want[t].id} (exact ${want[t].d})`).toBe(true);
    }
    expect(closeEnough(dist, want[t].d, metric), `${at}: distance ${dist}, brute force ${want[t].d}`).toBe(true);
    // (b) the distance reported is the item's own distance
    expect(closeEnough(dist, trueD!, metric), `${at}: distance ${dist} for id ${id}, recomputed ${trueD}`).toBe(true);
    // as Annoy's test_distance_consistency: search distance == pytest.approx(get_distance) (rel 1e-6)
    if (self !== undefined) {
      const direct = index.distance(self, id);
      expect(Math.abs(dist - direct) <= Math.max(1e-6 * Math.abs(direct), 1e-12), `${at}: distance ${dist}, index.distance(${self}, ${id}) = ${direct}`).toBe(true);
    }
    // (c) sorted in the metric's order, ties by ascending id
    if (t > 0) {
      const prev = got.distances[t - 1];
      expect(rank(metric, prev, dist) <= 0, `${at}: ${prev} then ${dist} is out of order`).toBe(true);
      if (prev === dist) expect(got.ids[t - 1] < id, `${at}: equal distances ${dist}, ids ${got.ids[t - 1]} then ${id}`).toBe(true);
    }
  }
  if (metric === 'hamming') {
    expect(Array.from(got.ids), `${where}: hamming ids (exact integer distances, ties by smaller id)`).toEqual(want.map((e) => e.id));
    expect(Array.from(got.distances), `${where}: hamming distances`).toEqual(want.map((e) => e.d));
  }
}

describe.each(METRICS)('%s against brute force', (metric) => {
  it.each(DIMENSIONS)('dimensions %i', (d) => {
    const fx = fixture(metric, d);
    const { index, items } = fx;
    expect(index.size).toBe(Math.max(...items.keys()) + 1);
    const searchK = index.size * index.trees; // >= every candidate of every tree
    const rng = seedrandom(`brute-force-queries:${metric}:${d}`);

    const queries = Array.from({ length: 8 }, () => randomVector(metric, rng, d));
    queries.push(new Float32Array(d)); // the zero vector (angular: sqrt 2 from everything; dot: 0 to everything)
    for (const q of queries) {
      for (const k of [1, 10]) check(metric, fx, q, k, index.search(q, k, { searchK }));
    }
    // one full ranking of every item
    check(metric, fx, queries[0], items.size, index.search(queries[0], items.size, { searchK }));
    check(metric, fx, queries[0], items.size + 5, index.search(queries[0], items.size + 5, { searchK }));

    // item queries, including the zero vector (id 8) and the largest id
    const ids = [...items.keys()];
    const picks = [8, ids[ids.length - 1], ...Array.from({ length: 4 }, () => ids[Math.floor(rng() * ids.length)])];
    for (const id of picks) {
      for (const k of [1, 10]) check(metric, fx, items.get(id)!, k, index.searchItem(id, k, { searchK }), id);
    }
    check(metric, fx, items.get(picks[1])!, items.size, index.searchItem(picks[1], items.size, { searchK }), picks[1]);

    // getItem returns the stored vector
    for (const id of picks) expect(Array.from(index.getItem(id))).toEqual(Array.from(items.get(id)!));
  });
});
