// annoy-wasm/build/annoy.wasm and annoy-wasm/build/annoy-shared.wasm, imported as modules: Cloudflare Workers
// (wrangler), and bundlers with a wasm-module rule, hand the import over already compiled. Pass it to init():
//   import wasm from 'annoy-wasm/build/annoy.wasm';
//   await init({ wasm });
declare const wasm: WebAssembly.Module;
export default wasm;
