// Every library bench/run.mjs can measure, in one place. Each has an adapter, bench/peers/<name>.mjs, and:
//   kind       the build grid it gets: tree (trees x searchK), graph (degree x ef), hnsw (ef), exact (none)
//   colour     its line in the plots (bench/plot.mjs)
//   ours       one of this library's variants that the report compares against every `reference`
//   reference  the libraries' own C++ (annoy-cpp, hnswlib-cpp) and the npm Annoy bindings
//   optional   measured only when --libraries names it (not in a default run)
//   npm        the package it needs in bench/node_modules (installed on first use)
export const LIBRARIES = {
  'annoy-wasm': { kind: 'tree', colour: '#d62728', ours: true },
  'annoy-wasm-none': { kind: 'tree', colour: '#ff9896', ours: true, optional: true },
  'annoy-wasm-graph': { kind: 'graph', colour: '#17becf' },
  'annoy-wasm-int8': { kind: 'tree', colour: '#e7298a', ours: true },
  'annoy-wasm-pca': { kind: 'tree', colour: '#bcbd22', ours: true },
  'annoy-wasm-int8-leaf64': { kind: 'tree', colour: '#8c564b', ours: true },
  'annoy-wasm-f16': { kind: 'tree', colour: '#ff7f0e', ours: true },
  'annoy-wasm-int8-storage': { kind: 'tree', colour: '#9467bd', ours: true },
  'annoy-wasm-compact': { kind: 'tree', colour: '#fdae6b', ours: true },
  'annoy-wasm-int8-compact': { kind: 'tree', colour: '#54278f', ours: true },
  'annoy-cpp': { kind: 'tree', colour: '#08306b', reference: true },
  'hnswlib-cpp': { kind: 'hnsw', colour: '#00441b', reference: true },
  'annoy-native': { kind: 'tree', colour: '#1f77b4', reference: true, npm: 'annoy' },
  'annoy-npm': { kind: 'tree', colour: '#6baed6', reference: true },
  'hnswlib-node': { kind: 'hnsw', colour: '#2ca02c', npm: 'hnswlib-node' },
  usearch: { kind: 'hnsw', colour: '#9467bd', npm: 'usearch' },
  'hnswlib-wasm': { kind: 'hnsw', colour: '#ff7f0e', npm: 'hnswlib-wasm' },
  exact: { kind: 'exact', colour: '#000000' },
  'annoy-wasm-base': { kind: 'tree', optional: true },
};

const names = (test) => Object.keys(LIBRARIES).filter((name) => test(LIBRARIES[name]));
/** What a run without --libraries measures. */
export const DEFAULT_LIBRARIES = names((l) => !l.optional);
/** This library's variants, and what the report compares them against. */
export const OURS = names((l) => l.ours);
export const REFERENCES = names((l) => l.reference);
