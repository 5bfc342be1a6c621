// Persistence: bytes and files round-trip exactly; files that are damaged, even ones whose checksum was
// recomputed to match, are refused with CORRUPT_INDEX and never crash, hang or answer from garbage.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, it } from 'vitest';
import { AnnoyError, Index, IndexBuilder, METRICS, type Metric } from '../src/index.js';
import { H, HEADER_BYTES, readHeader, sectionsFor } from '../src/format/layout.js';
import { reseal } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function randomIndex(metric: Metric, dims: number, n: number, seed: string, trees = 5): Index {
  const rng = seedrandom(seed);
  const b = new IndexBuilder({ dimensions: dims, metric, seed: 3 });
  for (let i = 0; i < n; i++) {
    if (i % 17 === 5) continue; // holes
    const v = Array.from({ length: dims }, () => (metric === 'hamming' ? (rng() < 0.5 ? 1 : 0) : rng() * 2 - 1));
    b.add(i, v);
  }
  return b.build({ trees });
}

function sameAnswers(a: Index, b: Index, seed: string): void {
  const rng = seedrandom(seed);
  for (let q = 0; q < 20; q++) {
    const v = Array.from({ length: a.dimensions }, () => (a.metric === 'hamming' ? (rng() < 0.5 ? 1 : 0) : rng() * 2 - 1));
    expect(b.search(v, 10)).toEqual(a.search(v, 10));
    expect(b.search(v, 5, { searchK: 1000 })).toEqual(a.search(v, 5, { searchK: 1000 }));
  }
  expect(b.searchItem(0, 10)).toEqual(a.searchItem(0, 10));
  expect(b.getItem(1)).toEqual(a.getItem(1));
  expect(b.distance(0, 1)).toBe(a.distance(0, 1));
}

describe('round trips', () => {
  for (const metric of METRICS) {
    it(`${metric}: toBytes -> fromBytes answers identically and re-serialises byte for byte`, () => {
      const index = randomIndex(metric, metric === 'hamming' ? 70 : 9, 300, metric);
      const bytes = index.toBytes();
      const loaded = Index.fromBytes(bytes);
      expect([loaded.metric, loaded.dimensions, loaded.size, loaded.count, loaded.trees, loaded.byteLength])
        .toEqual([index.metric, index.dimensions, index.size, index.count, index.trees, bytes.length]);
      sameAnswers(index, loaded, `${metric}-q`);
      expect(loaded.toBytes()).toEqual(bytes);
      expect(Index.fromBytes(bytes.buffer.slice(0)).toBytes()).toEqual(bytes); // ArrayBuffer
      const shared = new SharedArrayBuffer(bytes.length);
      new Uint8Array(shared).set(bytes);
      expect(Index.fromBytes(shared).toBytes()).toEqual(bytes);
    });
  }

  it('save/saveSync and open/openSync, leaving no temporary files', async () => {
    const index = randomIndex('angular', 16, 500, 'files');
    const a = join(dir, 'a.annoy'), b = join(dir, 'b.annoy');
    index.saveSync(a);
    await index.save(b);
    expect(readFileSync(a)).toEqual(Buffer.from(index.toBytes()));
    expect(readFileSync(b)).toEqual(readFileSync(a));
    sameAnswers(index, Index.openSync(a), 'files-q');
    sameAnswers(index, await Index.open(b), 'files-q');
    expect(readdirSync(dir).sort()).toEqual(['a.annoy', 'b.annoy']);
  });

  it('an empty index and a one-item index round-trip', () => {
    const empty = new IndexBuilder({ dimensions: 4, metric: 'dot' }).build();
    const e2 = Index.fromBytes(empty.toBytes());
    expect([e2.size, e2.count, e2.trees]).toEqual([0, 0, 0]);
    expect(e2.search([1, 2, 3, 4], 5).ids.length).toBe(0);
    const one = new IndexBuilder({ dimensions: 4, metric: 'dot' }).add(3, [1, 2, 3, 4]).build();
    const o2 = Index.fromBytes(one.toBytes());
    expect([...o2.search([1, 0, 0, 0], 5).ids]).toEqual([3]);
  });

  it('a missing file is a plain ENOENT error', () => {
    expect(() => Index.openSync(join(dir, 'nope'))).toThrow(/ENOENT/);
  });
});

describe('forged files (valid checksum, broken structure)', () => {
  const index = randomIndex('euclidean', 7, 400, 'forge', 4); // 7-d: one float of padding per row
  const good = index.toBytes();
  const h = readHeader(good, good.length);
  const s = sectionsFor(h);
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset);
  // Finds the first node whose tag satisfies `pick`.
  const findNode = (pick: (tag: number) => boolean) => {
    for (let n = 0; n < h.nodeCount; n++) if (pick(dv(good).getUint32(s.nodesOffset + n * h.nodeBytes, true))) return n;
    throw new Error('no such node');
  };
  const split = findNode((t) => t === 0xFFFFFFFF);
  const leaf = findNode((t) => t >= 2 && t !== 0xFFFFFFFF);
  const at = (n: number, field: number) => s.nodesOffset + n * h.nodeBytes + field;

  const cases: [string, (b: DataView) => void, RegExp][] = [
    ['a child pointing forward', (b) => b.setInt32(at(split, 4), h.nodeCount - 1, true), /not earlier|twice/],
    ['a child pointing at itself', (b) => b.setInt32(at(split, 8), split, true), /not earlier/],
    ['a child pointing at a hole', (b) => b.setInt32(at(split, 4), ~5, true), /never added/],
    ['a child pointing past size', (b) => b.setInt32(at(split, 4), ~1_000_000, true), /never added/],
    ['a leaf holding an id past size', (b) => b.setUint32(at(leaf, 4), 400, true), /past the items/],
    ['a leaf count past capacity', (b) => b.setUint32(at(leaf, 0), h.leafCapacity + 1, true), /malformed/],
    ['a NaN in a plane', (b) => b.setFloat32(at(split, 16), NaN, true), /malformed/],
    ['an infinite offset', (b) => b.setFloat32(at(split, 12), Infinity, true), /malformed/],
    ['a NaN in an item vector', (b) => b.setFloat32(s.vectorsOffset + 3 * h.stride, NaN, true), /item 3/],
    // found by the loader fuzz: finite values whose squared norm overflows float32 gave NaN/Infinity distances
    ['a vector whose squared norm overflows float32', (b) => b.setFloat32(s.vectorsOffset + 2 * h.stride, 3e19, true), /item 2.*overflows/],
    ['non-zero vector padding', (b) => b.setFloat32(s.vectorsOffset + 2 * h.stride + 7 * 4, 1, true), /item 2/],
    ['a root out of range', (b) => b.setInt32(s.rootsOffset, h.nodeCount, true), /root of tree 0/],
    ['two roots sharing a tree', (b) => b.setInt32(s.rootsOffset + 4, b.getInt32(s.rootsOffset, true), true), /root of tree 1/],
    ['an extra present bit', (b) => b.setUint32(s.presentOffset, b.getUint32(s.presentOffset, true) | (1 << 5), true), /bitmap/],
    ['a present bit past size', (b) => b.setUint32(s.presentOffset + 48, 1, true), /bitmap/],
  ];
  for (const [what, damage, message] of cases) {
    it(`refuses ${what}`, () => {
      const bad = good.slice();
      damage(dv(bad));
      reseal(bad);
      let err: unknown;
      try { Index.fromBytes(bad); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(AnnoyError);
      expect((err as AnnoyError).code).toBe('CORRUPT_INDEX');
      expect((err as AnnoyError).message).toMatch(message);
    });
  }

  it('a leaf may be empty or list a hole (Annoy files need both): it loads, and the hole is never returned', () => {
    const bad = good.slice();
    const b = dv(bad);
    const count = b.getUint32(at(leaf, 0), true);
    b.setUint32(at(leaf, 4 + 4 * (count - 1)), 5, true); // id 5 is a hole
    reseal(bad);
    const index = Index.fromBytes(bad);
    for (let q = 0; q < 50; q++) {
      const r = index.search([q % 7, 1, -1, 0.5, q / 10, 2, -q / 20], 400, { searchK: 100000 });
      expect([...r.ids]).not.toContain(5);
      expect(r.ids.length).toBe(index.count);
    }
    const empty = good.slice();
    dv(empty).setUint32(at(leaf, 0), 0, true);
    reseal(empty);
    expect(Index.fromBytes(empty).search([1, 2, 3, 4, 5, 6, 7], 3).ids.length).toBe(3);
  });

  it('a node referenced by two parents (a DAG) is refused', () => {
    const bad = good.slice();
    const b = dv(bad);
    // find a split whose child 0 is a node, and make a later split point at it too
    let victim = -1, later = -1;
    for (let n = 0; n < h.nodeCount && later < 0; n++) {
      if (b.getUint32(at(n, 0), true) !== 0xFFFFFFFF) continue;
      const c = b.getInt32(at(n, 4), true);
      if (victim < 0 && c >= 0) victim = c;
      else if (victim >= 0 && n > victim) later = n;
    }
    b.setInt32(at(later, 8), victim, true);
    reseal(bad);
    expect(() => Index.fromBytes(bad)).toThrow(/twice|not earlier/);
  });
});

describe('sizes computed from a header', () => {
  it('the scratch slot size is computed in 64 bits, so a header cannot make it wrap past 4 GiB', () => {
    // A file that really wraps it is over 2 GiB; the arithmetic is the point: ask the core directly.
    const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../build/annoy.wasm', import.meta.url))), {
      env: { memory: new WebAssembly.Memory({ initial: 2, maximum: 65536 }) },
    }).exports as { memory: WebAssembly.Memory; slotBytes(f: number): bigint };
    const base = 65536;
    const dv = new DataView(x.memory.buffer, base, HEADER_BYTES);
    dv.setUint32(H.DIMENSIONS, 1, true);
    dv.setUint32(H.STRIDE, 16, true);
    dv.setUint32(H.SIZE, 1, true);
    dv.setUint32(H.COUNT, 1, true);
    const slotFor = (trees: number) => { dv.setUint32(H.TREES, trees, true); return BigInt.asUintN(64, x.slotBytes(base)); };
    // the queue part alone, (trees + 2 nodes + 2) * 8 bytes, passes 2^32 here: computed in 32 bits it would wrap
    const small = slotFor(2 ** 20), large = slotFor(2 ** 29 + 16);
    expect(large > 2n ** 32n).toBe(true);
    expect(large - small >= BigInt(2 ** 29 + 16 - 2 ** 20) * 8n).toBe(true);
  });
});

describe('seeded fuzz of the loader (the long campaign is npm run fuzz)', () => {
  const bases = [randomIndex('angular', 5, 120, 'f1', 3), randomIndex('hamming', 64, 90, 'f2', 2), randomIndex('dot', 3, 60, 'f3', 2)].map((i) => i.toBytes());
  it('2,000 damaged files: each loads and answers, or throws CORRUPT_INDEX / UNSUPPORTED_VERSION / CAPACITY', () => {
    const rng = seedrandom('loader-fuzz');
    const int = (n: number) => Math.floor(rng() * n);
    const outcomes: Record<string, number> = {};
    for (let c = 0; c < 2000; c++) {
      const base = bases[c % bases.length];
      let bad = base.slice();
      const kind = int(5);
      if (kind === 0) for (let f = 1 + int(4); f > 0; f--) bad[int(bad.length)] ^= 1 << int(8);
      else if (kind === 1) bad = bad.slice(0, int(bad.length));
      else if (kind === 2 || kind === 3) {
        const fields = Object.values(H).filter((o) => o !== H.MAGIC && o !== H.CHECKSUM);
        const field = fields[int(fields.length)];
        const wide = field >= H.SEED;
        const values = [0, -1, 2 ** 31, 2 ** 32 - 1, 2 ** 53, int(1000)];
        const v = values[int(values.length)];
        const d = new DataView(bad.buffer);
        if (wide) d.setBigUint64(field, BigInt.asUintN(64, BigInt(v)), true);
        else d.setUint32(field, v >>> 0, true);
        if (kind === 3) reseal(bad); // structural damage only
      } else {
        for (let i = 128 + int(bad.length - 128); i < bad.length && rng() < 0.99; i++) bad[i] = int(256);
        reseal(bad);
      }
      let outcome: string;
      try {
        const index = Index.fromBytes(bad);
        const q = Array.from({ length: index.dimensions }, () => (index.metric === 'hamming' ? int(2) : rng()));
        const r = index.search(q, 5, { searchK: 1000 });
        expect(r.ids.length).toBeLessThanOrEqual(5);
        for (const id of r.ids) expect(id).toBeLessThan(index.size);
        for (const d of r.distances) expect(Number.isFinite(d)).toBe(true);
        outcome = 'loaded';
      } catch (e) {
        if (!(e instanceof AnnoyError)) throw e;
        expect(['CORRUPT_INDEX', 'UNSUPPORTED_VERSION', 'CAPACITY']).toContain(e.code);
        outcome = e.code;
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    expect(outcomes.CORRUPT_INDEX).toBeGreaterThan(1000);
  });
});
