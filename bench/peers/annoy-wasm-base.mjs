// annoy-wasm with default options from another checkout: $ANNOY_WASM_BASE (a directory holding a built dist/, build/
// and package.json, e.g. a git worktree of the commit to compare with). For bench/build-time.mjs --base: the same
// rounds time this tree, that one and Annoy's C++ side by side.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeAnnoyWasmAdapter } from './annoy-wasm.mjs';

const base = process.env.ANNOY_WASM_BASE;
if (!base) throw new Error('annoy-wasm-base needs ANNOY_WASM_BASE: a checkout with a built dist/ (bench/build-time.mjs --base sets it)');
export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyWasmAdapter('annoy-wasm-base', {}, {}, pathToFileURL(path.resolve(base) + '/'));
