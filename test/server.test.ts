// The similar-items service example, for real: HTTP on loopback, answers equal to Index, input errors as 400
// with a JSON body (never a crash), graceful stop, and SIGINT/SIGTERM ending the program cleanly; exclude= and named
// filters, string keys, and reloads.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
let running: { port: number; stop(): Promise<void>; server: import('node:http').Server };
const serverScript = fileURLToPath(new URL('../examples/similar-items-server/server.mjs', import.meta.url));
let base = '';

beforeAll(async () => {
  index = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 3 }).addBatch(glove.vectors.subarray(0, 2000 * 100)).add(2100, glove.vectors.subarray(0, 100)).build({ trees: 8 });
  index.saveSync(file);
  writeFileSync(join(dir, 'filters.json'), JSON.stringify({ even: { allow: Array.from({ length: 1000 }, (_, i) => 2 * i) } }));
  running = await startServer({ index: file, port: 0, workers: 2, filters: join(dir, 'filters.json') });
  base = `http://127.0.0.1:${running.port}`;
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

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
    for (const word of ['a/b', '100%', 'x?y']) { // keys that are path syntax: encoded, they reach the index
      const r = await get(`/items/${encodeURIComponent(word)}/similar?k=1`);
      expect([word, r.status === 200 || r.body.code === 'INVALID_ID' && r.body.error.includes(JSON.stringify(word))]).toEqual([word, true]);
    }
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

  it('stops gracefully: every request it received is answered in full, then the port is closed', async () => {
    // A server of its own: the one the other tests share stays up whatever order they run in.
    const own = await startServer({ index: file, port: 0, workers: 2 });
    const at = `http://127.0.0.1:${own.port}`;
    const N = 50;
    const received: string[] = [];
    let answeredAtStop = -1, answered = 0, stopping: Promise<void> | undefined;
    own.server.on('request', (req: { url: string }, res: { on(e: string, f: () => void): void }) => {
      res.on('finish', () => { answered++; });
      received.push(req.url);
      // The last request is inside the handler now, its search submitted and not answered: stop here.
      if (received.length === N) { answeredAtStop = answered; stopping = own.stop(); }
    });
    const outcomes = await Promise.all(Array.from({ length: N }, (_, i) => fetch(`${at}/items/${i}/similar?k=10`).then(async (r) => ({ status: r.status, body: await r.json() }), (e: Error) => `failed: ${e.message} ${(e.cause as { code?: string })?.code}`)));
    await stopping;
    expect(answeredAtStop).toBeLessThan(N); // at least one request was in flight when stop() began
    outcomes.forEach((o, i) => {
      const want = index.searchItem(i, 10);
      expect(o).toEqual({ status: 200, body: { key: String(i), ids: [...want.ids], distances: [...want.distances] } });
    });
    await expect(fetch(`${at}/health`)).rejects.toThrow();
  });
});

describe('similar-items server example, run as a program', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: drains, closes the pool and exits 0`, async () => {
      const child = spawn(process.execPath, [serverScript, '--index', file, '--port', '0', '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      const ended = new Promise<[number | null, string | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          const m = /server on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m) resolve(m[1]);
        });
        child.on('close', () => reject(new Error(`server ended before listening: ${stderr}`)));
      });
      const r = await fetch(`${url}/items/42/similar?k=5`);
      expect([r.status, (await r.json()).ids]).toEqual([200, [...index.searchItem(42, 5).ids]]);
      // SIGHUP reloads the served file (a new generation of the same index)
      child.kill('SIGHUP');
      await new Promise<void>((resolve) => { const poll = () => (stdout.includes('SIGHUP: reloaded') ? resolve() : setTimeout(poll, 20)); poll(); });
      expect((await (await fetch(`${url}/health`)).json()).generation).toBe(1);
      child.kill(signal);
      expect(await ended).toEqual([0, null]); // its handler ran (a default action would end it by the signal)
      expect(stdout).toContain(`${signal}: draining`);
      expect(stderr).toBe('');
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    });
  }
});
