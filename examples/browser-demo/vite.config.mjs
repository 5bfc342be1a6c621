// Vite builds the page; the library comes from this repository's own ESM build (dist/esm), as a user's bundler
// would take it from node_modules/annoy-wasm. `npm run demo:web` serves the result (serve.mjs); `npx vite` in this
// folder serves it for development, cross-origin isolated like serve.mjs.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { 'annoy-wasm': fileURLToPath(new URL('../../dist/esm/browser.js', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, reportCompressedSize: false },
  server: { headers: isolation },
  preview: { headers: isolation },
});
