// annoy-wasm with item vectors stored as float16 (IndexBuilder { storage: 'float16' }; screening chosen from the data):
// half the vectors' bytes; distances from the stored values (README "Storage").
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-f16', { storage: 'float16' });
