// Native Annoy as a plain `npm install annoy` builds it (the root devDependency in ../../node_modules: node-gyp's
// default -O3, no -march, so SSE2 kernels only): what a Node user gets out of the box. See annoy-common.mjs.
import { createRequire } from 'node:module';
import { makeAnnoyAdapter } from './annoy-common.mjs';

const req = createRequire(new URL('../../package.json', import.meta.url)); // resolves from the root node_modules
export const { name, kind, load, build, save, prepareQueries, search, free } = makeAnnoyAdapter('annoy-npm', req, { wantNative: false });
