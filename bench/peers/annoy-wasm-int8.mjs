// annoy-wasm with the opt-in int8 screening (IndexBuilder { screening: 'int8' }; default rerank): candidates ranked by
// int8 codes, exact float32 distances for the best max(50, 5k). The file is ~21% bigger on glove-100.
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-int8', { screening: 'int8' });
