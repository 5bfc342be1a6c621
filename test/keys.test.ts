// String keys (IndexBuilder keys: true): ids numbered by first appearance, idOf/keyOf both ways, searchItem by key,
// results carrying keys; kept through toBytes/save and a load (a checked file section), with removals, and in a
// pool; damaged key sections refused by the loader.
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { AnnoyError, Index, IndexBuilder, IndexPool } from '../src/index.js';
import { H, PARAM_KEY_BYTES, SECTION } from '../src/format/layout.js';
import { gloveSample, reseal } from './helpers.js';

const glove = gloveSample();
const D = 100, N = 1500;
const row = (i: number) => glove.vectors.subarray(i * D, (i + 1) * D);
// keys of every kind: ASCII, accents, CJK, an emoji (a code point past U+FFFF), prefixes of each other
const keyOf = (i: number) => (i % 4 === 0 ? `spotify:track:${glove.words[i]}` : i % 4 === 1 ? `é-${glove.words[i]}-ü` : i % 4 === 2 ? `曲${i}` : `🎵${i}`);
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as AnnoyError).code; } return 'none'; };

function build(): Index {
  const b = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 2, keys: true });
  for (let i = 0; i < 1000; i++) b.add(keyOf(i), row(i));
  const flat = glove.vectors.slice(1000 * D, N * D);
  b.addBatch(flat, Array.from({ length: N - 1000 }, (_, r) => keyOf(1000 + r)));
  b.add(keyOf(7), row(7)); // again: the same id
  expect([b.size, b.count]).toEqual([N, N]);
  return b.build({ trees: 10 });
}

describe('string keys', () => {
  const index = build();

  it('maps keys and ids both ways, by first appearance; results carry keys', () => {
    expect(index.hasKeys).toBe(true);
    for (let i = 0; i < N; i += 37) {
      expect(index.idOf(keyOf(i))).toBe(i);
      expect(index.keyOf(i)).toBe(keyOf(i));
    }
    const hit = index.searchItem(keyOf(12), 10);
    expect(hit.ids[0]).toBe(12);
    expect(hit.keys).toEqual([...hit.ids].map(keyOf));
    expect(index.search(row(3), 5).keys).toEqual([...index.search(row(3), 5).ids].map(keyOf));
    const batch = index.searchBatch(glove.queries.subarray(0, 3 * D), 4);
    for (let r = 0; r < 3; r++) expect(batch.row(r).keys).toEqual([...batch.row(r).ids].map(keyOf));
    expect(code(() => index.idOf('spotify:track:nope'))).toBe('INVALID_ID');
    expect(() => index.searchItem('spotify:track:nope', 3)).toThrow(/spotify:track:nope/);
    expect(index.idOf('曲2')).toBe(2);
    expect(code(() => index.idOf('曲'))).toBe('INVALID_ID'); // a prefix of a key is not a key
  });

  it('are saved in the file and loaded back, with removals, and answer in a pool', async () => {
    const bytes = index.toBytes();
    const loaded = Index.fromBytes(bytes);
    for (let i = 0; i < N; i += 11) expect([loaded.idOf(keyOf(i)), loaded.keyOf(i)]).toEqual([i, keyOf(i)]);
    loaded.remove([loaded.idOf(keyOf(5))]);
    expect(code(() => loaded.idOf(keyOf(5)))).toBe('INVALID_ID');
    const again = Index.fromBytes(loaded.toBytes());
    expect(again.idOf(keyOf(6))).toBe(6);
    expect(code(() => again.searchItem(keyOf(5), 3))).toBe('INVALID_ID');
    const pool = await IndexPool.open(bytes, { workers: 2 });
    try {
      const got = await pool.searchItem(keyOf(40), 5);
      expect(got).toEqual(index.searchItem(keyOf(40), 5));
      expect((await pool.search(row(9), 5)).keys).toEqual(index.search(row(9), 5).keys);
      expect(pool.idOf(keyOf(41))).toBe(41);
      expect(pool.keyOf(41)).toBe(keyOf(41));
    } finally {
      await pool.close();
    }
  });

  it('refuses numbers on a keys builder and keys on an id builder, empty keys and lone surrogates', () => {
    const b = new IndexBuilder({ dimensions: 2, metric: 'euclidean', keys: true });
    expect(code(() => b.add(3 as never, [1, 2]))).toBe('INVALID_ARGUMENT');
    expect(code(() => b.add('', [1, 2]))).toBe('INVALID_ARGUMENT');
    expect(code(() => b.add('\uD800x', [1, 2]))).toBe('INVALID_ARGUMENT');
    expect(code(() => b.addBatch([1, 2, 3, 4], ['a']))).toBe('INVALID_ARGUMENT');
    expect(b.count).toBe(0);
    const plain = new IndexBuilder({ dimensions: 2, metric: 'euclidean' });
    expect(code(() => plain.add('a' as never, [1, 2]))).toBe('INVALID_ID');
    const noKeys = plain.add(0, [1, 2]).build();
    expect(noKeys.hasKeys).toBe(false);
    expect(noKeys.search([1, 2], 1).keys).toBeUndefined();
    expect(code(() => noKeys.idOf('a'))).toBe('INVALID_ID');
  });

  it('the loader refuses keys out of order, repeated, not UTF-8, or offsets that disagree (CORRUPT_INDEX)', () => {
    const good = index.toBytes();
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset);
    const at = Number(dv(good).getBigUint64(H.SECTIONS + 16 * SECTION.KEYS, true));
    const orderAt = at + Math.ceil(4 * (N + 1) / 16) * 16;
    const rankAt = orderAt + Math.ceil(4 * N / 16) * 16;
    const bytesAt = rankAt + Math.ceil(4 * N / 16) * 16;
    const rng = seedrandom('keys-damage');
    const damaged: [string, (b: Uint8Array) => void][] = [
      ['two order entries swapped', (b) => { const x = dv(b).getUint32(orderAt + 40, true); dv(b).setUint32(orderAt + 40, dv(b).getUint32(orderAt + 44, true), true); dv(b).setUint32(orderAt + 44, x, true); }],
      ['an order entry repeated', (b) => dv(b).setUint32(orderAt + 8, dv(b).getUint32(orderAt + 4, true), true)],
      ['a key byte not UTF-8', (b) => { b[bytesAt + 1] = 0xFF; }],
      ['an offset past the bytes', (b) => dv(b).setUint32(at + 4 * 10, 0xFFFFFF, true)],
      ['offsets out of order', (b) => dv(b).setUint32(at + 4 * 10, dv(b).getUint32(at + 4 * 12, true), true)],
      ['the key bytes parameter', (b) => dv(b).setUint32(H.SECTION_PARAMS + 4 * PARAM_KEY_BYTES, dv(b).getUint32(H.SECTION_PARAMS + 4 * PARAM_KEY_BYTES, true) + 16, true)],
      ['a rank that is not its id\'s', (b) => dv(b).setUint32(rankAt + 4 * 9, dv(b).getUint32(rankAt + 4 * 10, true), true)],
      ['a random order id', (b) => dv(b).setUint32(orderAt + 4 * Math.floor(rng() * N), Math.floor(rng() * 2 * N), true)],
    ];
    for (const [what, harm] of damaged) {
      const bad = good.slice();
      harm(bad);
      expect([what, code(() => Index.fromBytes(reseal(bad)))]).toEqual([what, 'CORRUPT_INDEX']);
    }
    expect(Index.fromBytes(good).idOf(keyOf(3))).toBe(3);
  });
});
