// The seeded loader fuzz (test/fuzz/engine.mjs) over both loaders: 12,000 damaged files per run, derived from valid
// annoy-wasm files (plain, int8- and pca-screened) and valid Annoy .ann files (ours written by toAnnoyBytes, and
// Annoy's own test file). Each must load and answer from valid structure with exact distances, or throw
// CORRUPT_INDEX / UNSUPPORTED_VERSION / CAPACITY; never a trap, a RangeError or memory sized by an unchecked field. Bases with a neighbour graph also get damage aimed at the graph section, bases storing float16, bfloat16 or int8 vectors damage to the storage parameters and records. A damaged file that keeps the clean file's structure (only screening parameters, the pca basis
// or the checksum changed) and loads must answer an exhaustive re-rank exactly as the clean file does. `npm run fuzz -- --seconds N` runs the same
// cases for longer; regression cases it found live in test/fixtures/fuzz/ and are replayed here.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { makeBases, runFuzz } from './fuzz/engine.mjs';
import { H, HEADER_BYTES, PARAM_KEY_BYTES, PARAM_NEAREST_COUNT, PARAM_REMOVED_COUNT, SECTION } from '../src/format/layout.js';
import { checksumOf } from './helpers.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const annoyTest = { name: 'annoy-test.tree', bytes: new Uint8Array(readFileSync(new URL('annoy/annoy-test.tree', fixtures))), dimensions: 10, metric: 'angular' };

describe('loader fuzz, both formats', () => {
  // Files with both a graph and removed items, and files storing float16, bfloat16 or int8 vectors, run on their own
  // below, so the 12,000 cases here stay as they were.
  const both = / graph \d+ removed$/;
  const stored = / storage$/;
  const compact = / compact trees( removed)?$/;
  const all = makeBases(lib, [annoyTest]);

  it('12,000 seeded damaged files: each loads and answers from valid structure, or is refused with a loader code', () => {
    const bases = { ...all, ours: all.ours.filter((b) => !both.test(b.name) && !stored.test(b.name) && !compact.test(b.name)) };
    // No wall-clock limit here (slowMs: Infinity): the machine's load decides times, not the code. A case that never
    // ends still fails (the test's timeout); `npm run fuzz` reports the slowest cases of a long run.
    const result = runFuzz(lib, { seed: 'annoy-wasm fuzz v1', cases: 12_000, bases, checksum: checksumOf, layout: { H, HEADER_BYTES, SECTION, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES }, slowMs: Infinity });
    for (const f of result.findings.slice(0, 5)) console.error(f.base, f.damage, f.error);
    expect(result.findings.map((f) => `${f.base}: ${f.damage}: ${f.error}`)).toEqual([]);
    expect(result.cases).toBe(12_000);
    expect(result.outcomes.CORRUPT_INDEX).toBeGreaterThan(5000);
    expect(result.outcomes.loaded).toBeGreaterThan(500);
    // the screened bases, pca ones included, are both refused and loaded (their basis damaged in place), and
    // loaded cases with the clean structure were compared with the clean file's answers
    const screened = Object.entries(result.byBase).filter(([name]) => / (int8|pca)( |$)/.test(name) && !name.includes(' storage'));
    expect(screened.filter(([name]) => / pca /.test(name)).length).toBeGreaterThanOrEqual(3);
    for (const [name, outcomes] of screened) {
      expect([name, outcomes.CORRUPT_INDEX > 50, outcomes.loaded > 20]).toEqual([name, true, true]);
    }
    expect(result.compared).toBeGreaterThan(200);
    // the bases with a neighbour graph, their graph damaged in place: both refused and loaded
    const graphs = Object.entries(result.byBase).filter(([name]) => / graph \d+$/.test(name));
    expect(graphs.length).toBeGreaterThanOrEqual(7);
    for (const [name, outcomes] of graphs) {
      expect([name, outcomes.CORRUPT_INDEX > 50, outcomes.loaded > 10]).toEqual([name, true, true]);
    }
    // files with removed items (their section damaged in place) are both refused and loaded (the seed's ~230 cases a
    // base leave 19-47 loaded: which damage lands on which base shifts whenever a base file's length changes, as the
    // pca bases' did when their trees moved to the components' space; > 10, as for the graph bases)
    const removed = Object.entries(result.byBase).filter(([name]) => name.endsWith(' removed'));
    expect(removed.length).toBeGreaterThanOrEqual(4);
    for (const [name, outcomes] of removed) expect([name, outcomes.CORRUPT_INDEX > 50, outcomes.loaded > 10]).toEqual([name, true, true]);
    // and the file with string keys, its keys section damaged in place
    expect(result.byBase['ours euclidean 80 keys'].CORRUPT_INDEX).toBeGreaterThan(100);
    expect(result.byBase['ours euclidean 80 keys'].loaded).toBeGreaterThan(5);
  });

  it('3,000 damaged files storing float16, bfloat16 or int8 vectors (storage parameters and records damaged too): each loads and answers from valid structure, or is refused', () => {
    const ours = all.ours.filter((b) => stored.test(b.name));
    expect(ours.length).toBe(6);
    const result = runFuzz(lib, { seed: 'annoy-wasm fuzz storage', cases: 3_000, bases: { ours, annoy: [] }, checksum: checksumOf, layout: { H, HEADER_BYTES, SECTION, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES }, slowMs: Infinity });
    for (const f of result.findings.slice(0, 5)) console.error(f.base, f.damage, f.error);
    expect(result.findings.map((f) => `${f.base}: ${f.damage}: ${f.error}`)).toEqual([]);
    for (const [name, outcomes] of Object.entries(result.byBase)) expect([name, outcomes.CORRUPT_INDEX > 200, outcomes.loaded > 30]).toEqual([name, true, true]);
    expect(result.compared).toBeGreaterThan(30);
  });

  it('3,000 damaged files with compact trees (parameters, split records, planes and the leaf stream damaged too): each loads and answers from valid structure, or is refused', () => {
    const ours = all.ours.filter((b) => compact.test(b.name));
    expect(ours.length).toBe(10);
    const result = runFuzz(lib, { seed: 'annoy-wasm fuzz compact', cases: 3_000, bases: { ours, annoy: [] }, checksum: checksumOf, layout: { H, HEADER_BYTES, SECTION, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES }, slowMs: Infinity });
    for (const f of result.findings.slice(0, 5)) console.error(f.base, f.damage, f.error);
    expect(result.findings.map((f) => `${f.base}: ${f.damage}: ${f.error}`)).toEqual([]);
    for (const [name, outcomes] of Object.entries(result.byBase)) expect([name, outcomes.CORRUPT_INDEX > 150, outcomes.loaded > 10]).toEqual([name, true, true]);
    expect(result.compared).toBeGreaterThan(10);
  });

  it('3,000 damaged files with both a graph and removed items: each loads and answers from valid structure, or is refused', () => {
    const ours = all.ours.filter((b) => both.test(b.name));
    expect(ours.length).toBeGreaterThanOrEqual(4);
    const result = runFuzz(lib, { seed: 'annoy-wasm fuzz graph removed', cases: 3_000, bases: { ours, annoy: [] }, checksum: checksumOf, layout: { H, HEADER_BYTES, SECTION, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES }, slowMs: Infinity });
    for (const f of result.findings.slice(0, 5)) console.error(f.base, f.damage, f.error);
    expect(result.findings.map((f) => `${f.base}: ${f.damage}: ${f.error}`)).toEqual([]);
    for (const [name, outcomes] of Object.entries(result.byBase)) expect([name, outcomes.CORRUPT_INDEX > 200, outcomes.loaded > 50]).toEqual([name, true, true]);
    expect(result.compared).toBeGreaterThan(50);
  });

  it('3,000 damaged files with the build\'s stored nearest neighbours (rows, count and length damaged too): each loads and answers searchAll from valid structure, or is refused', () => {
    const ours = all.ours.filter((b) => b.graph > 0 && new DataView(b.bytes.buffer, b.bytes.byteOffset).getUint32(H.SECTION_PARAMS + 4 * PARAM_NEAREST_COUNT, true) > 0);
    expect(ours.length).toBeGreaterThanOrEqual(4);
    const result = runFuzz(lib, { seed: 'annoy-wasm fuzz nearest', cases: 3_000, bases: { ours, annoy: [] }, checksum: checksumOf, layout: { H, HEADER_BYTES, SECTION, PARAM_REMOVED_COUNT, PARAM_KEY_BYTES, PARAM_NEAREST_COUNT }, slowMs: Infinity, nearest: true });
    for (const f of result.findings.slice(0, 5)) console.error(f.base, f.damage, f.error);
    expect(result.findings.map((f) => `${f.base}: ${f.damage}: ${f.error}`)).toEqual([]);
    for (const [name, outcomes] of Object.entries(result.byBase)) expect([name, outcomes.CORRUPT_INDEX > 100, outcomes.loaded > 20]).toEqual([name, true, true]);
  });

  it('replays the regression corpus (test/fixtures/fuzz/): each case is refused as its file says', () => {
    // Cases the engine found (see the folder's README); `npm run fuzz` adds what a long run finds. The folder must
    // hold them: an empty or missing corpus is a failure, not zero iterations.
    const names = readdirSync(new URL('fuzz/', fixtures)).filter((n) => n.endsWith('.json')).sort();
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) {
      const c = JSON.parse(readFileSync(new URL(`fuzz/${name}`, fixtures), 'utf8'));
      const bytes = new Uint8Array(Buffer.from(c.base64, 'base64'));
      let outcome = 'loaded';
      try {
        const index = lib.Index.fromBytes(bytes, c.options);
        // a case decided "loaded" must answer with real distances
        const hits = index.search(Array.from({ length: index.dimensions }, (_, i) => (index.metric === 'hamming' ? i % 2 : 1 - i / index.dimensions)), 5, { searchK: 1e6 });
        for (const d of hits.distances) expect([name, Number.isFinite(d)]).toEqual([name, true]);
      } catch (e) {
        if (!(e instanceof lib.AnnoyError)) throw e;
        outcome = e.code;
      }
      expect([name, outcome]).toEqual([name, c.expect]);
    }
  });
});
