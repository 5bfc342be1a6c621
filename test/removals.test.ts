// Removed items (Index.remove, IndexPool.remove): hidden from every later result and refused as ids, on every
// metric against exact brute force over the items left; kept through toBytes/save and a load (a checked file
// section), refused by toAnnoyBytes; combined with filters; damaged removed sections refused by the loader.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { AnnoyError, Index, IndexBuilder, IndexPool, type Metric } from '../src/index.js';
import { H, PARAM_REMOVED_COUNT, SECTION } from '../src/format/layout.js';
import { bruteForce, exactDistance, reseal } from './helpers.js';

const METRICS: Metric[] = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];
const N = 400, TREES = 4, ALL = N * TREES * 2;
const hole = (i: number) => i % 9 === 5;

function dataset(metric: Metric, seed: string) {
  const d = metric === 'hamming' ? 64 : 13;
  const rng = seedrandom(seed);
  const flat = new Float32Array(N * d);
  for (let i = 0; i < flat.length; i++) flat[i] = metric === 'hamming' ? (rng() < 0.5 ? 0 : 1) : rng() * 2 - 1;
  const b = new IndexBuilder({ dimensions: d, metric, seed: 5 });
  for (let i = 0; i < N; i++) if (!hole(i)) b.add(i, flat.subarray(i * d, (i + 1) * d));
  return { d, flat, index: b.build({ trees: TREES }), rng };
}
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as AnnoyError).code; } return 'none'; };

/** The exact top k over the ids kept. */
function exactTop(metric: Metric, flat: Float32Array, d: number, q: ArrayLike<number>, k: number, keep: (id: number) => boolean) {
  const ids = Array.from({ length: N }, (_, i) => i).filter((i) => !hole(i) && keep(i));
  const sub = new Float32Array(ids.length * d);
  ids.forEach((id, r) => sub.set(flat.subarray(id * d, (id + 1) * d), r * d));
  return bruteForce(metric, sub, d, q, k).map((r) => ids[r]);
}
function expectTop(metric: Metric, flat: Float32Array, d: number, q: ArrayLike<number>, got: Uint32Array, want: number[]) {
  expect(got.length).toBe(want.length);
  want.forEach((id, i) => {
    if (got[i] !== id) {
      const a = exactDistance(metric, flat.subarray(id * d, (id + 1) * d), q), b = exactDistance(metric, flat.subarray(got[i] * d, (got[i] + 1) * d), q);
      expect(Math.abs(a - b)).toBeLessThan(1e-5);
    }
  });
}

describe.each(METRICS)('removed items, %s', (metric) => {
  it('are never returned, refused as ids, kept through save and load', () => {
    const { d, flat, index, rng } = dataset(metric, `removals-${metric}`);
    const before = index.toBytes();
    const removed = Array.from({ length: N }, (_, i) => i).filter((i) => !hole(i) && rng() < 0.25);
    const gone = new Set(removed);
    const checksum = index.checksum;
    expect(index.remove(removed)).toBe(removed.length);
    expect(index.remove(removed.slice(0, 3))).toBe(0); // twice: harmless
    const holes = Array.from({ length: N }, (_, i) => i).filter(hole).length;
    expect(index.count).toBe(N - holes - removed.length);
    expect(index.removedCount).toBe(removed.length);
    expect(index.checksum).not.toBe(checksum);
    for (const id of removed.slice(0, 5)) {
      expect(code(() => index.getItem(id))).toBe('INVALID_ID');
      expect(code(() => index.searchItem(id, 3))).toBe('INVALID_ID');
      expect(code(() => index.distance(id, 0))).toBe('INVALID_ID');
    }
    const bytes = index.toBytes();
    expect(bytes.length).toBeGreaterThan(before.length);
    const loaded = Index.fromBytes(bytes);
    expect([loaded.count, loaded.removedCount, loaded.checksum]).toEqual([index.count, index.removedCount, index.checksum]);
    const queries = Array.from({ length: 6 }, (_, q) => flat.subarray(q * 7 * d, (q * 7 + 1) * d));
    for (const q of queries) {
      const want = exactTop(metric, flat, d, q, 10, (i) => !gone.has(i));
      expectTop(metric, flat, d, q, index.search(q, 10, { searchK: ALL }).ids, want);
      expectTop(metric, flat, d, q, loaded.search(q, 10, { searchK: ALL }).ids, want);
      // a small searchK: still none removed, and searchK counts only items left
      const small = index.search(q, 10, { searchK: 30 }).ids;
      expect(small.length).toBe(10);
      for (const id of small) expect(gone.has(id)).toBe(false);
    }
    const batch = loaded.searchBatch(Float32Array.from(queries.flatMap((q) => [...q])), 10, { searchK: ALL });
    queries.forEach((q, r) => expectTop(metric, flat, d, q, batch.row(r).ids, exactTop(metric, flat, d, q, 10, (i) => !gone.has(i))));
    // with a filter too: allowed and not removed
    const allowIds = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 0);
    const filter = loaded.createFilter({ allow: allowIds });
    for (const q of queries) {
      expectTop(metric, flat, d, q, loaded.search(q, 5, { filter, searchK: ALL }).ids, exactTop(metric, flat, d, q, 5, (i) => i % 3 === 0 && !gone.has(i)));
    }
    expect(code(() => index.toAnnoyBytes())).toBe('INVALID_STATE');
  });
});

describe('remove', () => {
  it('refuses holes and ids out of range, removing nothing; an index without removals keeps its bytes', () => {
    const { index } = dataset('euclidean', 'refuse');
    const bytes = index.toBytes();
    expect(code(() => index.remove([1, 5]))).toBe('INVALID_ID'); // 5 is a hole
    expect(code(() => index.remove([1, N]))).toBe('INVALID_ID');
    expect(code(() => index.remove([-1]))).toBe('INVALID_ID');
    expect(() => index.remove([1, N])).toThrow(/400/);
    expect(index.removedCount).toBe(0);
    expect(index.toBytes()).toEqual(bytes);
    expect(index.remove([])).toBe(0);
    expect(index.toBytes()).toEqual(bytes);
  });

  it('a version-1 file with removals saves as version 2 and loads with them', () => {
    const v1 = new Uint8Array(readFileSync(new URL('./fixtures/v1/euclidean-none.annoy', import.meta.url)));
    const index = Index.fromBytes(v1);
    const victim = index.search(index.getItem(0), 3).ids[1];
    index.remove([victim]);
    const again = Index.fromBytes(index.toBytes());
    expect(new DataView(again.toBytes().buffer).getUint32(H.VERSION, true)).toBe(2);
    expect(again.removedCount).toBe(1);
    expect([...again.search(again.getItem(0), again.count, { searchK: 100000 }).ids]).not.toContain(victim);
    expect(again.count).toBe(index.count);
  });

  it('the loader refuses a removed section that marks a hole or miscounts (CORRUPT_INDEX)', () => {
    const { index } = dataset('angular', 'damage');
    index.remove([1, 2, 3]);
    const good = index.toBytes();
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset);
    const at = Number(dv(good).getBigUint64(H.SECTIONS + 16 * SECTION.REMOVED, true));
    expect(Index.fromBytes(good).removedCount).toBe(3);
    const hole5 = good.slice(); hole5[at] |= 1 << 5; // id 5 is a hole
    expect(() => Index.fromBytes(reseal(hole5))).toThrow(/removed-items section/);
    const miscount = good.slice(); dv(miscount).setUint32(H.SECTION_PARAMS + 4 * PARAM_REMOVED_COUNT, 4, true);
    expect(code(() => Index.fromBytes(reseal(miscount)))).toBe('CORRUPT_INDEX');
    const noCount = good.slice(); dv(noCount).setUint32(H.SECTION_PARAMS + 4 * PARAM_REMOVED_COUNT, 0, true);
    expect(code(() => Index.fromBytes(reseal(noCount)))).toBe('CORRUPT_INDEX'); // a section where none belongs
  });

  it('IndexPool.remove hides ids from later requests of every worker', async () => {
    const { d, flat, index } = dataset('euclidean', 'pool');
    const pool = await IndexPool.open(index.toBytes(), { workers: 2 });
    try {
      const q = flat.subarray(0, d);
      const first = await pool.search(q, 10, { searchK: ALL });
      expect(await pool.remove([first.ids[0], first.ids[1]])).toBe(2);
      expect(pool.count).toBe(index.count - 2);
      index.remove([first.ids[0], first.ids[1]]);
      for (let i = 0; i < 4; i++) expect(await pool.search(q, 10, { searchK: ALL })).toEqual(index.search(q, 10, { searchK: ALL }));
      const batch = await pool.searchBatch(Float32Array.from([...q, ...q, ...q]), 5, { searchK: ALL });
      for (let r = 0; r < 3; r++) expect([...batch.row(r).ids]).toEqual([...index.search(q, 5, { searchK: ALL }).ids]);
      await expect(pool.searchItem(first.ids[0], 3)).rejects.toMatchObject({ code: 'INVALID_ID' });
      await expect(pool.remove([N + 5])).rejects.toMatchObject({ code: 'INVALID_ID' });
    } finally {
      await pool.close();
    }
  });
});
