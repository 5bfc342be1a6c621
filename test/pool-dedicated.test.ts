// IndexPool's 'dedicated' mode (what a page without cross-origin isolation gets): one worker searching its own
// copy of the plain build's memory. Node can run it too, so its answers and its restarts are checked here.
import { describe, expect, it, vi } from 'vitest';
import { Index, IndexBuilder, IndexPool } from '../src/index.js';
import { gloveSample } from './helpers.js';
import { started } from './worker-harness.js';

// Workers this file can watch and kill (test/worker-harness.ts): the package itself has no crash operation.
vi.mock('../src/runtime/worker.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/runtime/worker.js')>();
  const { watchedStartWorker } = await import('./worker-harness.js');
  return { ...real, startWorker: watchedStartWorker(real.workerSource()) };
});

const { vectors, queries } = gloveSample();
const builder = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 3 });
builder.addBatch(vectors.subarray(0, 4000 * 100));
const index = builder.build({ trees: 5 });
const bytesBefore = index.toBytes().slice();

describe("IndexPool mode 'dedicated'", () => {
  it('answers exactly as Index, with one worker whatever was asked', async () => {
    const pool = await IndexPool.open(index.toBytes(), { mode: 'dedicated', workers: 4 });
    try {
      expect([pool.mode, pool.workers]).toEqual(['dedicated', 1]);
      for (let q = 0; q < 50; q++) {
        const query = queries.subarray(q * 100, (q + 1) * 100);
        expect(await pool.search(query, 10, { searchK: 400 })).toEqual(index.search(query, 10, { searchK: 400 }));
        expect(await pool.searchItem(q * 7, 5)).toEqual(index.searchItem(q * 7, 5));
      }
      const batch = queries.subarray(0, 30 * 100);
      expect(await pool.searchBatch(batch, 10)).toEqual(index.searchBatch(batch, 10));
      expect(pool.getItem(12)).toEqual(index.getItem(12));
      expect(pool.distance(3, 4)).toBeCloseTo(index.distance(3, 4), 6);
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies is replaced by one with a fresh copy, and the requests it held are retried there', async () => {
    const from = started.length;
    const pool = await IndexPool.open(index.toBytes(), { mode: 'dedicated' });
    try {
      const query = queries.subarray(0, 100);
      const expected = index.search(query, 10);
      const [dying] = started.slice(from);
      dying.crash('trap'); // the first message it reads: the requests below are in flight when it dies
      const pending = Array.from({ length: 20 }, () => pool.search(query, 10));
      for (const result of await Promise.all(pending)) expect(result).toEqual(expected);
      const lost = dying.unanswered();
      expect([dying.dead, lost.length]).toEqual([true, 2]);
      const [replacement, ...more] = started.slice(from + 1);
      expect(more).toEqual([]);
      for (const request of lost) expect(replacement.answered.has(request.id)).toBe(true);
      expect(pool.restarts).toBe(1);
      expect(await pool.search(query, 10)).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('takes filters and removals: its worker\'s copy gets each bitmap, and a replacement worker\'s copy has them all', async () => {
    const from = started.length;
    const pool = await IndexPool.open(index.toBytes(), { mode: 'dedicated' });
    const own = index; // the Index whose bytes the pool copied
    const allowIds = Array.from({ length: 4000 }, (_, i) => i).filter((i) => (i * 2654435761) % 7 < 2);
    const allowed = new Set(allowIds);
    const local = own.createFilter({ allow: allowIds });
    try {
      const filter = await pool.createFilter({ allow: allowIds });
      const search = async (f: typeof filter, q: number, options: object) => pool.search(queries.subarray(q * 100, (q + 1) * 100), 10, { ...options, filter: f });
      for (let q = 0; q < 20; q++) {
        for (const searchK of [300, 4000]) { // a walk, and the scan (allowed <= 2 x searchK)
          const want = own.search(queries.subarray(q * 100, (q + 1) * 100), 10, { searchK, filter: local });
          expect(await search(filter, q, { searchK })).toEqual(want);
          for (const id of want.ids) expect(allowed.has(id)).toBe(true);
        }
      }
      expect(await pool.searchBatch(queries.subarray(0, 10 * 100), 10, { filter })).toEqual(own.searchBatch(queries.subarray(0, 10 * 100), 10, { filter: local }));
      // removals: the worker's copy hides them once remove resolves
      const gone = [...(await pool.search(queries.subarray(0, 100), 5)).ids];
      expect(await pool.remove(gone)).toBe(5);
      const copy = Index.fromBytes(index.toBytes());
      copy.remove(gone);
      for (let q = 0; q < 10; q++) {
        const query = queries.subarray(q * 100, (q + 1) * 100);
        const got = await pool.search(query, 10);
        for (const id of gone) expect([...got.ids]).not.toContain(id);
        expect(got).toEqual(copy.search(query, 10));
      }
      // a replacement worker starts from a fresh copy of this thread's memory: the filter and the removals with it
      started[started.length - 1].crash('exit');
      await expect(pool.search(queries.subarray(0, 100), 10)).resolves.toBeDefined();
      expect(started.length).toBeGreaterThan(from + 1);
      const copyFilter = copy.createFilter({ allow: allowIds });
      for (let q = 0; q < 10; q++) expect(await search(filter, q, { searchK: 300 })).toEqual(copy.search(queries.subarray(q * 100, (q + 1) * 100), 10, { searchK: 300, filter: copyFilter }));
      // a worker that dies reading a filter's bitmap: the filter still works, on its replacement's copy
      const few = allowIds.slice(0, 900);
      started[started.length - 1].crash('exit');
      const late = await pool.createFilter({ allow: few });
      const lateLocal = copy.createFilter({ allow: few });
      for (let q = 0; q < 5; q++) expect(await search(late, q, { searchK: 300 })).toEqual(copy.search(queries.subarray(q * 100, (q + 1) * 100), 10, { searchK: 300, filter: lateLocal }));
      copy.free();
    } finally {
      local.free();
      await pool.close();
    }
  });

  it('refuses an unknown mode', async () => {
    await expect(IndexPool.open(index.toBytes(), { mode: 'both' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('Index', () => {
  it('is unchanged by the pools: a pool copies the bytes it is handed, and leaves them (and the index) as they were', async () => {
    const handed = index.toBytes();
    const pool = await IndexPool.open(handed, { mode: 'dedicated' });
    await pool.search(queries.subarray(0, 100), 10);
    await pool.close();
    expect(handed.byteLength).toBe(bytesBefore.byteLength); // not transferred away
    expect(Buffer.from(handed).equals(Buffer.from(bytesBefore))).toBe(true);
    expect(Buffer.from(index.toBytes()).equals(Buffer.from(bytesBefore))).toBe(true);
  });
});
