// annoy-wasm with item vectors stored as int8, one scale per vector (IndexBuilder { storage: 'int8' }; screening
// chosen from the data): a quarter of the vectors' bytes plus 4; distances from the stored values (README "Storage").
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-int8-storage', { storage: 'int8' });
