// annoy-wasm at its smallest: item vectors stored as int8 and compact trees (IndexBuilder { storage: 'int8',
// treeEncoding: 'compact' }; screening chosen from the data).
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-int8-compact', { storage: 'int8', treeEncoding: 'compact' });
