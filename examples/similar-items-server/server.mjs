// A similar-items service: one index file, loaded once into shared memory, searched by a pool of worker
// threads, swapped for a new file without dropping a request. Plain node:http, no framework.
//
//   node examples/similar-items-server/server.mjs [--index FILE] [--port 8080] [--workers N] [--filters FILE.json]
//   (FILE: an index file, or the manifest.json of shards that `annoy-wasm build --shard-size` wrote: every worker
//   then searches every shard, ids are global, and /health's checksum is the first shard's)
//
//   GET  /items/:key/similar?k=10[&searchK=N][&exclude=a,b][&filter=NAME]
//        -> { key, ids: [...], keys?: [...], distances: [...] }   (:key is the item's string key, or its id when
//           the index has no keys; exclude: keys/ids never to return; filter: a named filter of --filters)
//   POST /search  {"vector": [...], "k": 10, "filter"?: NAME}  -> { ids, keys?, distances }
//   POST /admin/reload  {"file"?: PATH}   -> swaps in the file (default: the one served), answers { file, checksum }
//   GET  /health  -> { ok, file, checksum, generation, items, dimensions, metric, workers, queued, rss }
//   SIGHUP: reload the served file (after it was replaced on disk, say).
//
// --filters: a JSON object of named filters, each { "allow": [keys or ids] } or { "exclude": [...] } (say, the
// items playable per market); they are made again on every reload (a filter belongs to one index).
// Bad input answers 400 with { error, code } (never a crash); unknown paths 404; a full queue 503; a reload that
// fails answers 500 and the old index keeps serving. SIGINT/SIGTERM: stop accepting connections, finish in-flight
// requests, close the pool, exit 0.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { IndexBuilder, IndexPool, AnnoyError } from 'annoy-wasm';

const MAX_BODY = 1 << 20;
const MAX_EXCLUDE = 1000;

/** Builds the bundled GloVe sample (its words as keys) into `file` when no index is given, so the example runs out of the box. */
function sampleIndex(file) {
  if (existsSync(file)) return file;
  const dir = new URL('../../data/glove-sample/', import.meta.url);
  const bytes = readFileSync(fileURLToPath(new URL('vectors.f32', dir)));
  const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const words = readFileSync(fileURLToPath(new URL('words.txt', dir)), 'utf8').trim().split('\n');
  new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 1, keys: true }).addBatch(vectors, words).build({ trees: 10 }).saveSync(file);
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
      if (size === 0) return resolve({});
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch (e) { reject(new AnnoyError('INVALID_ARGUMENT', `body is not JSON: ${e.message}`)); }
    });
    req.on('error', reject);
  });
}

/** An item named in a request: its key when the index has keys, else a decimal id. */
function itemOf(pool, name) {
  if (pool.hasKeys) return pool.idOf(name);
  if (!/^\d+$/.test(name)) throw new AnnoyError('INVALID_ID', `item ${JSON.stringify(name)} is not an id (this index has no string keys)`);
  return Number(name);
}

export async function startServer({ index, port = 8080, workers, host = '127.0.0.1', filters: filtersFile } = {}) {
  const config = filtersFile ? JSON.parse(readFileSync(filtersFile, 'utf8')) : {};
  let file = index;
  const pool = await IndexPool.open(file, { ...(workers ? { workers } : {}), filters: 4 + Object.keys(config).length + 64 });
  // Named filters of the index being served, made again after each reload, before any request can see the new index
  // without them (nothing else runs between the reload's end and this: the same task).
  let named = new Map();
  let namedGeneration = -1;
  const makeNamed = async () => {
    const made = new Map();
    for (const [name, spec] of Object.entries(config)) {
      const which = spec.allow ? 'allow' : 'exclude';
      // numbers are ids, strings keys; items this file does not hold are left out
      const ids = (spec[which] ?? []).flatMap((x) => {
        if (typeof x === 'number') return Number.isInteger(x) && x >= 0 && x < pool.size ? [x] : [];
        try { return [itemOf(pool, String(x))]; } catch { return []; }
      });
      made.set(name, await pool.createFilter({ [which]: ids }));
    }
    for (const f of named.values()) f.free();
    named = made;
    namedGeneration = pool.generation;
  };
  await makeNamed();
  let reloading = Promise.resolve();
  const reload = (path = file) => {
    const run = reloading.then(async () => {
      await pool.reload(path);
      await makeNamed();
      file = path;
    });
    reloading = run.catch(() => {});
    return run;
  };

  const namedFilter = (name) => {
    if (name === null || name === undefined) return undefined;
    if (namedGeneration !== pool.generation) throw new AnnoyError('INVALID_STATE', 'filters are being made for the new index'); // cannot happen (see makeNamed)
    const f = named.get(name);
    if (!f) throw new AnnoyError('INVALID_ARGUMENT', `no filter named ${JSON.stringify(name)} (configured: ${[...named.keys()].join(', ') || 'none'})`);
    return f;
  };
  const answer = (r) => ({ ids: [...r.ids], ...(r.keys ? { keys: r.keys } : {}), distances: [...r.distances] });

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      // the raw path: URL parsing would resolve a key "." or ".." as a path segment
      const similar = /^\/items\/([^/?#]+)\/similar$/.exec(req.url.split('?')[0]);
      if (req.method === 'GET' && similar) {
        const key = decodeURIComponent(similar[1]);
        const k = intParam(url, 'k', 10);
        const searchK = intParam(url, 'searchK', -1);
        const exclude = (url.searchParams.get('exclude') ?? '').split(',').filter(Boolean);
        if (exclude.length > MAX_EXCLUDE) throw new AnnoyError('INVALID_ARGUMENT', `exclude lists ${exclude.length} items, more than ${MAX_EXCLUDE}`);
        const filter = namedFilter(url.searchParams.get('filter'));
        const id = itemOf(pool, key);
        const gone = new Set(exclude.map((x) => itemOf(pool, x)));
        let r;
        if (gone.size > 0 && !filter) {
          // a filter of this request's own: the k nearest items not excluded, however many are
          const own = await pool.createFilter({ exclude: [...gone] });
          try { r = await pool.searchItem(id, k, { searchK, filter: own }); } finally { own.free(); }
        } else {
          // with a named filter: ask for k more than excluded and drop them
          r = await pool.searchItem(id, Math.min(k + gone.size, 10_000), { searchK, filter });
          if (gone.size > 0) {
            const keep = [...r.ids].map((x, i) => i).filter((i) => !gone.has(r.ids[i])).slice(0, k);
            r = { ids: keep.map((i) => r.ids[i]), distances: keep.map((i) => r.distances[i]), ...(r.keys ? { keys: keep.map((i) => r.keys[i]) } : {}) };
          }
        }
        return send(res, 200, { key, ...answer(r) });
      }
      if (req.method === 'POST' && url.pathname === '/search') {
        const body = await readJson(req);
        if (body === null || typeof body !== 'object' || !Array.isArray(body.vector)) {
          throw new AnnoyError('INVALID_ARGUMENT', 'body must be {"vector": [numbers...], "k": 10}');
        }
        const filter = namedFilter(body.filter);
        const r = await pool.search(body.vector, body.k ?? 10, { ...(body.searchK === undefined ? {} : { searchK: body.searchK }), filter });
        return send(res, 200, answer(r));
      }
      if (req.method === 'POST' && url.pathname === '/admin/reload') {
        const body = await readJson(req);
        try {
          await reload(typeof body.file === 'string' ? body.file : file);
        } catch (e) {
          return send(res, 500, { error: `reload failed, still serving ${file}: ${e.message}`, code: e.code });
        }
        return send(res, 200, { file, checksum: pool.checksum, generation: pool.generation });
      }
      if (req.method === 'GET' && url.pathname === '/health') {
        return send(res, 200, {
          ok: true, file, checksum: pool.checksum, generation: pool.generation, items: pool.count, dimensions: pool.dimensions,
          metric: pool.metric, keys: pool.hasKeys, filters: [...named.keys()], workers: pool.workers, queued: pool.queued, rss: process.memoryUsage().rss,
        });
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
  return { server, pool, port: server.address().port, stop, reload };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: {
    index: { type: 'string' }, port: { type: 'string', default: process.env.PORT ?? '8080' }, workers: { type: 'string' }, filters: { type: 'string' },
  } });
  const index = values.index ?? sampleIndex(fileURLToPath(new URL('./glove-sample-keys.annoy', import.meta.url)));
  const { port, stop, reload } = await startServer({ index, port: Number(values.port), workers: values.workers ? Number(values.workers) : undefined, filters: values.filters });
  console.log(`similar-items server on http://127.0.0.1:${port} (index ${index})`);
  process.on('SIGHUP', () => {
    reload().then(() => console.log('SIGHUP: reloaded'), (e) => console.error(`SIGHUP: reload failed, still serving the old index: ${e.message}`));
  });
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
