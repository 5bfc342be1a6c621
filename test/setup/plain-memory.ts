// Setup of the 'plain' test project (vitest.config.ts). The facade picks the wasm build in one place,
// canShareMemory() in src/runtime/wasm.ts: shared memory (the shared-memory build) in Node and cross-origin isolated
// pages, the plain build otherwise. Here it answers as a page without cross-origin isolation does, so every builder
// and pool of the core suite runs on the plain build, with SharedArrayBuffer left as it is.
import { vi } from 'vitest';

vi.mock('../../src/runtime/wasm.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/runtime/wasm.js')>()),
  canShareMemory: () => false,
}));
