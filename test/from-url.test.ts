// Index.fromURL over real HTTP on loopback: the body streams into wasm memory with progress, whether or not the
// length is known up front; truncated, padded, damaged and refused downloads fail with the right code; aborts work.
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnoyError, Index, IndexBuilder, IndexPool, init, type LoadProgress } from '../src/index.js';
import { gloveSample } from './helpers.js';
import { HEADER_BYTES, readHeader, writeHeader } from '../src/format/layout.js';

const { vectors, queries } = gloveSample();
const builder = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 7 });
builder.addBatch(vectors.subarray(0, 3000 * 100));
const index = builder.build({ trees: 4 });
const file = index.toBytes();
const annoyFile = index.toAnnoyBytes();
const stored = index.withStorage('int8');
const storedFile = stored.toBytes();
const compact = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 7, treeEncoding: 'compact' }).addBatch(vectors.subarray(0, 3000 * 100)).build({ trees: 4 });
const compactFile = compact.toBytes();

/** Each route: how to answer. Bodies go out in uneven pieces, the first one shorter than the header. */
type Route = { body: Uint8Array; length?: number | 'none'; status?: number; encoding?: string; stopAfter?: number };
const routes: Record<string, Route> = {
  '/known.annoy': { body: file },
  '/chunked.annoy': { body: file, length: 'none' },
  '/int8.annoy': { body: storedFile },
  '/compact.annoy': { body: compactFile },
  '/gzip.annoy': { body: gzipSync(file), encoding: 'gzip' },
  '/index.ann': { body: annoyFile, length: 'none' },
  '/short-file.annoy': { body: file.subarray(0, file.length - 1000) },
  '/short-chunked.annoy': { body: file.subarray(0, file.length - 1000), length: 'none' },
  '/tiny.annoy': { body: file.subarray(0, 50), length: 'none' },
  '/trailing.annoy': { body: concat(file, new Uint8Array(64)), length: 'none' },
  '/trailing-known.annoy': { body: concat(file, new Uint8Array(64)) },
  '/damaged.annoy': { body: flip(file, file.length >> 1) },
  '/cut.annoy': { body: file, length: file.length, stopAfter: file.length >> 1 },
  '/html': { body: new TextEncoder().encode('<!doctype html><title>not here</title>'.padEnd(400)) },
  '/missing': { body: new TextEncoder().encode('not found'), status: 404 },
  '/broken': { body: new TextEncoder().encode('oops'), status: 500 },
  // A header that claims ~3.9 GiB of vectors, then 1 KiB: nothing must be allocated on its word.
  '/liar.annoy': { body: concat(liarHeader(), new Uint8Array(1024)), length: 'none' },
  '/slow.annoy': { body: file, stopAfter: 200_000 },
};

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] ^= 0x40;
  return out;
}
function liarHeader(): Uint8Array {
  const head = file.slice(0, HEADER_BYTES);
  const h = readHeader(head, file.length);
  writeHeader(head, { ...h, size: 10_000_000, count: 10_000_000 }); // x 400-byte stride: ~3.9 GiB of vectors
  return head;
}

let server: Server;
let base = '';
const sockets = new Set<import('node:net').Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes[req.url ?? ''];
    if (!route) { res.statusCode = 404; res.end(); return; }
    res.statusCode = route.status ?? 200;
    res.setHeader('content-type', 'application/octet-stream');
    // One connection per request: fetch may reuse a kept-alive socket just as a cut or aborted response before it
    // closes it, which comes back as ECONNRESET on the next, unrelated test.
    res.setHeader('connection', 'close');
    if (route.encoding) res.setHeader('content-encoding', route.encoding);
    if (route.length !== 'none') res.setHeader('content-length', route.length ?? route.body.length);
    const body = route.body;
    const end = route.stopAfter ?? body.length;
    const pieces = [0, 7, 100, 129, 5000];
    for (let at = 0; at < end; at += 65536) pieces.push(at);
    pieces.push(end);
    const cuts = [...new Set(pieces)].filter((p) => p <= end).sort((a, b) => a - b);
    let i = 0;
    const pump = () => {
      if (i + 1 >= cuts.length) {
        if (route.stopAfter !== undefined) { if (req.url !== '/slow.annoy') res.destroy(); return; } // cut mid-body, or hang
        res.end();
        return;
      }
      res.write(body.subarray(cuts[i], cuts[i + 1]));
      i++;
      setImmediate(pump);
    };
    pump();
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as import('node:net').AddressInfo;
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function code(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AnnoyError);
    return { code: (e as AnnoyError).code, message: (e as Error).message };
  }
  throw new Error('expected a rejection');
}

function expectSameAnswers(loaded: Index): void {
  expect(loaded.checksum).toBe(index.checksum);
  for (let q = 0; q < 20; q++) {
    const query = queries.subarray(q * 100, (q + 1) * 100);
    expect(loaded.search(query, 10, { searchK: 500 })).toEqual(index.search(query, 10, { searchK: 500 }));
  }
}

describe('Index.fromURL streams', () => {
  for (const [route, what] of [['/known.annoy', 'Content-Length known'], ['/chunked.annoy', 'no Content-Length'], ['/gzip.annoy', 'gzip (Content-Length of the encoded body)']]) {
    it(`${what}: same index, progress from the header's length to the end`, async () => {
      const seen: LoadProgress[] = [];
      const loaded = await Index.fromURL(`${base}${route}`, { onProgress: (p) => seen.push({ ...p }) });
      expectSameAnswers(loaded);
      expect(seen.length).toBeGreaterThan(5);
      expect(seen.every((p) => p.total === file.length)).toBe(true);
      expect(seen.every((p, i) => i === 0 || p.loaded >= seen[i - 1].loaded)).toBe(true);
      expect(seen.at(-1)).toEqual({ loaded: file.length, total: file.length });
      loaded.free();
    });
  }

  it('an Annoy .ann file, with progress', async () => {
    const seen: LoadProgress[] = [];
    const loaded = await Index.fromURL(new URL('/index.ann', base), { format: 'annoy', dimensions: 100, metric: 'angular', onProgress: (p) => seen.push(p) });
    const query = queries.subarray(0, 100);
    expect(loaded.search(query, 10, { searchK: 500 })).toEqual(Index.fromBytes(annoyFile, { format: 'annoy', dimensions: 100, metric: 'angular' }).search(query, 10, { searchK: 500 }));
    expect(seen.at(-1)).toEqual({ loaded: annoyFile.length, total: annoyFile.length });
  });

  it('IndexPool.open(url) streams into shared memory with progress', async () => {
    const seen: LoadProgress[] = [];
    const pool = await IndexPool.open(`${base}/chunked.annoy`, { workers: 1, onProgress: (p) => seen.push(p) });
    try {
      expect(pool.mode).toBe('shared');
      const query = queries.subarray(0, 100);
      expect(await pool.search(query, 10)).toEqual(index.search(query, 10));
      expect(seen.at(-1)).toEqual({ loaded: file.length, total: file.length });
    } finally {
      await pool.close();
    }
  });

  it('init() takes the wasm as a file: URL, bytes or a module, and refuses the wrong build', async () => {
    const plain = new URL('../build/annoy.wasm', import.meta.url), shared = new URL('../build/annoy-shared.wasm', import.meta.url);
    await init({ wasm: plain, sharedWasm: shared });
    expectSameAnswers(await Index.fromURL(`${base}/known.annoy`));
    const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(plain));
    await init({ wasm: bytes, sharedWasm: await WebAssembly.compile(await (await import('node:fs/promises')).readFile(shared)) });
    expect((await code(init({ wasm: shared }))).message).toMatch(/not the plain/);
    expect((await code(init({ sharedWasm: bytes }))).message).toMatch(/not the shared-memory/);
    expect((await code(init({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }))).message).toMatch(/not an annoy-wasm build/);
    expect((await code(init({ wasm: 42 as never }))).code).toBe('INVALID_ARGUMENT');
    expect((await code(init({ wasm: `${base}/missing` }))).message).toMatch(/HTTP 404/);
    expect((await code(init({ bogus: 1 } as never))).code).toBe('INVALID_ARGUMENT');
    await init(); // the embedded copies stay usable
  });
});

describe('Index.fromURL refuses', () => {
  it('HTTP errors and unreachable servers: FETCH_FAILED naming the status', async () => {
    expect(await code(Index.fromURL(`${base}/missing`))).toMatchObject({ code: 'FETCH_FAILED', message: expect.stringMatching(/HTTP 404/) });
    expect(await code(Index.fromURL(`${base}/broken`))).toMatchObject({ code: 'FETCH_FAILED', message: expect.stringMatching(/HTTP 500/) });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as import('node:net').AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect((await code(Index.fromURL(`http://127.0.0.1:${port}/x.annoy`))).code).toBe('FETCH_FAILED');
  });

  it('a connection cut mid-body: FETCH_FAILED', async () => {
    expect((await code(Index.fromURL(`${base}/cut.annoy`))).code).toBe('FETCH_FAILED');
  });

  it('truncated files: CORRUPT_INDEX, before any allocation when the length is known', async () => {
    expect(await code(Index.fromURL(`${base}/short-file.annoy`))).toMatchObject({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/truncated/) });
    expect(await code(Index.fromURL(`${base}/short-chunked.annoy`))).toMatchObject({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/ended after .* \(truncated\)/) });
    expect(await code(Index.fromURL(`${base}/tiny.annoy`))).toMatchObject({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/header/) });
  });

  it('trailing bytes, a damaged byte, or not an index at all: CORRUPT_INDEX', async () => {
    for (const route of ['/trailing.annoy', '/trailing-known.annoy']) {
      expect(await code(Index.fromURL(`${base}${route}`))).toMatchObject({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/trailing bytes/) });
    }
    expect(await code(Index.fromURL(`${base}/damaged.annoy`))).toMatchObject({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/checksum/) });
    expect(await code(Index.fromURL(`${base}/html`))).toMatchObject({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/bad magic/) });
  });

  it('a header claiming 3.9 GiB followed by 1 KiB: rejected after allocating no more than it received', async () => {
    // The wasm memory's own size, as the fuzz engine measures it: reserved memory a page never touched does not
    // show in RSS (a memory grown to 3.66 GiB moved RSS by 0.1 MiB), so RSS cannot see a reservation sized by the claim.
    const seen: LoadProgress[] = [];
    const grow = WebAssembly.Memory.prototype.grow;
    let largest = 0;
    WebAssembly.Memory.prototype.grow = function (delta: number) {
      const before = grow.call(this, delta);
      largest = Math.max(largest, (before + delta) * 65536);
      return before;
    };
    try {
      expect(await code(Index.fromURL(`${base}/liar.annoy`, { onProgress: (p) => seen.push(p) }))).toMatchObject({ code: 'CORRUPT_INDEX', message: expect.stringMatching(/truncated/) });
    } finally {
      WebAssembly.Memory.prototype.grow = grow;
    }
    expect(seen[0].total).toBeGreaterThan(3.5 * 2 ** 30);
    // what arrived (a header and 1 KiB), the module's own first pages and growth slack: under 2 MiB, not 3.9 GiB
    expect(largest).toBeLessThan(2 * 2 ** 20);
  });

  it('an abort mid-download rejects with the signal reason; bad options are INVALID_ARGUMENT', async () => {
    const controller = new AbortController();
    const p = Index.fromURL(`${base}/slow.annoy`, { signal: controller.signal, onProgress: (x) => { if (x.loaded > 100_000) controller.abort(new Error('user gave up')); } });
    await expect(p).rejects.toThrow('user gave up');
    expect((await code(Index.fromURL(`${base}/known.annoy`, { onProgress: 3 as never }))).code).toBe('INVALID_ARGUMENT');
    expect((await code(Index.fromURL(`${base}/known.annoy`, { dimensions: 3 }))).code).toBe('INVALID_ARGUMENT');
  });

  it('an exception in onProgress stops the download and comes back as it was thrown', async () => {
    await expect(Index.fromURL(`${base}/known.annoy`, { onProgress: () => { throw new Error('from the callback'); } })).rejects.toThrow('from the callback');
  });
});

describe('Index.fromURL, other storage and compact trees', () => {
  it('a file storing int8 vectors: the same index as its bytes', async () => {
    const loaded = await Index.fromURL(`${base}/int8.annoy`);
    expect(loaded.storage).toBe('int8');
    expect(loaded.toBytes()).toEqual(storedFile);
    for (let q = 0; q < 10; q++) {
      const query = queries.subarray(q * 100, (q + 1) * 100);
      expect(loaded.search(query, 10, { searchK: 500 })).toEqual(stored.search(query, 10, { searchK: 500 }));
    }
    loaded.free();
  });

  it('a file with compact trees: the same index as its bytes', async () => {
    const loaded = await Index.fromURL(`${base}/compact.annoy`);
    expect(loaded.treeEncoding).toBe('compact');
    expect(loaded.toBytes()).toEqual(compactFile);
    for (let q = 0; q < 10; q++) {
      const query = queries.subarray(q * 100, (q + 1) * 100);
      expect(loaded.search(query, 10, { searchK: 500 })).toEqual(compact.search(query, 10, { searchK: 500 }));
    }
    loaded.free();
  });
});
