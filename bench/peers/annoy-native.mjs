// Native Annoy: the `annoy` npm package (annoy-node 4.0.0, Annoy's C++ through node-gyp) as the benchmark installs it
// in bench/node_modules, compiled with CXXFLAGS='-O3 -march=native -ffast-math -fno-associative-math' (as DATA.md's
// reference and Annoy's Python wheel; AVX-512 kernels on this machine). See annoy-common.mjs.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { makeAnnoyAdapter } from './annoy-common.mjs';

const req = createRequire(new URL('../package.json', import.meta.url));
const within = fileURLToPath(new URL('../node_modules/', import.meta.url)); // bench/node_modules only, not the root's
export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyAdapter('annoy-native', req, { wantNative: true, within });
