// The one scenario every runtime runs, through the package as a user installs it (`import 'annoy-wasm'` from a
// scratch project that installed the packed tarball). Plain JavaScript so Node, Bun, Deno and a browser page run
// it as it is; the runtime's own parts (files, threads) come in through `host`. It prints, or returns, one JSON
// answer that test/runtimes.test.ts compares with Node 20's: ids, distances (as float32 values) and the file's
// SHA-256, so "identical" means identical to the last bit.
//
// Usage (Node, Bun, Deno): <runtime> scenario.mjs <scratch dir> <http URL of the index Node 20 saved, or "">

/** A seeded xorshift32: the same vectors on every runtime without a dependency. */
export function vectors(count, dimensions, seed) {
  const out = new Float32Array(count * dimensions);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

export const ITEMS = 600, DIMENSIONS = 24, QUERIES = 8, K = 10;

const hits = (r) => ({ ids: [...r.ids], distances: [...r.distances] });

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Runs the scenario with the package's exports `lib`. host: { dir, save(index, path), open(path),
 * poolSource(path, bytes), url, threads } where a runtime without files passes no save/open.
 */
export async function scenario(lib, host) {
  const { IndexBuilder, Index, IndexPool, AnnoyError } = lib;
  const out = {};
  const data = vectors(ITEMS, DIMENSIONS, 7);
  const queries = vectors(QUERIES, DIMENSIONS, 11);

  // Build (seeded: the same trees everywhere), then the bytes a user would store.
  const builder = new IndexBuilder({ dimensions: DIMENSIONS, metric: 'angular', seed: 42 });
  builder.addBatch(data);
  const built = builder.build({ trees: 6 });
  const bytes = built.toBytes();
  out.checksum = await sha256(bytes);
  out.byteLength = bytes.length;
  out.search = hits(built.searchBatch(queries, K));
  out.item = hits(built.searchItem(3, K));
  out.distance = built.distance(1, 2);

  // A second metric and a holey id space, built through add().
  const euclid = new IndexBuilder({ dimensions: 4, metric: 'euclidean', seed: 3 });
  for (let i = 0; i < 50; i++) euclid.add(i * 2, [Math.sin(i), Math.cos(i), i / 50, (i % 7) / 7]);
  const e = euclid.build({ trees: 3 });
  out.euclidean = { checksum: await sha256(e.toBytes()), hits: hits(e.search([0.1, 0.9, 0.5, 0.2], 5)) };

  // Bytes back to an index, and the errors a user sees.
  const loaded = Index.fromBytes(bytes);
  out.fromBytes = hits(loaded.searchBatch(queries, K));
  try { loaded.search([1, 2], 1); out.error = 'none'; } catch (err) { out.error = err instanceof AnnoyError ? err.code : String(err); }

  // Files, where the runtime has them.
  if (host.save) {
    const path = `${host.dir}/scenario.annoy`;
    await host.save(built, path);
    const opened = await host.open(path);
    out.file = { checksum: await sha256(opened.toBytes()), search: hits(opened.searchBatch(queries, K)) };
  }

  // Over HTTP, as a browser or an edge function gets it.
  if (host.url) {
    const fetched = await Index.fromURL(host.url);
    out.url = { checksum: await sha256(fetched.toBytes()), search: hits(fetched.searchBatch(queries, K)) };
  }

  // The runtime's own threads: a pool of workers searching one copy of the index, and a build in workers.
  if (host.threads) {
    const pool = await IndexPool.open(host.poolSource ? await host.poolSource(bytes) : bytes, { workers: 2 });
    const rows = [];
    for (let q = 0; q < QUERIES; q++) rows.push(pool.search(queries.subarray(q * DIMENSIONS, (q + 1) * DIMENSIONS), K));
    const answers = await Promise.all(rows);
    const batch = await pool.searchBatch(queries, K);
    out.pool = { mode: pool.mode, workers: pool.workers, search: answers.map(hits), batch: hits(batch) };
    await pool.close();
    const parallel = new IndexBuilder({ dimensions: DIMENSIONS, metric: 'angular', seed: 42 });
    parallel.addBatch(data);
    const inWorkers = await parallel.buildAsync({ trees: 6, jobs: 2 });
    out.buildAsync = await sha256(inWorkers.toBytes());
  }
  return out;
}

/** The host of a runtime with files and worker_threads (Node, Bun, Deno): the scratch dir, Node 20's index URL. */
export function fileHost(lib, dir, url) {
  return {
    dir,
    url: url || undefined,
    save: (index, path) => index.save(path),
    open: (path) => lib.Index.open(path),
    poolSource: async (bytes) => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(`${dir}/pool.annoy`, bytes);
      return `${dir}/pool.annoy`;
    },
    threads: true,
  };
}

/** Runs the scenario on the command line's dir and URL, and prints the answer with the runtime's name. */
export async function main(lib, entry) {
  const args = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
  const out = await scenario(lib, fileHost(lib, args[0], args[1]));
  out.runtime = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.version}`;
  out.entry = entry;
  console.log(JSON.stringify(out));
}
