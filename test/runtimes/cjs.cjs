// The scenario through the CommonJS entry: require('annoy-wasm') (Node, Bun).
const lib = require('annoy-wasm');

import('./scenario.mjs').then(({ main }) => main(lib, 'cjs')).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
