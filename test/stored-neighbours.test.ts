// searchAll from the nearest neighbours the graph build stores in the file (section 5, assembly/nearest.ts): rows
// equal to brute force where the build's lists are complete, recall against brute force on the GloVe sample for each
// metric that stores them (hamming and projected 784-d builds store none), rows that are exactly the stored ids re-ranked by index.distance, removals answered
// (short rows walked again), a pool answering as the Index, old files without the section answered by the joins,
// and a damaged section refused with the item it names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnoyError, Index, IndexBuilder, IndexPool, type BatchResult, type Metric } from '../src/index.js';
import { H, NEAREST_STORED, PARAM_NEAREST_COUNT, SECTION, bitsFor, readHeaderFields, sectionsFor, writeHeader, HEADER_BYTES } from '../src/format/layout.js';
import { bruteForce, fashionSample, gloveSample, reseal } from './helpers.js';

const glove = gloveSample(), fashion = fashionSample();
const D = 100, K = 10;

/** The stored rows of a file: per item slot, its ids (decoded from the packed section as the layout says). */
function storedRows(bytes: Uint8Array): number[][] {
  const h = readHeaderFields(bytes.subarray(0, HEADER_BYTES));
  const s = h.sectionParams[PARAM_NEAREST_COUNT], at = sectionsFor(h).extra[SECTION.NEAREST].offset;
  const bits = bitsFor(h.size), words = Math.ceil((s * bits) / 32);
  const bit = (p: number) => (bytes[at + (p >>> 3)] >>> (p & 7)) & 1;
  return Array.from({ length: h.size }, (_, i) => {
    const row: number[] = [];
    for (let t = 0; t < s; t++) {
      let v = 0;
      for (let b = 0; b < bits; b++) v += bit(32 * i * words + t * bits + b) * 2 ** b;
      if (v === 2 ** bits - 1) break;
      row.push(v);
    }
    return row;
  });
}

/** The same file without the nearest section: as every graph file written before it. */
function withoutNearest(bytes: Uint8Array): Uint8Array {
  const h = readHeaderFields(bytes.subarray(0, HEADER_BYTES)), from = sectionsFor(h);
  const sectionParams = [...h.sectionParams], sectionBytes = [...h.sectionBytes];
  sectionParams[PARAM_NEAREST_COUNT] = 0;
  sectionBytes[SECTION.NEAREST] = 0;
  const old = { ...h, sectionParams, sectionBytes }, to = sectionsFor(old);
  const out = new Uint8Array(to.fileBytes);
  out.set(bytes.subarray(0, from.extra[SECTION.NEAREST].offset));
  out.set(bytes.subarray(from.codesOffset, from.fileBytes), to.codesOffset);
  writeHeader(out, old);
  return reseal(out);
}

/** recall@K of every `step`-th row against brute force over the other items. */
function recall(all: BatchResult, metric: Metric, data: Float32Array, d: number, step: number): number {
  const n = data.length / d;
  let hit = 0, rows = 0;
  for (let i = 0; i < n; i += step) {
    const truth = bruteForce(metric, data, d, data.subarray(i * d, (i + 1) * d), K + 1).filter((id) => id !== i).slice(0, K);
    const got = new Set(all.row(i).ids);
    hit += truth.filter((id) => got.has(id)).length;
    rows++;
  }
  return hit / (rows * K);
}

/** Every row: no item itself, no repeat, index.distance's distances, (distance, id) order. */
function checkRows(index: Index, all: BatchResult): void {
  for (let i = 0; i < index.size; i++) {
    const { ids, distances } = all.row(i);
    expect(ids.includes(i)).toBe(false);
    expect(new Set(ids).size).toBe(ids.length);
    for (let j = 0; j < ids.length; j++) {
      expect(distances[j]).toBe(index.distance(i, ids[j]));
      // nearest first: the smallest distance, or dot's largest inner product
      const before = index.metric === 'dot' ? distances[j - 1] > distances[j] : distances[j - 1] < distances[j];
      if (j > 0) expect(before || (distances[j - 1] === distances[j] && ids[j - 1] < ids[j])).toBe(true);
    }
  }
}

describe('searchAll from the stored nearest neighbours', () => {
  it.each(['angular', 'euclidean', 'manhattan', 'dot'] as Metric[])('%s, 30 items (every list holds all the others): each row is the brute force\'s', (metric) => {
    const data = glove.vectors.subarray(0, 30 * D);
    const index = new IndexBuilder({ dimensions: D, metric, seed: 5, graph: true }).addBatch(data).build();
    try {
      const all = index.searchAll(K);
      for (let i = 0; i < 30; i++) {
        const truth = bruteForce(metric, data, D, data.subarray(i * D, (i + 1) * D), K + 1).filter((id) => id !== i).slice(0, K);
        expect([...all.row(i).ids]).toEqual(truth);
      }
      checkRows(index, all);
    } finally { index.free(); }
  });

  const built: Record<string, { index: Index; data: Float32Array; d: number; metric: Metric }> = {};
  beforeAll(() => {
    const g = glove.vectors.subarray(0, 4000 * D);
    for (const metric of ['angular', 'euclidean', 'manhattan', 'dot'] as Metric[]) {
      built[`glove ${metric}`] = { index: new IndexBuilder({ dimensions: D, metric, seed: 7, graph: true }).addBatch(g).build(), data: g, d: D, metric };
    }
  });
  afterAll(() => { for (const b of Object.values(built)) b.index.free(); });

  it.each([
    // sample and metric, lowest recall@10 accepted (measured in the comment)
    ['glove angular', 0.99], // 0.9985
    ['glove euclidean', 0.99], // 0.9975
    ['glove manhattan', 0.99], // 0.9975
    ['glove dot', 0.99], // 0.9975
  ] as [string, number][])('%s: the stored rows reach recall@10 >= %s against brute force, in order, with index.distance', (name, floor) => {
    const { index, data, d, metric } = built[name];
    expect(readHeaderFields(index.toBytes().subarray(0, HEADER_BYTES)).sectionParams[PARAM_NEAREST_COUNT]).toBe(NEAREST_STORED);
    const all = index.searchAll(K);
    expect(recall(all, metric, data, d, 20)).toBeGreaterThanOrEqual(floor);
    checkRows(index, all);
  });

  it('each row is the file\'s stored ids ordered by (index.distance, id), k of them', () => {
    const { index } = built['glove angular'];
    const stored = storedRows(index.toBytes());
    expect(stored.every((r) => r.length === NEAREST_STORED)).toBe(true);
    for (const k of [1, 4, NEAREST_STORED]) {
      const all = index.searchAll(k);
      for (let i = 0; i < index.size; i += 7) {
        const want = stored[i].map((j) => [index.distance(i, j), j]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, k);
        expect([...all.row(i).ids]).toEqual(want.map((w) => w[1]));
      }
    }
  });

  it('k past the stored count, or an explicit ef, runs the joins: full rows, in order, with index.distance', () => {
    const { index, data, d, metric } = built['glove angular'];
    const wide = index.searchAll(NEAREST_STORED + 5);
    expect(wide.counts.every((c) => c === NEAREST_STORED + 5)).toBe(true);
    checkRows(index, wide);
    const joins = index.searchAll(K, { ef: 16 });
    expect(recall(joins, metric, data, d, 20)).toBeGreaterThanOrEqual(0.97);
    checkRows(index, joins);
  });

  it('removals: no removed item in a row, full rows (those whose stored ids were removed walked again), still near', () => {
    const data = glove.vectors.subarray(0, 2000 * D);
    const index = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 3, graph: true }).addBatch(data).build();
    try {
      // item 0 loses 8 of its 10 stored neighbours: its row can only be full if it is walked again
      const gone = [...storedRows(index.toBytes())[0].slice(0, 8), 50, 51, 1999];
      index.remove(gone);
      const all = index.searchAll(K);
      const live = [...Array(2000).keys()].filter((i) => !gone.includes(i));
      for (const i of gone) expect(all.counts[i]).toBe(0);
      for (const i of live) {
        expect(all.counts[i]).toBe(K);
        for (const j of all.row(i).ids) expect(gone.includes(j)).toBe(false);
      }
      checkRows(index, all);
      const truth = bruteForce('angular', new Float32Array(live.flatMap((i) => [...data.subarray(i * D, (i + 1) * D)])), D, data.subarray(0, D), K + 1).map((r) => live[r]).filter((id) => id !== 0);
      expect(truth.slice(0, K).filter((id) => all.row(0).ids.includes(id)).length).toBeGreaterThanOrEqual(9);
    } finally { index.free(); }
  });

  it('a pool answers exactly as the Index, removals included, each row from the stored lists', async () => {
    // stored lists forged to be far from the nearest (ids i + 1 .. i + 10, a valid section): a row that came from
    // anything but them (a walk, the joins) shows
    const built = new IndexBuilder({ dimensions: D, metric: 'euclidean', seed: 3, graph: true }).addBatch(glove.vectors.subarray(0, 1500 * D)).build();
    const bytes = built.toBytes();
    built.free();
    const h = readHeaderFields(bytes.subarray(0, HEADER_BYTES));
    const at = sectionsFor(h).extra[SECTION.NEAREST].offset, bits = bitsFor(h.size), words = Math.ceil((NEAREST_STORED * bits) / 32);
    for (let i = 0; i < h.size; i++) {
      for (let t = 0; t < NEAREST_STORED; t++) {
        const v = (i + 1 + t) % h.size;
        for (let x = 0; x < bits; x++) {
          const p = 8 * (at + 4 * i * words) + t * bits + x;
          bytes[p >>> 3] = (bytes[p >>> 3] & ~(1 << (p & 7))) | ((Math.floor(v / 2 ** x) % 2) << (p & 7));
        }
      }
    }
    const index = Index.fromBytes(reseal(bytes));
    const stored = storedRows(bytes), gone = [5, 77, 1100, 1101, 1102, 1103, 1104, 1105, 1106, 1107];
    index.remove(gone);
    const pool = await IndexPool.open(index.toBytes(), { workers: 2 });
    try {
      for (const k of [3, K]) {
        const want = index.searchAll(k);
        const progress: number[] = [];
        const got = await pool.searchAll(k, { onProgress: (p) => progress.push(p.done) });
        expect(progress[progress.length - 1]).toBe(index.size);
        expect(got.counts).toEqual(want.counts);
        expect(got.ids).toEqual(want.ids);
        expect(got.distances).toEqual(want.distances);
        // every row whose stored ids are all still there is those ids re-ranked (no row was walked instead)
        for (let i = 0; i < index.size; i += 3) {
          if (gone.includes(i) || stored[i].some((j) => gone.includes(j))) continue;
          const ranked = stored[i].map((j) => [index.distance(i, j), j]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, k);
          expect([...got.row(i).ids]).toEqual(ranked.map((r) => r[1]));
        }
      }
    } finally {
      await pool.close();
      index.free();
    }
  });

  it('a graph file from before the section loads and answers searchAll by the joins', () => {
    const { index, data, d, metric } = built['glove euclidean'];
    const old = Index.fromBytes(withoutNearest(index.toBytes()));
    try {
      expect(old.toBytes().length).toBeLessThan(index.toBytes().length);
      const all = old.searchAll(K);
      expect(all.ids).toEqual(old.searchAll(K, { ef: 12 }).ids); // the joins at their default width
      expect(all.counts.every((c) => c === K)).toBe(true);
      expect(recall(all, metric, data, d, 20)).toBeGreaterThanOrEqual(0.97);
      checkRows(old, all);
    } finally { old.free(); }
  });

  it('hamming and 784-d Fashion-MNIST graphs store none (their build ranks unlike the metric) and answer by the joins', () => {
    for (const metric of ['hamming', 'fashion'] as const) {
      const data = metric === 'hamming' ? glove.vectors.subarray(0, 500 * D).map((x) => (x > 0 ? 1 : 0)) : metric === 'fashion' ? fashion.vectors.subarray(0, 500 * 784) : glove.vectors.subarray(0, 500 * D);
      const index = new IndexBuilder({ dimensions: metric === 'fashion' ? 784 : D, metric: metric === 'fashion' ? 'euclidean' : metric, seed: 3, graph: true }).addBatch(data).build();
      expect(readHeaderFields(index.toBytes().subarray(0, HEADER_BYTES)).sectionParams[PARAM_NEAREST_COUNT]).toBe(0);
      const all = index.searchAll(K);
      expect(all.counts.every((c) => c === K)).toBe(true);
      expect(all.ids).toEqual(index.searchAll(K, { ef: 12 }).ids); // the joins at their default width
      index.free();
    }
  });

  it('a damaged section is refused, naming the item or value', () => {
    const bytes = built['glove angular'].index.toBytes();
    const h = readHeaderFields(bytes.subarray(0, HEADER_BYTES));
    const at = sectionsFor(h).extra[SECTION.NEAREST].offset, bits = bitsFor(h.size), words = Math.ceil((NEAREST_STORED * bits) / 32);
    const setId = (b: Uint8Array, item: number, t: number, v: number) => {
      for (let x = 0; x < bits; x++) {
        const p = 8 * (at + 4 * item * words) + t * bits + x;
        b[p >>> 3] = (b[p >>> 3] & ~(1 << (p & 7))) | ((Math.floor(v / 2 ** x) % 2) << (p & 7));
      }
    };
    const refused = (b: Uint8Array, message: RegExp) => {
      let error: unknown;
      try { Index.fromBytes(b).free(); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(AnnoyError);
      expect((error as AnnoyError).code).toBe('CORRUPT_INDEX');
      expect((error as AnnoyError).message).toMatch(message);
    };
    const damaged = (f: (b: Uint8Array) => void) => { const b = bytes.slice(); f(b); return reseal(b); };
    refused(damaged((b) => setId(b, 123, 4, 123)), /nearest neighbours of item 123 /); // itself
    refused(damaged((b) => setId(b, 124, 0, h.size)), /nearest neighbours of item 124 /); // past the items
    refused(damaged((b) => setId(b, 125, 6, storedRows(bytes)[125][2])), /nearest neighbours of item 125 /); // twice
    refused(damaged((b) => { setId(b, 126, 3, 2 ** bits - 1); }), /nearest neighbours of item 126 /); // an id after the end
    refused(damaged((b) => { b[at + 4 * h.size * words] = 1; }), new RegExp(`nearest neighbours of item ${h.size} `)); // the zero word
    refused(damaged((b) => new DataView(b.buffer).setUint32(H.SECTION_PARAMS + 4 * PARAM_NEAREST_COUNT, 65, true)), /65 nearest neighbours stored per item, more than 64/);
    refused(damaged((b) => new DataView(b.buffer).setUint32(H.SECTION_PARAMS + 4 * PARAM_NEAREST_COUNT, NEAREST_STORED + 1, true)), /optional section 5 is \d+ bytes long, expected \d+/);
    refused(damaged((b) => new DataView(b.buffer).setBigUint64(H.SECTIONS + 16 * SECTION.NEAREST + 8, 16n, true)), /optional section 5 is 16 bytes long/);
  });
});
