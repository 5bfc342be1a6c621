// A graph index through every way to serve it: IndexPool (the workers search one shared memory: the same answers as
// Index, searchAll too), shards (ShardedIndexBuilder { graph }: each shard its own graph; ShardedIndex and a sharded
// pool answer as the shards searched with ef and merged, and near brute force over all items), and Index.fromURL
// (the file streamed over HTTP answers as the index it was made from).
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Index, IndexBuilder, IndexPool, ShardedIndex, ShardedIndexBuilder } from '../src/index.js';
import { bruteForce, gloveSample } from './helpers.js';

const glove = gloveSample();
const D = 100, N = 2400, SHARD = 1000, K = 10, EF = 64;
const row = (i: number) => glove.vectors.subarray(i * D, (i + 1) * D);
const queries = glove.queries.subarray(0, 50 * D);
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-graph-serving-'));
const index = new IndexBuilder({ dimensions: D, metric: 'angular', seed: 4, graph: true }).addBatch(glove.vectors.subarray(0, N * D)).build();
const file = index.toBytes();

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/graph.annoy') { res.statusCode = 404; res.end(); return; }
    res.setHeader('content-length', file.length);
    // in pieces, as a network delivers them
    let at = 0;
    const pump = () => {
      if (at >= file.length) { res.end(); return; }
      res.write(file.subarray(at, at + 50_000));
      at += 50_000;
      setImmediate(pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/graph.annoy`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
  index.free();
});

describe('a graph index', () => {
  it('in an IndexPool (one shared memory, no per-worker copy) answers exactly as Index: search, searchItem, batch, searchAll', async () => {
    const pool = await IndexPool.open(file, { workers: 2 });
    try {
      expect([pool.mode, pool.graph]).toEqual(['shared', index.graph]);
      for (let q = 0; q < 50; q++) {
        const query = queries.subarray(q * D, (q + 1) * D);
        expect(await pool.search(query, K, { ef: EF })).toEqual(index.search(query, K, { ef: EF }));
      }
      for (const id of [0, 1, 999, N - 1]) expect(await pool.searchItem(id, K)).toEqual(index.searchItem(id, K));
      expect(await pool.searchBatch(queries, K, { ef: 20 })).toEqual(index.searchBatch(queries, K, { ef: 20 }));
      const all = await pool.searchAll(K);
      expect(all).toEqual(index.searchAll(K));
    } finally {
      await pool.close();
    }
  });

  it('loaded with Index.fromURL answers as the index it was made from', async () => {
    const loaded = await Index.fromURL(url);
    try {
      expect([loaded.graph, loaded.checksum]).toEqual([index.graph, index.checksum]);
      for (let q = 0; q < 50; q++) {
        const query = queries.subarray(q * D, (q + 1) * D);
        expect(loaded.search(query, K, { ef: EF })).toEqual(index.search(query, K, { ef: EF }));
      }
      expect(loaded.searchAll(K)).toEqual(index.searchAll(K));
    } finally {
      loaded.free();
    }
  });

  it('in shards: each shard has its graph; ShardedIndex and a sharded pool search with ef as the shards merged, near brute force', async () => {
    const b = new ShardedIndexBuilder({ dimensions: D, metric: 'angular', seed: 4, graph: { degree: 16 }, shardSize: SHARD });
    for (let i = 0; i < N; i++) b.add(i, row(i));
    const manifest = await b.save(join(dir, 'shards'));
    const sharded = await ShardedIndex.open(manifest);
    const pool = await IndexPool.open(manifest, { workers: 2 });
    const parts = await Promise.all([0, 1, 2].map((s) => Index.open(join(dir, 'shards', `shard-000${s}.annoy`))));
    try {
      expect(parts.map((p) => p.graph)).toEqual([16, 16, 16]);
      expect(pool.graph).toBe(16);
      let hit = 0;
      for (let q = 0; q < 50; q++) {
        const query = queries.subarray(q * D, (q + 1) * D);
        // the shards searched one by one, merged by (distance, id)
        const hits = parts.flatMap((p, s) => {
          const r = p.search(query, K, { ef: EF });
          return [...r.ids].map((id, i) => ({ id: id + s * SHARD, d: r.distances[i] }));
        }).sort((x, y) => x.d - y.d || x.id - y.id).slice(0, K);
        const want = { ids: Uint32Array.from(hits.map((h) => h.id)), distances: Float32Array.from(hits.map((h) => h.d)) };
        const got = sharded.search(query, K, { ef: EF });
        expect(got).toEqual(want);
        expect(await pool.search(query, K, { ef: EF })).toEqual(want);
        const truth = bruteForce('angular', glove.vectors.subarray(0, N * D), D, query, K);
        hit += truth.filter((id) => got.ids.includes(id)).length;
      }
      expect(hit / (50 * K)).toBeGreaterThanOrEqual(0.98); // measured 0.998
    } finally {
      sharded.free();
      await pool.close();
      for (const p of parts) p.free();
    }
  });
});
