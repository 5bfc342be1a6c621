// An index built in memory keeps only what it needs: a build leaves scratch in the builder's memory (the float32
// vectors an int8 / float16 / bfloat16 index was built from, the full trees a compact index was made from, the
// parallel build's tree regions), and wasm memory never shrinks. Whatever the storage, tree encoding and jobs, the
// built index holds at most twice the memory of the same index loaded from its bytes (src/build/builder.ts
// `settled`), and whether it moved or not it answers, changes and saves exactly as that loaded index.
import { describe, expect, it } from 'vitest';
import { Index, IndexBuilder, type Storage, type TreeEncoding } from '../src/index.js';
import { gloveSample } from './helpers.js';

const glove = gloveSample();
const DIMS = 100, N = 4000;
const rows = glove.vectors.subarray(0, N * DIMS);
const queries = glove.queries.subarray(0, 50 * DIMS);
const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);

describe('an index built in memory', () => {
  it('with many trees keeps no second copy of them (the trees go straight to their place in the file)', () => {
    const index = new IndexBuilder({ dimensions: DIMS, metric: 'angular', seed: 11 }).addBatch(rows).build({ trees: 100 });
    const loaded = Index.fromBytes(index.toBytes());
    // the trees are three quarters of this file: assembled in an area of their own, they stayed in its memory (1.6x)
    expect(index.heldBytes).toBeLessThanOrEqual(1.25 * loaded.heldBytes);
    expect(index.searchBatch(queries, 10)).toEqual(loaded.searchBatch(queries, 10));
    index.free();
    loaded.free();
  });

  const storages: Storage[] = ['float32', 'float16', 'bfloat16', 'int8'];
  const encodings: TreeEncoding[] = ['full', 'compact'];
  for (const storage of storages) {
    for (const treeEncoding of encodings) {
      for (const jobs of [1, 2]) {
        it(`${storage} vectors, ${treeEncoding} trees, jobs ${jobs}: holds at most twice the memory of its loaded copy, and answers, changes and saves as it`, async () => {
          const builder = new IndexBuilder({ dimensions: DIMS, metric: 'angular', seed: 11, storage, treeEncoding }).addBatch(rows);
          const index = jobs === 1 ? builder.build({ trees: 10 }) : await builder.buildAsync({ trees: 10, jobs });
          const loaded = Index.fromBytes(index.toBytes());
          // an index that kept the build's scratch would hold up to 7x this (float32 vectors of an int8 index, the
          // parallel build's regions, the full trees of a compact one)
          expect(index.heldBytes).toBeLessThanOrEqual(2 * loaded.heldBytes);
          expect(index.searchBatch(queries, 10, { searchK: 300 })).toEqual(loaded.searchBatch(queries, 10, { searchK: 300 }));
          for (const id of [0, 17, N - 1]) expect(index.getItem(id)).toEqual(loaded.getItem(id));
          // indexes made from it (other screening, other storage) are the ones made from the loaded copy
          const screened = index.withScreening({ screening: 'int8' }), screenedLoaded = loaded.withScreening({ screening: 'int8' });
          same(screened.toBytes(), screenedLoaded.toBytes());
          const other = storage === 'float16' ? 'bfloat16' : 'float16';
          const stored = index.withStorage(other), storedLoaded = loaded.withStorage(other);
          same(stored.toBytes(), storedLoaded.toBytes());
          for (const x of [screened, screenedLoaded, stored, storedLoaded]) x.free();
          index.remove([0, 1, 2]);
          loaded.remove([0, 1, 2]);
          expect(index.searchBatch(queries, 10, { searchK: 300 })).toEqual(loaded.searchBatch(queries, 10, { searchK: 300 }));
          same(index.toBytes(), loaded.toBytes());
          index.free();
          loaded.free();
        });
      }
    }
  }
});
