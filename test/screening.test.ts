// Screening: a small int8 copy of the vectors (every dimension: 'int8'; the first principal components: 'pca')
// ranks the candidates first, then the best `rerank` get the exact distance. The codes are computed in memory at
// build and load; the file keeps only their parameters. The trees are the same as without screening, so
// rerank: -1 must give exactly the unscreened answers; the default must keep recall and return exact distances.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { AnnoyError, Index, IndexBuilder, IndexPool, type Metric } from '../src/index.js';
import { H, readHeader, sectionsFor } from '../src/format/layout.js';
import { bruteForce, fashionSample, gloveSample, reseal } from './helpers.js';

const glove = gloveSample();
const fashion = fashionSample();
const FLOAT_METRICS: Metric[] = ['angular', 'euclidean', 'manhattan', 'dot'];
const PCA_METRICS: Metric[] = ['angular', 'euclidean', 'dot'];
type Screening = 'none' | 'int8' | 'pca';

function build(metric: Metric, vectors: Float32Array, dims: number, screening: Screening, extra: object = {}, trees = 8) {
  return new IndexBuilder({ dimensions: dims, metric, seed: 5, screening, ...extra }).addBatch(vectors).build({ trees });
}

function recallAt10(index: Index, metric: Metric, data: { vectors: Float32Array; queries: Float32Array }, dims: number, queries: number, options: object) {
  let hit = 0;
  for (let q = 0; q < queries; q++) {
    const query = data.queries.subarray(q * dims, (q + 1) * dims);
    const truth = new Set(bruteForce(metric, data.vectors, dims, query, 10));
    hit += [...index.search(query, 10, options).ids].filter((id) => truth.has(id)).length;
  }
  return hit / (10 * queries);
}

describe('screening', () => {
  const cases: [Metric, Screening, object][] = [
    ...FLOAT_METRICS.map((m): [Metric, Screening, object] => [m, 'int8', {}]),
    ...PCA_METRICS.map((m): [Metric, Screening, object] => [m, 'pca', { screeningDimensions: 9 }]),
    ['euclidean', 'pca', {}],
  ];
  for (const [metric, screening, extra] of cases) {
    it(`${metric} ${screening} ${JSON.stringify(extra)}: rerank -1 answers exactly as its trees without codes; reloads to the same answers; exact distances`, () => {
      const rng = seedrandom(metric + screening);
      const dims = 24;
      // correlated columns (a random 6-d signal spread over 24 dimensions, plus noise), so pca has structure to find
      const mix = Array.from({ length: 6 * dims }, () => rng() - 0.5);
      const vectors = new Float32Array(3000 * dims);
      for (let i = 0; i < 3000; i++) {
        const z = Array.from({ length: 6 }, () => (rng() - 0.5) * 8);
        for (let j = 0; j < dims; j++) vectors[i * dims + j] = z.reduce((s, x, c) => s + x * mix[c * dims + j], 0) + (rng() - 0.5) + (metric === 'euclidean' ? 3 : 0);
      }
      const built = build(metric, vectors, dims, 'none'), screened = build(metric, vectors, dims, screening, extra);
      expect(screened.screening).toBe(screening);
      // The same trees without codes: int8 and dot's pca split as an unscreened build does; angular and euclidean
      // with pca split in the components' space (assembly/build.ts componentDims), so their trees are their own.
      const plain = screened.withScreening({ screening: 'none' });
      const ownTrees = screening === 'pca' && metric !== 'dot';
      expect(Buffer.from(plain.toBytes()).equals(Buffer.from(built.toBytes()))).toBe(!ownTrees);
      const m = screened.screeningDimensions;
      if (screening === 'int8') {
        expect(m).toBe(dims);
        expect(screened.byteLength).toBe(plain.byteLength); // the codes are not in the file
      } else {
        expect(m).toBe((extra as { screeningDimensions?: number }).screeningDimensions ?? 16); // auto: 16 hold 90% here
        expect(screened.byteLength).toBe(plain.byteLength + Math.ceil((4 * m) / 16) * 16 + m * dims * 4); // offsets + basis
      }
      const reloaded = Index.fromBytes(screened.toBytes());
      expect(reloaded.screeningDimensions).toBe(m);
      for (let q = 0; q < 30; q++) {
        const query = Array.from({ length: dims }, (_, j) => vectors[(q * 97) * dims + j] + (rng() - 0.5));
        expect(screened.search(query, 10, { searchK: 400, rerank: -1 })).toEqual(plain.search(query, 10, { searchK: 400 }));
        const got = screened.search(query, 10, { searchK: 400 });
        expect(reloaded.search(query, 10, { searchK: 400 })).toEqual(got);
        got.ids.forEach((id, i) => expect(got.distances[i]).toBe(screened.distanceTo(query, id)));
      }
    });
  }

  it('int8 keeps recall on real data (GloVe sample, 200 held-out words)', () => {
    const plain = build('angular', glove.vectors, 100, 'none'), screened = build('angular', glove.vectors, 100, 'int8');
    let same = 0;
    for (let q = 0; q < 200; q++) {
      const query = glove.queries.subarray(q * 100, (q + 1) * 100);
      if (plain.search(query, 10, { searchK: 2000 }).ids.join() === screened.search(query, 10, { searchK: 2000 }).ids.join()) same++;
    }
    const a = recallAt10(plain, 'angular', glove, 100, 200, { searchK: 2000 }), b = recallAt10(screened, 'angular', glove, 100, 200, { searchK: 2000 });
    // measured: recall 0.9455 with and without screening, 200 of 200 lists identical
    expect(b).toBeGreaterThanOrEqual(a - 0.01);
    expect(same).toBeGreaterThanOrEqual(190);
  });

  it('pca keeps recall on real high-dimensional data (Fashion-MNIST sample, 200 held-out images) with far fewer values per code', () => {
    const plain = build('euclidean', fashion.vectors, 784, 'none', {}, 10), screened = build('euclidean', fashion.vectors, 784, 'pca', {}, 10);
    // measured: 80 of 784 components chosen (90% of the variance); recall@10 0.9725 plain and pca at searchK 300
    // (pca screens ~10x fewer values per candidate; garbage codes would keep 50 arbitrary candidates of hundreds)
    const m = screened.screeningDimensions;
    expect(m).toBeGreaterThanOrEqual(32);
    expect(m).toBeLessThanOrEqual(160);
    const a = recallAt10(plain, 'euclidean', fashion, 784, 200, { searchK: 300 }), b = recallAt10(screened, 'euclidean', fashion, 784, 200, { searchK: 300 });
    expect(b).toBeGreaterThanOrEqual(a - 0.02);
    expect(a).toBeGreaterThan(0.8);
  });

  // Every metric each kind serves, on real data: screening must keep recall@10 (against brute force) within 0.03 of
  // the unscreened index's at the same searchK. A wrong screening rule for one metric (dot screened by L2, a centred
  // dot query, angular items not normalised, L1 screened by dot...) keeps far fewer true neighbours.
  const recallCases: [Metric, 'int8' | 'pca', 'glove' | 'fashion'][] = [
    ['angular', 'int8', 'glove'], ['euclidean', 'int8', 'glove'], ['manhattan', 'int8', 'glove'], ['dot', 'int8', 'glove'],
    ['angular', 'pca', 'fashion'], ['euclidean', 'pca', 'fashion'], ['dot', 'pca', 'fashion'],
  ];
  for (const [metric, screening, set] of recallCases) {
    it(`${screening} keeps ${metric} recall on real data (${set} sample)`, () => {
      const dims = set === 'glove' ? 100 : 784;
      const n = set === 'glove' ? 5000 : 4000;
      const source = set === 'glove' ? glove : fashion;
      const data = { vectors: source.vectors.subarray(0, n * dims), queries: source.queries };
      const plain = build(metric, data.vectors, dims, 'none', {}, 6), screened = build(metric, data.vectors, dims, screening, {}, 6);
      const options = { searchK: 1500 };
      const a = recallAt10(plain, metric, data, dims, 100, options), b = recallAt10(screened, metric, data, dims, 100, options);
      expect(a).toBeGreaterThan(0.5);
      expect(b).toBeGreaterThanOrEqual(a - 0.03);
    });
  }

  it('withScreening gives the parameters a build with that screening computes, byte for byte, and back', () => {
    for (const [metric, screening, data, dims, n] of [
      ['angular', 'int8', glove, 100, 3000], ['angular', 'pca', glove, 100, 3000], ['euclidean', 'pca', fashion, 784, 1500], ['dot', 'pca', fashion, 784, 1500],
    ] as const) {
      const vectors = data.vectors.subarray(0, n * dims);
      const plain = build(metric, vectors, dims, 'none', {}, 5), built = build(metric, vectors, dims, screening, {}, 5);
      const added = plain.withScreening({ screening });
      expect([added.screening, added.screeningDimensions]).toEqual([screening, built.screeningDimensions]);
      // int8 and dot's pca: the same trees as the unscreened build, so the very file a build writes. Angular and
      // euclidean pca builds split in the components' space: their own trees, the same parameters.
      const own = screening === 'pca' && metric !== 'dot';
      const trees = built.withScreening({ screening: 'none' });
      expect(Buffer.from(added.toBytes()).equals(Buffer.from(built.toBytes()))).toBe(!own);
      expect(Buffer.from(trees.toBytes()).equals(Buffer.from(plain.toBytes()))).toBe(!own);
      expect(Buffer.from(trees.withScreening({ screening }).toBytes()).equals(Buffer.from(built.toBytes()))).toBe(true);
      expect(Buffer.from(added.withScreening({ screening: 'none' }).toBytes()).equals(Buffer.from(plain.toBytes()))).toBe(true);
      const fixed = built.withScreening({ screening: 'pca', screeningDimensions: 12 });
      expect(fixed.screeningDimensions).toBe(12);
      const query = data.queries.subarray(0, dims);
      expect(fixed.search(query, 10, { searchK: 300, rerank: -1 })).toEqual(trees.search(query, 10, { searchK: 300 }));
      expect(plain.search(query, 10).ids.length).toBe(10); // the source stays usable
    }
  });

  it('withScreening screens an Annoy .ann file: the same answers with rerank -1, exact distances, a loadable file', () => {
    const f = JSON.parse(readFileSync(new URL('./fixtures/annoy/angular.json', import.meta.url), 'utf8'));
    const annoy = Index.fromBytes(readFileSync(new URL('./fixtures/annoy/angular.ann', import.meta.url)), { format: 'annoy', dimensions: f.f, metric: 'angular' });
    const screened = annoy.withScreening({ screening: 'int8' });
    expect(screened.screening).toBe('int8');
    for (const query of f.queries.vectors as number[][]) {
      expect(screened.search(query, 10, { searchK: 500, rerank: -1 })).toEqual(annoy.search(query, 10, { searchK: 500 }));
      const got = screened.search(query, 10, { searchK: 500 });
      got.ids.forEach((id, i) => expect(got.distances[i]).toBe(annoy.distanceTo(query, id)));
    }
    expect(Index.fromBytes(screened.toBytes()).search(f.queries.vectors[0], 10)).toEqual(screened.search(f.queries.vectors[0], 10));
    expect(() => annoy.withScreening({ screening: 'pca', screeningDimensions: 99 })).toThrow(/screeningDimensions 99 is not an integer in \[1, 16\]/);
    expect(() => annoy.withScreening({ screening: 'int8', rerank: 5 } as never)).toThrow(/unknown withScreening option "rerank"/);
    const manhattan = build('manhattan', glove.vectors.subarray(0, 300 * 100), 100, 'none', {}, 2);
    expect(() => manhattan.withScreening({ screening: 'pca' })).toThrow(/pca screening is for angular, euclidean, dot/);
    manhattan.free();
    expect(() => manhattan.withScreening({ screening: 'int8' })).toThrow(AnnoyError);
  });

  it('an IndexPool serves a screened index exactly as Index does, shared and dedicated', async ({ task }) => {
    const index = build('euclidean', fashion.vectors.subarray(0, 1500 * 784), 784, 'pca', { screeningDimensions: 32 }, 6);
    // The 'plain' test project runs as a page without cross-origin isolation: there mode 'shared' is refused.
    const shared = task.file.projectName !== 'plain';
    if (!shared) await expect(IndexPool.open(index.toBytes(), { mode: 'shared' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    for (const mode of shared ? ['shared', 'dedicated'] as const : ['dedicated'] as const) {
      const pool = await IndexPool.open(index.toBytes(), { workers: 2, mode });
      try {
        for (let q = 0; q < 20; q++) {
          const query = fashion.queries.subarray(q * 784, (q + 1) * 784);
          expect(await pool.search(query, 10, { searchK: 200 })).toEqual(index.search(query, 10, { searchK: 200 }));
        }
      } finally {
        await pool.close();
      }
    }
  });

  it('refuses a damaged pca basis and header, and bad options', () => {
    const index = build('euclidean', glove.vectors.subarray(0, 500 * 100), 100, 'pca', { screeningDimensions: 7 });
    const bytes = index.toBytes();
    const s = sectionsFor(readHeader(bytes, bytes.length));
    const row = (j: number) => s.codesOffset + 32 + j * 400;
    const bad = bytes.slice();
    bad[row(3) + 7] ^= 0x40;
    expect(() => Index.fromBytes(bad)).toThrow(/checksum/);
    reseal(bad); // now only the structure check can catch it
    expect(() => Index.fromBytes(bad)).toThrow(/pca screening basis row 3 is not/);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(row(5) + 8, NaN, true);
    reseal(nan);
    expect(() => Index.fromBytes(nan)).toThrow(/basis row 5/);
    const padded = bytes.slice();
    padded[s.codesOffset + 7 * 4 + 1] = 1; // 7 offsets take 28 of the section's first 32 bytes: the rest is padding
    reseal(padded);
    expect(() => Index.fromBytes(padded)).toThrow(/basis row 0/);
    const offset = bytes.slice();
    new DataView(offset.buffer).setFloat32(s.codesOffset + 8, Infinity, true);
    reseal(offset);
    expect(() => Index.fromBytes(offset)).toThrow(/basis row 0/);
    const header = (field: number, value: number) => {
      const b = bytes.slice();
      new DataView(b.buffer).setUint32(field, value, true);
      reseal(b);
      return () => Index.fromBytes(b);
    };
    expect(header(H.CODE_DIMENSIONS, 101)).toThrow(/pca codes of 101 values/);
    expect(header(H.CODE_DIMENSIONS, 0)).toThrow(/pca codes of 0 values/);
    expect(header(H.CODES_KIND, 3)).toThrow(/codes kind 3/);
    const scale = (value: number) => {
      const b = bytes.slice();
      new DataView(b.buffer).setFloat32(H.CODE_SCALE, value, true);
      reseal(b);
      return () => Index.fromBytes(b);
    };
    // an infinite scale would make every code 0: screening would keep arbitrary candidates (found by fuzzing)
    for (const bad of [Infinity, 0, -1, NaN, 1e-40]) expect(scale(bad)).toThrow(/pca codes of 7 values with scale/);
    expect(header(H.METRIC, 2)).toThrow(/pca codes .* manhattan/);
    expect(new DataView(bytes.buffer).getUint32(H.CODES_KIND, true)).toBe(2);

    expect(() => new IndexBuilder({ dimensions: 64, metric: 'hamming', screening: 'int8' })).toThrow(/one bit a dimension/);
    expect(() => new IndexBuilder({ dimensions: 8, metric: 'manhattan', screening: 'pca' })).toThrow(/pca screening is for angular, euclidean, dot/);
    expect(() => new IndexBuilder({ dimensions: 4, metric: 'dot', screening: 'int4' as never })).toThrow(/screening "int4"/);
    expect(() => new IndexBuilder({ dimensions: 8, metric: 'dot', screening: 'int8', screeningDimensions: 4 })).toThrow(/screeningDimensions 4 is for screening: 'pca' only/);
    for (const bad of [0, 9, 2.5, '4']) {
      expect(() => new IndexBuilder({ dimensions: 8, metric: 'dot', screening: 'pca', screeningDimensions: bad as number })).toThrow(/screeningDimensions/);
    }
    expect(() => new IndexBuilder({ dimensions: 5000, metric: 'euclidean', screening: 'pca' })).toThrow(/up to 4096 dimensions/);
    expect(() => index.search(glove.vectors.subarray(0, 100), 10, { rerank: 5 })).toThrow(/rerank 5/);
  });
});

describe('leafSize', () => {
  it('smaller leaves build finer trees that still answer exactly at full searchK; bad sizes are refused', () => {
    const vectors = glove.vectors.subarray(0, 2000 * 100);
    const fine = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 2, leafSize: 10 }).addBatch(vectors).build({ trees: 4 });
    const coarse = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 2 }).addBatch(vectors).build({ trees: 4 });
    expect(fine.byteLength).toBeGreaterThan(coarse.byteLength); // more nodes
    const reloaded = Index.fromBytes(fine.toBytes());
    for (let q = 0; q < 20; q++) {
      const query = glove.queries.subarray(q * 100, (q + 1) * 100);
      const exact = bruteForce('angular', vectors, 100, query, 10);
      expect([...fine.search(query, 10, { searchK: 2000 * 4 }).ids]).toEqual(exact);
      expect(reloaded.search(query, 10)).toEqual(fine.search(query, 10));
    }
    for (const bad of [1, 103, 2.5, '10']) {
      expect(() => new IndexBuilder({ dimensions: 100, metric: 'angular', leafSize: bad as number })).toThrow(/leafSize/);
    }
  });
});

describe('screening at the edges', () => {
  const rand = (seed: number) => { let x = seed >>> 0; return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5; };

  // Computing the codes grows memory past the file (the codes, pca's scratch); a build must take the memory's
  // bytes afresh after it (a plain, non-shared memory detaches its old buffer when it grows). Both builds (this file
  // runs in the 'shared' and the 'plain' test project) must write these bytes.
  it('a screened build whose codes grow memory writes the same bytes on either wasm build', () => {
    const cases: [number, number, 'int8' | 'pca', string][] = [
      [50, 784, 'pca', '2325d28cee698c3062457d90f89451f0d5899429164cd4d81516aa1db5c21eb3'],
      [1024, 256, 'int8', 'f0a903dfea395d8f5cf96653d5bb03437d6964e07679b688303343692d6b4020'],
    ];
    for (const [n, dims, screening, sum] of cases) {
      const r = rand(n + dims);
      const index = new IndexBuilder({ dimensions: dims, metric: 'euclidean', seed: 1, screening }).addBatch(Float32Array.from({ length: n * dims }, r)).build({ trees: 1 });
      expect([screening, createHash('sha256').update(index.toBytes()).digest('hex')]).toEqual([screening, sum]);
    }
  });

  // The pca sample takes every step-th *present* item: ids that miss the lattice 0, step, 2 step, ... (here only odd
  // ids) must still give a basis, or every code is zero and screening keeps the smallest ids instead of the nearest.
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
    expect(same).toBeGreaterThanOrEqual(40); // 50 of 50 with dense ids; 0 of 50 when the sample is empty
  });

  // With no items the value range is empty (lo = Infinity): the bias written must still be finite, or the loader
  // refuses the file the builder just wrote.
  it('an empty int8 euclidean / manhattan index reloads', () => {
    for (const metric of ['euclidean', 'manhattan'] as Metric[]) {
      const index = new IndexBuilder({ dimensions: 5, metric, screening: 'int8' }).build({ trees: 1 });
      expect(() => Index.fromBytes(index.toBytes())).not.toThrow();
    }
  });

  it('int8 codes of a tiny value range still load (the scale falls back to 1)', () => {
    for (const metric of ['euclidean', 'dot', 'manhattan'] as const) {
      const index = new IndexBuilder({ dimensions: 3, metric, screening: 'int8' }).add(0, [0, 0, 0]).add(1, [1e-44, 0, 0]).build({ trees: 1 });
      const again = Index.fromBytes(index.toBytes());
      expect(again.search([1e-44, 0, 0], 2, { rerank: -1 })).toEqual(index.search([1e-44, 0, 0], 2, { rerank: -1 }));
    }
  });

  it('int8 screening is refused past 32,768 dimensions (its i32 sums would wrap)', () => {
    expect(() => new IndexBuilder({ dimensions: 40000, metric: 'euclidean', screening: 'int8' })).toThrow(/32768 dimensions/);
  });
});
