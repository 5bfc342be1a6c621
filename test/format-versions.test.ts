// The file format evolves by versions: this library writes FORMAT_VERSION (2: the header ends in a table of
// optional sections) and still loads every older file as it was written, answering as the version that wrote it.
// test/fixtures/v1/ holds files written by format version 1, with the answers that version gave.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnnoyError, Index, IndexBuilder } from '../src/index.js';
import { FORMAT_VERSION, H, HEADER_BYTES, HEADER_V1_BYTES, SECTION } from '../src/format/layout.js';
import { checksumOf } from './helpers.js';

const v1 = new URL('./fixtures/v1/', import.meta.url);
const cases = readdirSync(v1).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AnnoyError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'loaded';
}

describe('file format versions', () => {
  it('has version 1 fixtures of every metric and both screening kinds', () => {
    expect(cases.sort()).toEqual(['angular-int8', 'angular-none', 'dot-none', 'euclidean-none', 'euclidean-pca', 'hamming-none', 'manhattan-none']);
  });

  for (const name of cases) {
    it(`a version 1 file (${name}) loads, keeps its bytes and checksum, and answers as version 1 did`, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(`${name}.annoy`, v1)));
      const expected = JSON.parse(readFileSync(new URL(`${name}.json`, v1), 'utf8'));
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(H.VERSION, true)).toBe(1);
      for (const index of [Index.fromBytes(bytes), Index.openSync(fileURLPath(name)), await Index.open(fileURLPath(name))]) {
        expect([index.metric, index.dimensions, index.screening, index.checksum]).toEqual([expected.metric, expected.dimensions, expected.screening, expected.checksum]);
        expect(index.toBytes()).toEqual(bytes); // the file is the memory image: nothing is rewritten on load
        expected.queries.forEach((q: number[], i: number) => {
          const r = index.search(q, 10);
          expect([...r.ids]).toEqual(expected.answers[i].ids);
          expect([...r.distances]).toEqual(expected.answers[i].distances);
        });
        index.free();
      }
    });
  }

  it('an empty version 1 index (a header alone) loads', () => {
    const bytes = new Uint8Array(readFileSync(new URL('empty.annoy', v1)));
    expect(bytes.length).toBe(HEADER_V1_BYTES);
    const index = Index.fromBytes(bytes);
    expect([index.count, index.trees, index.search(new Array(12).fill(1), 3).ids.length]).toEqual([0, 0, 0]);
  });

  it('a version 1 file gains screening and stays a version 1 file that loads', () => {
    const index = Index.fromBytes(new Uint8Array(readFileSync(new URL('euclidean-none.annoy', v1))));
    const screened = index.withScreening({ screening: 'int8' });
    const bytes = screened.toBytes();
    expect(new DataView(bytes.buffer).getUint32(H.VERSION, true)).toBe(1);
    const again = Index.fromBytes(bytes);
    const q = new Array(12).fill(0.25);
    expect([...again.search(q, 10, { rerank: -1 }).ids]).toEqual([...index.search(q, 10).ids]);
  });

  it('builds write the current version, with its section table', () => {
    const b = new IndexBuilder({ dimensions: 4, metric: 'euclidean', seed: 1 });
    for (let i = 0; i < 50; i++) b.add(i, [i, i % 7, i % 3, 1]);
    const bytes = b.build({ trees: 2 }).toBytes();
    const dv = new DataView(bytes.buffer);
    expect([FORMAT_VERSION, HEADER_BYTES]).toEqual([2, 320]);
    expect(dv.getUint32(H.VERSION, true)).toBe(FORMAT_VERSION);
    expect(Number(dv.getBigUint64(H.VECTORS_OFFSET, true))).toBe(HEADER_BYTES);
    // no optional section yet: each one empty, at the codes section's offset (the next section's start)
    const codes = dv.getBigUint64(H.CODES_OFFSET, true);
    for (let k = 0; k < SECTION.SLOTS; k++) {
      expect([k, dv.getBigUint64(H.SECTIONS + 16 * k, true), dv.getBigUint64(H.SECTIONS + 16 * k + 8, true)]).toEqual([k, codes, 0n]);
    }
  });

  it('a section table that disagrees with the file is refused, even with a valid checksum', () => {
    const b = new IndexBuilder({ dimensions: 4, metric: 'angular', seed: 1 });
    for (let i = 0; i < 30; i++) b.add(i, [1, i, -i, 2]);
    const clean = b.build({ trees: 2 }).toBytes();
    const damaged = (edit: (dv: DataView) => void) => {
      const bytes = clean.slice();
      edit(new DataView(bytes.buffer));
      new DataView(bytes.buffer).setBigUint64(H.CHECKSUM, checksumOf(bytes), true);
      return refusal(() => Index.fromBytes(bytes));
    };
    expect(damaged(() => {})).toBe('loaded');
    expect(damaged((dv) => dv.setBigUint64(H.SECTIONS + 8, 16n, true))).toMatch(/^CORRUPT_INDEX: .*optional section 0 is 16 bytes long, expected 0/);
    expect(damaged((dv) => dv.setBigUint64(H.SECTIONS + 16 * 3, 0n, true))).toMatch(/^CORRUPT_INDEX: .*section 3 offset/);
    expect(damaged((dv) => dv.setUint32(H.SECTION_PARAMS + 4, 5, true))).toMatch(/^CORRUPT_INDEX: .*parameter 1/);
    expect(damaged((dv) => dv.setUint32(H.VERSION, FORMAT_VERSION + 1, true))).toMatch(/^UNSUPPORTED_VERSION/);
    // cut inside the section table: shorter than a version 2 header
    expect(refusal(() => Index.fromBytes(clean.slice(0, HEADER_V1_BYTES + 16)))).toMatch(/^CORRUPT_INDEX: .*header/);
  });
});

function fileURLPath(name: string): string {
  return new URL(`${name}.annoy`, v1).pathname;
}
