// annoy-wasm with screening: 'none' (every candidate gets the exact distance): the reference the default's recall is
// held to (within 0.002 at every searchK), and what indexes built before screening became the default behave like.
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-none', { screening: 'none' });
