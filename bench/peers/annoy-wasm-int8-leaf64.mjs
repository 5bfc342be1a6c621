// annoy-wasm with int8 screening and small leaves (IndexBuilder { screening: 'int8', leafSize: 64 }, or Annoy's K
// where that is smaller): finer trees, which pay on high-dimensional data (README "Leaf size").
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter(
  'annoy-wasm-int8-leaf64', ({ dimensions }) => ({ screening: 'int8', leafSize: Math.min(64, dimensions + 2) }));
