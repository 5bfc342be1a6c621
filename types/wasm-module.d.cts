// annoy-wasm/build/annoy.wasm and annoy-wasm/build/annoy-shared.wasm, required as modules (a bundler with a
// wasm-module rule hands them over already compiled). Pass it to init({ wasm }).
declare const wasm: WebAssembly.Module;
export = wasm;
