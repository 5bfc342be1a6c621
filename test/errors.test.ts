// Every error code of API.md, each thrown as an AnnoyError naming the offending value; and bad input loses nothing.
import { describe, expect, it, vi } from 'vitest';
import { AnnoyError, Index, IndexBuilder, IndexPool, init, type AnnoyErrorCode } from '../src/index.js';

function expectError(fn: () => unknown, code: AnnoyErrorCode, mentions?: string | RegExp): AnnoyError {
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  expect(caught, 'expected a throw').toBeInstanceOf(AnnoyError);
  const err = caught as AnnoyError;
  expect(err.code).toBe(code);
  if (mentions) expect(err.message).toMatch(mentions);
  return err;
}

const small = () => {
  const b = new IndexBuilder({ dimensions: 3, metric: 'euclidean', seed: 1 });
  for (let i = 0; i < 20; i++) b.add(i, [i, i % 3, -i]);
  return b;
};

describe('INVALID_ARGUMENT', () => {
  it('unknown metric, bad dimensions, bad seed, unknown option', () => {
    expectError(() => new IndexBuilder({ dimensions: 3, metric: 'cosine' as never }), 'INVALID_ARGUMENT', /"cosine"/);
    expectError(() => new IndexBuilder({ dimensions: 0, metric: 'angular' }), 'INVALID_ARGUMENT', /dimensions 0/);
    expectError(() => new IndexBuilder({ dimensions: 2.5, metric: 'angular' }), 'INVALID_ARGUMENT', /2\.5/);
    expectError(() => new IndexBuilder({ dimensions: 3, metric: 'angular', seed: -1 }), 'INVALID_ARGUMENT', /seed -1/);
    expectError(() => new IndexBuilder({ dimensions: 3, metric: 'angular', dims: 3 } as never), 'INVALID_ARGUMENT', /"dims"/);
  });
  it('bad k, searchK, trees, options', () => {
    const index = small().build({ trees: 2 });
    expectError(() => index.search([1, 2, 3], 0), 'INVALID_ARGUMENT', /k 0/);
    expectError(() => index.search([1, 2, 3], 1.5), 'INVALID_ARGUMENT', /k 1\.5/);
    expectError(() => index.search([1, 2, 3], '3' as never), 'INVALID_ARGUMENT', /k "3"/);
    expectError(() => index.search([1, 2, 3], 3, { searchK: 0 }), 'INVALID_ARGUMENT', /searchK 0/);
    expectError(() => index.search([1, 2, 3], 3, { search_k: 10 } as never), 'INVALID_ARGUMENT', /"search_k"/);
    expectError(() => small().build({ trees: 0 }), 'INVALID_ARGUMENT', /trees 0/);
    expectError(() => small().build({ trees: 2, onProgress: 5 as never }), 'INVALID_ARGUMENT', /onProgress/);
  });
  it('non-numbers in vectors, hamming values other than 0/1', () => {
    expectError(() => small().add(1, [1, 'x', 3] as never), 'INVALID_ARGUMENT', /vector\[1\] is "x"/);
    const h = new IndexBuilder({ dimensions: 4, metric: 'hamming' });
    expectError(() => h.add(0, [0, 1, 0.5, 1]), 'INVALID_ARGUMENT', /vector\[2\] is 0\.5/);
  });
  it('Annoy files need their dimensions and metric; a file that does not fit them says what to check', () => {
    expectError(() => Index.fromBytes(new Uint8Array(24), { format: 'annoy', metric: 'angular' }), 'INVALID_ARGUMENT', /dimensions/);
    expectError(() => Index.fromBytes(new Uint8Array(24), { format: 'annoy', dimensions: 3 }), 'INVALID_ARGUMENT', /metric/);
    expectError(() => Index.fromBytes(new Uint8Array(24), { format: 'annoy', dimensions: 3, metric: 'cosine' as never }), 'INVALID_ARGUMENT', /"cosine"/);
    expectError(() => Index.fromBytes(new Uint8Array(24), { format: 'ann' as never }), 'INVALID_ARGUMENT', /"ann"/);
    expectError(() => Index.fromBytes(new Uint8Array(16), { format: 'annoy', dimensions: 3, metric: 'angular' }), 'CORRUPT_INDEX', /16 bytes .*24-byte nodes.*check dimensions and metric/);
  });
});

describe('INVALID_ARGUMENT for sizes that do not fit', () => {
  it('a huge k in a batch is INVALID_ARGUMENT (Index and IndexPool), not a RangeError', async () => {
    const index = new IndexBuilder({ dimensions: 2, metric: 'angular' }).add(0, [1, 2]).build();
    expect(() => index.searchBatch([1, 2, 3, 4], 2 ** 40)).toThrow(/lower k or split the batch/);
    const pool = await IndexPool.open(index.toBytes(), { workers: 1 });
    try {
      await expect(pool.searchBatch([1, 2], 2 ** 40)).rejects.toThrow(/lower k/);
    } finally {
      await pool.close();
    }
    await expect(IndexPool.open(index.toBytes(), { workers: 1, dimensions: 2 })).rejects.toThrow(/format 'annoy'/);
  });
});

describe('DIMENSION_MISMATCH and NOT_FINITE', () => {
  it('wrong lengths', () => {
    const b = small();
    expectError(() => b.add(30, [1, 2]), 'DIMENSION_MISMATCH', /length 2, expected 3/);
    expectError(() => b.addBatch(new Float32Array(7)), 'DIMENSION_MISMATCH', /length 7/);
    const index = b.build({ trees: 1 });
    expectError(() => index.search(new Float32Array(4), 1), 'DIMENSION_MISMATCH', /length 4/);
    expectError(() => index.searchBatch(new Float32Array(5), 1), 'DIMENSION_MISMATCH', /length 5/);
  });
  it('NaN, Infinity, overflow', () => {
    const b = small();
    expectError(() => b.add(30, [1, NaN, 3]), 'NOT_FINITE', /vector\[1\] is NaN/);
    expectError(() => b.add(30, [Infinity, 0, 3]), 'NOT_FINITE', /Infinity/);
    expectError(() => b.add(30, [1e39, 0, 0]), 'NOT_FINITE', /1e\+39/);
    expectError(() => b.add(30, [3e19, 3e19, 0]), 'NOT_FINITE', /overflows/);
    const batch = new Float32Array(9).fill(1);
    batch[7] = -Infinity;
    expectError(() => b.addBatch(batch), 'NOT_FINITE', /row 2, vector\[1\]/);
    const index = b.build({ trees: 1 });
    expectError(() => index.search([0, NaN, 0], 1), 'NOT_FINITE');
  });
  it('a bad row in a batch adds nothing', () => {
    const b = small();
    const batch = new Float32Array([1, 1, 1, 2, 2, NaN]);
    expect(() => b.addBatch(batch)).toThrow(AnnoyError);
    expect(b.size).toBe(20);
    expect(b.count).toBe(20);
    expect(b.build({ trees: 1 }).size).toBe(20);
  });
});

describe('INVALID_ID', () => {
  it('ids that are not integers in [0, 2^31 - 1)', () => {
    const b = small();
    for (const id of [-1, 1.5, 2 ** 31 - 1, NaN, '3']) expectError(() => b.add(id as number, [1, 2, 3]), 'INVALID_ID', String(id === '3' ? '"3"' : id));
    expectError(() => b.addBatch(new Float32Array(6), [1, -2]), 'INVALID_ID', /ids\[1\] -2/);
  });
  it('out of range and holes', () => {
    const b = new IndexBuilder({ dimensions: 2, metric: 'angular' });
    b.add(0, [1, 0]).add(5, [0, 1]);
    const index = b.build({ trees: 2 });
    expect(index.size).toBe(6);
    expectError(() => index.getItem(6), 'INVALID_ID', /id 6 is out of range/);
    expectError(() => index.getItem(3), 'INVALID_ID', /id 3 is a hole/);
    expectError(() => index.searchItem(2, 1), 'INVALID_ID', /hole/);
    expectError(() => index.distance(0, 4), 'INVALID_ID', /id 4/);
  });
});

describe('INVALID_STATE, CAPACITY, CLOSED', () => {
  it('a builder builds once', () => {
    const b = small();
    b.build({ trees: 1 });
    expectError(() => b.add(1, [1, 2, 3]), 'INVALID_STATE', /already built/);
    expectError(() => b.build(), 'INVALID_STATE');
  });
  it('CAPACITY names the size that does not fit', () => {
    const b = new IndexBuilder({ dimensions: 1000, metric: 'euclidean' });
    const err = expectError(() => b.add(2 ** 31 - 2, new Float32Array(1000)), 'CAPACITY', /GiB/);
    expect(err.message).toMatch(/2147483647 item slots/);
    // nothing was lost: the builder still works
    b.add(0, new Float32Array(1000).fill(1));
    expect(b.build({ trees: 1 }).size).toBe(1);
  });
  it('every call after free() throws CLOSED', () => {
    const index = small().build({ trees: 2 });
    index.free();
    expect(index.closed).toBe(true);
    for (const call of [
      () => index.search([1, 2, 3], 1), () => index.searchItem(0, 1), () => index.searchBatch([1, 2, 3], 1),
      () => index.getItem(0), () => index.distance(0, 1), () => index.toBytes(), () => index.saveSync('/tmp/x'),
    ]) expectError(call, 'CLOSED', /freed/);
    const disposed = small().build({ trees: 1 });
    disposed[Symbol.dispose]();
    expectError(() => disposed.search([1, 2, 3], 1), 'CLOSED');
  });
});

describe('CORRUPT_INDEX and UNSUPPORTED_VERSION', () => {
  const bytes = small().build({ trees: 3 }).toBytes();
  it('bad magic, truncation, trailing bytes', () => {
    const bad = bytes.slice();
    bad[0] ^= 1;
    expectError(() => Index.fromBytes(bad), 'CORRUPT_INDEX', /bad magic/);
    expectError(() => Index.fromBytes(bytes.subarray(0, 100)), 'CORRUPT_INDEX', /100 bytes/);
    expectError(() => Index.fromBytes(bytes.subarray(0, bytes.length - 16)), 'CORRUPT_INDEX', /truncated/);
    const longer = new Uint8Array(bytes.length + 16);
    longer.set(bytes);
    expectError(() => Index.fromBytes(longer), 'CORRUPT_INDEX', /trailing/);
  });
  it('a flipped bit in the body fails the checksum', () => {
    const bad = bytes.slice();
    bad[bytes.length - 40] ^= 0x10;
    expectError(() => Index.fromBytes(bad), 'CORRUPT_INDEX', /checksum/);
  });
  it('a newer format version', () => {
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(8, 3, true);
    expectError(() => Index.fromBytes(bad), 'UNSUPPORTED_VERSION', /version 3/);
  });
  it('not bytes at all', () => {
    expectError(() => Index.fromBytes('hello' as never), 'INVALID_ARGUMENT', /"hello"/);
  });
});

describe('an engine without WebAssembly SIMD', () => {
  it('is told so by name (INVALID_STATE), not with a compile error', async () => {
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      const err = await init().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AnnoyError);
      expect([(err as AnnoyError).code, (err as AnnoyError).message]).toEqual(['INVALID_STATE', expect.stringMatching(/no WebAssembly SIMD \(128-bit\)/)]);
    } finally {
      validate.mockRestore();
    }
    await init(); // and an engine with it goes on as before
  });
});
