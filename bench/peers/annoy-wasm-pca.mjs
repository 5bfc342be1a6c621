// annoy-wasm with pca screening asked for (IndexBuilder { screening: 'pca' }; components chosen by variance, default
// rerank): candidates ranked by int8 codes of the first principal components, exact float32 distances for the best
// of them (max(50, 5k), or one in 8 when that is more). For high-dimensional data whose variance sits in few
// directions (README "Screening").
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-pca', { screening: 'pca' });
