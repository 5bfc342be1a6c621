// The browser entry, `annoy-wasm/browser`: everything the main entry has, plus the URLs of the package's own .wasm
// files, found beside this module through import.meta.url (so ESM only: the CommonJS build leaves this file out).
// A page needs no bundler: `<script type="module">` importing dist/esm/browser.js, or an import map, will do.
//
// The wasm is also embedded in the JavaScript (10 KB per build), and that copy stays the default: it works with
// every bundler, CDN and CommonJS, costs no second request, and `await init()` compiles it off the main thread.
// To have the browser fetch and cache the .wasm files instead (compiled while streaming):
//   await init({ wasm: wasmURL.plain, sharedWasm: wasmURL.shared });
export * from './index.js';

export const wasmURL = {
  /** build/annoy.wasm: the plain build (private memory: Index, IndexBuilder, a 'dedicated' IndexPool). */
  plain: new URL('../../build/annoy.wasm', import.meta.url),
  /** build/annoy-shared.wasm: the shared-memory build (a 'shared' IndexPool on a cross-origin isolated page). */
  shared: new URL('../../build/annoy-shared.wasm', import.meta.url),
} as const;
