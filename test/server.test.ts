// The similar-items service example, for real: HTTP on loopback, answers equal to Index, input errors as 400
// with a JSON body (never a crash), graceful stop.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexBuilder, type Index } from '../src/index.js';
import { gloveSample } from './helpers.js';
// @ts-expect-error: a plain JavaScript example
import { startServer } from '../examples/similar-items-server/server.mjs';

const glove = gloveSample();
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-server-'));
const file = join(dir, 'glove.annoy');
let index: Index;
let running: { port: number; stop(): Promise<void> };
let base = '';

beforeAll(async () => {
  index = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 3 }).addBatch(glove.vectors.subarray(0, 2000 * 100)).add(2100, glove.vectors.subarray(0, 100)).build({ trees: 8 });
  index.saveSync(file);
  writeFileSync(join(dir, 'filters.json'), JSON.stringify({ even: { allow: Array.from({ length: 1000 }, (_, i) => 2 * i) } }));
  running = await startServer({ index: file, port: 0, workers: 2, filters: join(dir, 'filters.json') });
  base = `http://127.0.0.1:${running.port}`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = async (path: string) => { const r = await fetch(base + path); return { status: r.status, body: await r.json() }; };
const post = async (path: string, body: string) => {
  const r = await fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: r.status, body: await r.json() };
};

describe('similar-items server example', () => {
  it('GET /items/:id/similar and POST /search answer as Index does', async () => {
    const r = await get('/items/42/similar?k=5');
    const want = index.searchItem(42, 5);
    expect(r).toEqual({ status: 200, body: { key: '42', ids: [...want.ids], distances: [...want.distances] } });
    const v = [...index.getItem(7)];
    const s = await post('/search', JSON.stringify({ vector: v, k: 3, searchK: 500 }));
    const want2 = index.search(v, 3, { searchK: 500 });
    expect(s).toEqual({ status: 200, body: { ids: [...want2.ids], distances: [...want2.distances] } });
    expect((await get('/health')).body).toMatchObject({ ok: true, items: 2001, dimensions: 100, workers: 2, file, checksum: index.checksum, generation: 0 });
  });

  it('exclude= and named filters answer as Index with those filters does', async () => {
    const want = index.searchItem(42, 5, { filter: index.createFilter({ exclude: [42, 1, 2] }) });
    expect((await get('/items/42/similar?k=5&exclude=42,1,2')).body.ids).toEqual([...want.ids]);
    const even = index.createFilter({ allow: Array.from({ length: 1000 }, (_, i) => 2 * i) });
    expect((await get('/items/42/similar?k=5&filter=even')).body.ids).toEqual([...index.searchItem(42, 5, { filter: even }).ids]);
    const both = (await get('/items/42/similar?k=5&filter=even&exclude=42')).body.ids;
    expect(both).toEqual([...index.searchItem(42, 6, { filter: even }).ids].filter((x) => x !== 42).slice(0, 5));
    expect((await get('/items/42/similar?filter=nope')).status).toBe(400);
  });

  it('keys name items; POST /admin/reload swaps the file, the filters are made again, a bad file keeps the old', async () => {
    const keyed = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 4, keys: true })
      .addBatch(glove.vectors.subarray(0, 1500 * 100), glove.words.slice(0, 1500)).build({ trees: 8 });
    keyed.saveSync(join(dir, 'keyed.annoy'));
    writeFileSync(join(dir, 'bad.annoy'), 'not an index');
    let r = await post('/admin/reload', JSON.stringify({ file: join(dir, 'bad.annoy') }));
    expect([r.status, (await get('/health')).body.generation]).toEqual([500, 0]);
    r = await post('/admin/reload', JSON.stringify({ file: join(dir, 'keyed.annoy') }));
    expect(r.body).toMatchObject({ file: join(dir, 'keyed.annoy'), checksum: keyed.checksum, generation: 1 });
    const similar = await get('/items/king/similar?k=5&exclude=king');
    const want = keyed.searchItem('king', 6);
    expect(similar.body.keys).toEqual(want.keys!.filter((k) => k !== 'king').slice(0, 5));
    expect((await get('/items/nonesuch/similar')).body.code).toBe('INVALID_ID');
    // named filters made again on the new index: its even ids
    const even = keyed.createFilter({ allow: Array.from({ length: 750 }, (_, i) => 2 * i) });
    expect((await get('/items/king/similar?k=5&filter=even')).body.ids).toEqual([...keyed.searchItem('king', 5, { filter: even }).ids]);
    expect((await post('/admin/reload', JSON.stringify({ file }))).status).toBe(200);
    expect((await get('/items/42/similar?k=5')).body.ids).toEqual([...index.searchItem(42, 5).ids]);
  });

  it('bad input is a 400 with the error code, unknown paths 404, and the server keeps serving', async () => {
    const cases: [Promise<{ status: number; body: { code?: string } }>, number, string | undefined][] = [
      [get('/items/2050/similar'), 400, 'INVALID_ID'],        // a hole
      [get('/items/99999/similar'), 400, 'INVALID_ID'],
      [get('/items/1/similar?k=0'), 400, 'INVALID_ARGUMENT'],
      [get('/items/1/similar?k=abc'), 400, 'INVALID_ARGUMENT'],
      [post('/search', '{"vector": [1, 2]}'), 400, 'DIMENSION_MISMATCH'],
      [post('/search', '{"vector": "x"}'), 400, 'INVALID_ARGUMENT'],
      [post('/search', 'not json'), 400, 'INVALID_ARGUMENT'],
      [post('/search', JSON.stringify({ vector: Array(100).fill('a') })), 400, 'INVALID_ARGUMENT'],
      [post('/search', JSON.stringify({ vector: Array(100).fill(1e39) })), 400, 'NOT_FINITE'],
      [get('/nope'), 404, undefined],
    ];
    for (const [request, status, code] of cases) {
      const r = await request;
      expect(r.status).toBe(status);
      if (code) expect(r.body.code).toBe(code);
    }
    expect((await get('/items/1/similar?k=2')).status).toBe(200);
  });

  it('stops gracefully: nothing it started answering is cut off, then the port is closed', async () => {
    const inFlight = Array.from({ length: 200 }, (_, i) => get(`/items/${i}/similar?k=10`).then((r) => r.status, (e: Error) => `refused: ${(e.cause as { code?: string })?.code}`));
    await Promise.race(inFlight);
    await running.stop();
    const outcomes = await Promise.all(inFlight);
    // A request either was answered in full (200) or never got a connection the server would handle.
    for (const o of outcomes) expect([200, 'refused: ECONNREFUSED', 'refused: ECONNRESET']).toContain(o);
    expect(outcomes.filter((o) => o === 200).length).toBeGreaterThan(0);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
