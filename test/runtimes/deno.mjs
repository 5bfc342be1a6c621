// The scenario as Deno users import packages: an npm: specifier (resolved from the project's node_modules).
import * as lib from 'npm:annoy-wasm';
import { main } from './scenario.mjs';

await main(lib, 'npm:');
