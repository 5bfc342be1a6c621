// Second review of the in-memory screening codes (int8 / pca). Each test demonstrates a defect and fails until it is fixed.
import { describe, expect, it } from 'vitest';
import { Index, IndexBuilder, type Metric } from '../src/index.js';
import { readHeader, sectionsFor } from '../src/format/layout.js';

function rand(seed: number) { let s = seed >>> 0; return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5; }

describe('review session 2', () => {
  // src/builder.ts #finish keeps `const bytes = core.bytes` (line 267) across #screen, whose core.ensure (line 293:
  // the codes after the file, and pca's scratch) may grow memory; a non-shared memory's old buffer is then detached and
  // writeHeader(bytes.subarray(base)) (line 274) throws a TypeError. Non-shared memory is what a browser page that is
  // not cross-origin isolated gets (no SharedArrayBuffer), so screened builds fail there.
  it('builds screened indexes in non-shared memory (no SharedArrayBuffer)', () => {
    const cases: [number, number, 'int8' | 'pca'][] = [[50, 784, 'pca'], [1024, 256, 'int8']];
    const make = (n: number, dims: number, screening: 'int8' | 'pca') => {
      const r = rand(n + dims);
      return new IndexBuilder({ dimensions: dims, metric: 'euclidean', seed: 1, screening })
        .addBatch(Float32Array.from({ length: n * dims }, r)).build({ trees: 1 });
    };
    const shared = cases.map(([n, dims, screening]) => make(n, dims, screening).toBytes());
    const g = globalThis as { SharedArrayBuffer?: unknown };
    const saved = g.SharedArrayBuffer;
    delete g.SharedArrayBuffer;
    try {
      cases.forEach(([n, dims, screening], i) => {
        let bytes: Uint8Array | undefined, error: unknown;
        try { bytes = make(n, dims, screening).toBytes(); } catch (e) { error = e; }
        expect(String(error ?? 'built')).toBe('built');
        expect(Buffer.from(bytes!).equals(Buffer.from(shared[i]))).toBe(true);
      });
    } finally {
      g.SharedArrayBuffer = saved;
    }
  });

  // assembly/pca.ts:61-65,81 (and codes.ts:162) sample ids 0, step, 2 * step, ... rather than every step-th *present*
  // item: when the present ids miss that lattice (here the odd ids 1..3999: size 4000, step 2) the sample is empty,
  // the covariance is zero, every basis row is zero, every code is zero, and screening keeps the `rerank` smallest
  // ids among the candidates instead of the nearest: 0 of 50 answers match the unscreened ones.
  it('pca learns a basis when the ids are sparse (odd ids only)', () => {
    const dims = 24, n = 2000, r = rand(9);
    const mix = Array.from({ length: 6 * dims }, r);
    const vectors = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: 6 }, () => r() * 8);
      for (let j = 0; j < dims; j++) vectors[i * dims + j] = z.reduce((s, x, c) => s + x * mix[c * dims + j], 0) + r();
    }
    const ids = Uint32Array.from({ length: n }, (_, i) => 2 * i + 1);
    const make = (screening: 'none' | 'pca') => new IndexBuilder({ dimensions: dims, metric: 'euclidean', seed: 5, screening }).addBatch(vectors, ids).build({ trees: 8 });
    const plain = make('none'), pca = make('pca');
    const bytes = pca.toBytes();
    const s = sectionsFor(readHeader(bytes, bytes.length));
    const m = pca.screeningDimensions, rowsAt = s.codesOffset + Math.ceil((4 * m) / 16) * 16;
    const basis = new Float32Array(bytes.slice(rowsAt, s.codesOffset + s.codesBytes).buffer);
    expect(basis.some((x) => x !== 0)).toBe(true);
    let same = 0;
    for (let q = 0; q < 50; q++) {
      const query = Array.from(vectors.subarray(q * 37 * dims, (q * 37 + 1) * dims), (x) => x + r());
      if (plain.search(query, 10, { searchK: 400 }).ids.join() === pca.search(query, 10, { searchK: 400 }).ids.join()) same++;
    }
    expect(same).toBeGreaterThanOrEqual(40); // 50 of 50 with dense ids
  });

  // assembly/codes.ts:166-179 with no items: lo = Infinity, hi = -Infinity, so scale falls back to 1 but bias = lo =
  // Infinity is written; checkHeader (src/format/layout.ts) refuses a non-finite bias, so an empty int8 euclidean or
  // manhattan index builds, saves, and then is CORRUPT_INDEX on load.
  it('an empty int8 euclidean / manhattan index reloads', () => {
    for (const metric of ['euclidean', 'manhattan'] as Metric[]) {
      const index = new IndexBuilder({ dimensions: 5, metric, screening: 'int8' }).build({ trees: 1 });
      expect(() => Index.fromBytes(index.toBytes())).not.toThrow();
    }
  });
});
