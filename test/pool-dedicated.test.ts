// IndexPool's 'dedicated' mode (what a page without cross-origin isolation gets): one worker searching its own
// copy of the plain build's memory. Node can run it too, so its answers and its restarts are checked here.
import { describe, expect, it } from 'vitest';
import { AnnoyError, Index, IndexBuilder, IndexPool } from '../src/index.js';
import { gloveSample } from './helpers.js';

const { vectors, queries } = gloveSample();
const builder = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 3 });
builder.addBatch(vectors.subarray(0, 4000 * 100));
const index = builder.build({ trees: 5 });
const crash = Symbol.for('annoy-wasm.crashWorker');

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

  it('a worker that dies is replaced by one with a fresh copy, and its requests are retried', async () => {
    const pool = await IndexPool.open(index.toBytes(), { mode: 'dedicated' });
    try {
      const query = queries.subarray(0, 100);
      const expected = index.search(query, 10);
      const pending = Array.from({ length: 20 }, () => pool.search(query, 10));
      (pool as unknown as Record<symbol, (w: number, how: string) => void>)[crash](0, 'trap');
      for (const result of await Promise.all(pending.map((p) => p.catch((e) => e)))) {
        if (result instanceof AnnoyError) expect(result.code).toBe('WORKER_FAILED');
        else expect(result).toEqual(expected);
      }
      expect(pool.restarts).toBe(1);
      expect(await pool.search(query, 10)).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('refuses an unknown mode', async () => {
    await expect(IndexPool.open(index.toBytes(), { mode: 'both' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('Index', () => {
  it('is unchanged by the pools', () => {
    expect(Index.fromBytes(index.toBytes()).checksum).toBe(index.checksum);
  });
});
