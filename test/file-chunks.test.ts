// Loading a file reads it into wasm memory in chunks of CHUNK_BYTES (64 MiB: src/runtime/node-fs.ts). No test file
// is that large, so here the chunk is 4 KiB (the module is mocked for this file only): a file of many chunks must
// load whole, in as many reads as it has chunks, by openSync and open alike, and a file that shrinks while it is
// read is CORRUPT_INDEX, never an index answering from the zeros that were not read.
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Index, IndexBuilder } from '../src/index.js';
import { HEADER_BYTES } from '../src/format/layout.js';

const CHUNK = 4096;
vi.mock('../src/runtime/node-fs.js', async (importOriginal) => ({ ...(await importOriginal<object>()), CHUNK_BYTES: 4096 }));

const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { vi.restoreAllMocks(); });

const rng = seedrandom('chunks');
const index = new IndexBuilder({ dimensions: 32, metric: 'euclidean', seed: 3 })
  .addBatch(Float32Array.from({ length: 3000 * 32 }, () => rng() - 0.5)).build({ trees: 4 });
const path = join(dir, 'many-chunks.annoy');
index.saveSync(path);
const query = Array.from({ length: 32 }, (_, i) => Math.sin(i));

describe('a file larger than one read chunk', () => {
  it('openSync reads it whole, one chunk per read after the header', () => {
    const reads = vi.spyOn(fs, 'readSync');
    const loaded = Index.openSync(path);
    const bodyReads = reads.mock.calls.slice(1); // the first read is the header's
    expect([reads.mock.calls[0][3], reads.mock.calls[0][4]]).toEqual([HEADER_BYTES, 0]);
    expect(index.byteLength).toBeGreaterThan(20 * CHUNK);
    expect(bodyReads.length).toBe(Math.ceil(index.byteLength / CHUNK));
    expect(Math.max(...bodyReads.map((c) => c[3] as number))).toBe(CHUNK);
    expect(Buffer.from(loaded.toBytes()).equals(Buffer.from(index.toBytes()))).toBe(true);
    expect(loaded.search(query, 10)).toEqual(index.search(query, 10));
  });

  it('open reads it whole too', async () => {
    const open = fs.promises.open;
    let reads = 0;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof open>) => {
      const handle = await open(...args);
      const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<{ bytesRead: number }>;
      (handle as unknown as { read: unknown }).read = (...a: unknown[]) => { reads++; return read(...a); };
      return handle;
    });
    const loaded = await Index.open(path);
    expect(reads).toBe(1 + Math.ceil(index.byteLength / CHUNK)); // the header, then the chunks
    expect(Buffer.from(loaded.toBytes()).equals(Buffer.from(index.toBytes()))).toBe(true);
  });

  it('a file that shrinks while it is read is CORRUPT_INDEX', () => {
    const readSync = fs.readSync;
    let calls = 0;
    vi.spyOn(fs, 'readSync').mockImplementation((...args: Parameters<typeof readSync>) => (++calls > 3 ? 0 : readSync(...args)));
    expect(() => Index.openSync(path)).toThrow(expect.objectContaining({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/shrank while it was read/) }));
  });
});
