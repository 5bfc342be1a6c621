// annoy-wasm with pca screening (IndexBuilder { screening: 'pca' }; components chosen by variance, default rerank):
// candidates ranked by int8 codes of the first principal components, exact float32 distances for the best
// max(50, 5k). For high-dimensional data whose variance sits in few directions (README "Screening").
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-pca', { screening: 'pca' });
