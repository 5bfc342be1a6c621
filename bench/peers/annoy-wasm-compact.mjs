// annoy-wasm with compact trees (IndexBuilder { treeEncoding: 'compact' }: int8 split planes, leaf ids packed at
// ceil(log2(size)) bits; README "Compact trees"): the file and memory columns show what the trees' bytes were.
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-compact', { treeEncoding: 'compact' });
