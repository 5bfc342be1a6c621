// annoy-wasm (this library, from ../../dist: `npm run build` first) with default options: the screening chosen from the
// data at build, the default rerank. Trees x searchK grid; Index.searchBatch, one thread. annoy-wasm-none.mjs,
// annoy-wasm-int8.mjs and annoy-wasm-pca.mjs are the same with the screening asked for.
import { readFileSync } from 'node:fs';

// builderOptions: IndexBuilder options, or a function of { dimensions, metric } returning them.
// root: the checkout whose dist/ and package.json to load (default: this one).
export function makeAnnoyWasmAdapter(name, builderOptions = {}, searchOptions = {}, root = new URL('../../', import.meta.url)) {
  let lib;
  return {
    name,
    kind: 'tree',
    async load() {
      lib = await import(new URL('dist/esm/index.js', root).href);
      const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
      const described = typeof builderOptions === 'function' ? builderOptions({ dimensions: 784, metric: 'euclidean' }) : builderOptions;
      const extra = Object.keys(described).length ? `, ${JSON.stringify(described)}` : '';
      return { version: pkg.version, notes: `this library (dist/esm), Index.searchBatch, wasm SIMD${extra}` };
    },
    build({ train, dimensions, metric, params }) {
      const t0 = performance.now();
      const extra = typeof builderOptions === 'function' ? builderOptions({ dimensions, metric }) : builderOptions;
      const builder = new lib.IndexBuilder({ dimensions, metric, seed: 42, ...extra });
      builder.addBatch(train);
      const t1 = performance.now();
      const index = builder.build({ trees: params.trees });
      return { index, addSeconds: (t1 - t0) / 1000 };
    },
    save(h, path) {
      h.index.saveSync(path);
    },
    prepareQueries: (queries) => queries,
    search(h, queries, nq, k, params, out) {
      const r = h.index.searchBatch(queries.subarray(0, nq * h.index.dimensions), k, { searchK: params.searchK, ...searchOptions });
      for (let q = 0; q < nq; q++) {
        const c = r.counts[q];
        for (let i = 0; i < k; i++) out[q * k + i] = i < c ? r.ids[q * k + i] : -1;
      }
    },
    free(h) {
      h.index.free();
    },
  };
}

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm');
