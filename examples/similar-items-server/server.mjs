// A similar-items service: one index file, loaded once into shared memory, searched by a pool of worker
// threads. Plain node:http, no framework.
//
//   node examples/similar-items-server/server.mjs [--index FILE] [--port 8080] [--workers N]
//
//   GET  /items/:id/similar?k=10[&searchK=N]   -> { id, ids: [...], distances: [...] }
//   POST /search  {"vector": [...], "k": 10}  -> { ids: [...], distances: [...] }
//   GET  /health                              -> { ok, items, dimensions, metric, workers, queued }
//
// Bad input answers 400 with { error, code } (never a crash); unknown paths 404; a full queue 503.
// SIGINT/SIGTERM: stop accepting connections, finish in-flight requests, close the pool, exit 0.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { IndexBuilder, IndexPool, AnnoyError } from 'annoy-wasm';

const MAX_BODY = 1 << 20;

/** Builds the bundled GloVe sample into `file` when no index is given, so the example runs out of the box. */
function sampleIndex(file) {
  if (existsSync(file)) return file;
  const data = fileURLToPath(new URL('../../data/glove-sample/vectors.f32', import.meta.url));
  const bytes = readFileSync(data);
  const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 1 }).addBatch(vectors).build({ trees: 10 }).saveSync(file);
  return file;
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res, e) {
  if (e instanceof AnnoyError) {
    const status = e.code === 'QUEUE_FULL' ? 503 : e.code === 'CLOSED' || e.code === 'WORKER_FAILED' ? 503 : 400;
    return send(res, status, { error: e.message, code: e.code });
  }
  console.error(e);
  return send(res, 500, { error: 'internal error' });
}

function intParam(url, name, fallback) {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new AnnoyError('INVALID_ARGUMENT', `${name} ${JSON.stringify(raw)} is not an integer`);
  return Number(raw);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new AnnoyError('INVALID_ARGUMENT', `request body over ${MAX_BODY} bytes`)); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch (e) { reject(new AnnoyError('INVALID_ARGUMENT', `body is not JSON: ${e.message}`)); }
    });
    req.on('error', reject);
  });
}

export async function startServer({ index, port = 8080, workers, host = '127.0.0.1' } = {}) {
  const pool = await IndexPool.open(index, workers ? { workers } : undefined);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      const similar = /^\/items\/(\d+)\/similar$/.exec(url.pathname);
      if (req.method === 'GET' && similar) {
        const k = intParam(url, 'k', 10);
        const searchK = intParam(url, 'searchK', -1);
        const id = Number(similar[1]);
        const { ids, distances } = await pool.searchItem(id, k, { searchK });
        return send(res, 200, { id, ids: [...ids], distances: [...distances] });
      }
      if (req.method === 'POST' && url.pathname === '/search') {
        const body = await readJson(req);
        if (body === null || typeof body !== 'object' || !Array.isArray(body.vector)) {
          throw new AnnoyError('INVALID_ARGUMENT', 'body must be {"vector": [numbers...], "k": 10}');
        }
        const { ids, distances } = await pool.search(body.vector, body.k ?? 10, body.searchK === undefined ? undefined : { searchK: body.searchK });
        return send(res, 200, { ids: [...ids], distances: [...distances] });
      }
      if (req.method === 'GET' && url.pathname === '/health') {
        return send(res, 200, { ok: true, items: pool.count, dimensions: pool.dimensions, metric: pool.metric, workers: pool.workers, queued: pool.queued });
      }
      return send(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    } catch (e) {
      return fail(res, e);
    }
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const stop = async () => {
    await new Promise((resolve) => server.close(resolve)); // stop accepting; waits for open requests
    await pool.close();
  };
  return { server, pool, port: server.address().port, stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { index: { type: 'string' }, port: { type: 'string', default: process.env.PORT ?? '8080' }, workers: { type: 'string' } } });
  const index = values.index ?? sampleIndex(fileURLToPath(new URL('./glove-sample.annoy', import.meta.url)));
  const { port, stop } = await startServer({ index, port: Number(values.port), workers: values.workers ? Number(values.workers) : undefined });
  console.log(`similar-items server on http://127.0.0.1:${port} (index ${index})`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: draining`);
      await stop();
      process.exit(0);
    });
  }
}
