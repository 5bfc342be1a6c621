// The scenario through the ESM entry: `import ... from 'annoy-wasm'` (Node, Bun).
import * as lib from 'annoy-wasm';
import { main } from './scenario.mjs';

await main(lib, 'esm');
