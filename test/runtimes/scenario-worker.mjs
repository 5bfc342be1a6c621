// The runtime scenario inside a Cloudflare Worker (workerd), bundled by wrangler as a user's Worker is: the
// package imported by name, the wasm as a module import, no files, no threads.
//   GET /limits    (first, on a fresh isolate) what a Worker cannot do, and the AnnoyError each gives
//   GET /scenario?index=<url>   the scenario (build, bytes, fetch over HTTP, search) and the index from ASSETS
import * as lib from 'annoy-wasm';
import wasm from 'annoy-wasm/build/annoy.wasm';
import { scenario, vectors } from './scenario.mjs';

const { init, Index, IndexBuilder, IndexPool, AnnoyError } = lib;

async function attempt(run) {
  try {
    const value = await run();
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: e instanceof AnnoyError ? e.code : e?.name ?? String(e), message: String(e?.message ?? e) };
  }
}

const hits = (r) => ({ ids: [...r.ids], distances: [...r.distances] });

async function limits() {
  const out = { sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined', process: typeof process !== 'undefined' };
  // Before init: the embedded wasm cannot be compiled here, and the error says what to do instead.
  out.builderBeforeInit = await attempt(() => new IndexBuilder({ dimensions: 2, metric: 'euclidean' }).size);
  out.initEmbedded = await attempt(() => init());
  out.initImported = await attempt(() => init({ wasm }));
  const builder = new IndexBuilder({ dimensions: 8, metric: 'euclidean', seed: 1 }).addBatch(vectors(40, 8, 3));
  const bytes = builder.build({ trees: 2 }).toBytes();
  out.pool = await attempt(() => IndexPool.open(bytes, { workers: 2 }));
  out.sharedPool = await attempt(() => IndexPool.open(bytes, { mode: 'shared' }));
  // buildAsync with jobs has no threads to use: it builds on this thread, the same bytes.
  const parallel = new IndexBuilder({ dimensions: 8, metric: 'euclidean', seed: 1 }).addBatch(vectors(40, 8, 3));
  out.buildAsyncSame = await attempt(async () => {
    const b = (await parallel.buildAsync({ trees: 2, jobs: 2 })).toBytes();
    return b.length === bytes.length && b.every((v, i) => v === bytes[i]);
  });
  return out;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/limits') return Response.json(await limits());
      if (url.pathname === '/scenario') {
        await init({ wasm });
        const out = await scenario(lib, { url: url.searchParams.get('index') || undefined });
        const file = await env.ASSETS.fetch(new URL('/scenario.annoy', url).href);
        const index = Index.fromBytes(new Uint8Array(await file.arrayBuffer()));
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', index.toBytes()));
        out.assets = { checksum: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), item: hits(index.searchItem(3, 10)) };
        return Response.json(out);
      }
      return new Response('not found', { status: 404 });
    } catch (e) {
      return new Response(String(e?.stack ?? e), { status: 500 });
    }
  },
};
