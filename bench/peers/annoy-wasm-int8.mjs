// annoy-wasm with int8 screening asked for (IndexBuilder { screening: 'int8' }; default rerank): candidates ranked by
// int8 codes, exact float32 distances for the best of them (max(50, 5k), or one in 64 when that is more).
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-int8', { screening: 'int8' });
