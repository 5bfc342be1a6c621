// IndexPool.reload: a new index swapped in under concurrent load. Every answer is checked against the index its
// request was made on (the generation the pool served when the request was made); a file that does not load leaves
// the old index serving; filters of the old index are refused on the new one.
import { describe, expect, it } from 'vitest';
import { Index, IndexBuilder, IndexPool } from '../src/index.js';
import { gloveSample } from './helpers.js';

const glove = gloveSample();
const D = 100;
const row = (i: number) => glove.vectors.subarray(i * D, (i + 1) * D);

function build(from: number, n: number, seed: number, keys = false): Index {
  const b = new IndexBuilder({ dimensions: D, metric: 'angular', seed, keys });
  for (let i = 0; i < n; i++) {
    if (keys) b.add(`w:${glove.words[from + i]}`, row(from + i));
    else b.add(i, row(from + i));
  }
  return b.build({ trees: 8 });
}

describe('IndexPool.reload', () => {
  it('swaps indexes under load: each answer comes from the index its request was made on', async () => {
    const versions = [build(0, 1500, 1, true), build(500, 1800, 2, true), build(1000, 1200, 3, true)];
    const bytes = versions.map((v) => v.toBytes());
    const pool = await IndexPool.open(bytes[0], { workers: 2 });
    try {
      const queries = Array.from({ length: 40 }, (_, q) => glove.queries.subarray(q * D, (q + 1) * D));
      const expected = versions.map((v) => queries.map((q) => v.search(q, 10, { searchK: 300 })));
      const checks: Promise<void>[] = [];
      let stop = false;
      let answered = 0;
      const client = async (c: number) => {
        for (let i = c; !stop; i += 7) {
          const q = i % queries.length;
          const gen = pool.generation; // the index this request is made on
          const got = await pool.search(queries[q], 10, { searchK: 300 });
          expect(got).toEqual(expected[gen % 3][q]);
          answered++;
        }
      };
      for (let c = 0; c < 6; c++) checks.push(client(c));
      for (let r = 1; r <= 6; r++) {
        await new Promise((done) => setTimeout(done, 30));
        await pool.reload(bytes[r % 3]);
        expect(pool.generation).toBe(r);
        expect(pool.count).toBe(versions[r % 3].count);
      }
      stop = true;
      await Promise.all(checks);
      expect(answered).toBeGreaterThan(50);
      // keys come from the index a request was answered on
      expect((await pool.searchItem('w:the', 3)).keys?.[0]).toBe(versions[0].keyOf(versions[0].idOf('w:the')));
    } finally {
      await pool.close();
    }
  });

  it('a file that does not load rejects the reload, and the old index keeps serving; old filters are refused', async () => {
    const a = build(0, 800, 1), b = build(800, 800, 2);
    const pool = await IndexPool.open(a.toBytes(), { workers: 2 });
    try {
      const filter = await pool.createFilter({ allow: [1, 2, 3] });
      const bad = b.toBytes();
      bad[bad.length - 5] ^= 0xFF;
      await expect(pool.reload(bad)).rejects.toMatchObject({ code: 'CORRUPT_INDEX' });
      await expect(pool.reload(new Uint8Array(10))).rejects.toMatchObject({ code: 'CORRUPT_INDEX' });
      expect(pool.generation).toBe(0);
      const q = glove.queries.subarray(0, D);
      expect(await pool.search(q, 5, { filter })).toEqual(a.search(q, 5, { filter: a.createFilter({ allow: [1, 2, 3] }) }));
      await pool.reload(b.toBytes());
      expect(await pool.search(q, 5)).toEqual(b.search(q, 5));
      await expect(pool.search(q, 5, { filter })).rejects.toMatchObject({ code: 'INVALID_STATE' });
      const fresh = await pool.createFilter({ allow: [1, 2, 3] });
      expect([...(await pool.search(q, 5, { filter: fresh })).ids].sort()).toEqual([1, 2, 3]);
    } finally {
      await pool.close();
    }
  });
});
