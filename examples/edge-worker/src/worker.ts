// Similar items at the edge: a Cloudflare Worker that answers GET /similar?id=N[&k=10] (or ?word=king) from an
// annoy-wasm index shipped as a static asset (public/items.annoy and public/words.txt, made by build-index.mjs).
//
// What a Worker needs that Node does not:
//   - The wasm comes in as a module import: Workers refuse to compile wasm from bytes at run time, so the
//     package's embedded copy cannot be used; wrangler bundles build/annoy.wasm as a compiled module.
//   - One plain (unshared) memory: a Worker has no threads, so no IndexPool; Index answers on the request's
//     own thread, in well under a millisecond.
//   - No file system: the index is fetched once per isolate and kept for its lifetime, from the ASSETS binding
//     (static assets: at most 25 MiB a file, about 50,000 x 100-d), or from an R2 bucket bound as INDEX when
//     there is one (no such cap; the Worker's 128 MB memory is then the limit: see the README).
import { init, Index, AnnoyError } from 'annoy-wasm';
import wasm from 'annoy-wasm/build/annoy.wasm';

interface Env {
  ASSETS: { fetch(request: Request | string): Promise<Response> };
  /** Optional: an R2 bucket holding items.annoy (and words.txt), for indexes over the 25 MiB asset cap. */
  INDEX?: { get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; text(): Promise<string> } | null> };
}

interface Items { index: Index; words: string[] }
let ready: Promise<Items> | undefined;

/** The index (and its words, if shipped), loaded on the first request of this isolate (module scope may not do I/O in a Worker). */
function loadIndex(env: Env, origin: string): Promise<Items> {
  ready ??= (async () => {
    await init({ wasm });
    const get = async (name: string) => {
      if (env.INDEX) return env.INDEX.get(name);
      const response = await env.ASSETS.fetch(new URL(`/${name}`, origin).href);
      return response.ok ? response : null;
    };
    const file = await get('items.annoy');
    if (!file) throw new Error('items.annoy is missing: run `node build-index.mjs` (or put it in the INDEX bucket)');
    // While it loads, the file is in memory twice (this buffer and the index's wasm memory); then once.
    const index = Index.fromBytes(new Uint8Array(await file.arrayBuffer()));
    const words = await get('words.txt');
    return { index, words: words ? (await words.text()).split('\n') : [] };
  })();
  ready.catch(() => { ready = undefined; }); // a failed load is retried by the next request
  return ready;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const { index, words } = await loadIndex(env, url.origin);
    if (url.pathname === '/health') {
      return json({ items: index.count, dimensions: index.dimensions, metric: index.metric, trees: index.trees, bytes: index.byteLength });
    }
    if (url.pathname !== '/similar') return json({ error: 'not found: try /similar?id=0' }, 404);
    const word = url.searchParams.get('word');
    const id = word !== null ? words.indexOf(word) : Number(url.searchParams.get('id'));
    if (word !== null && id < 0) return json({ error: `${JSON.stringify(word)} is not among the ${words.length} words` }, 404);
    const k = Number(url.searchParams.get('k') ?? 10);
    try {
      const { ids, distances } = index.searchItem(id, k);
      return json({ id, ids: [...ids], distances: [...distances], ...(words.length > 0 && { words: [...ids].map((i) => words[i]) }) });
    } catch (e) {
      // Bad ids and k are the caller's mistake: the library names the bad value.
      if (e instanceof AnnoyError) return json({ error: e.message, code: e.code }, 400);
      throw e;
    }
  },
};
