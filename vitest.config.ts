import { defineConfig } from 'vitest/config';

// The core suite: what a builder, an index and its loaders do, whatever memory they run in.
const CORE = [
  'test/annoy-format.test.ts', 'test/annoy-semantics.test.ts', 'test/brute-force.test.ts', 'test/errors.test.ts', 'test/failed-builds.test.ts', 'test/file-chunks.test.ts',
  'test/format-versions.test.ts', 'test/loader.test.ts', 'test/pinned-builds.test.ts', 'test/recall.test.ts', 'test/reproducible-builds.test.ts', 'test/screening.test.ts',
  'test/wasm-build.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Everything, on the build the facade picks in Node: the shared-memory one.
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'] } },
      // The core suite again on the plain build (what a page without cross-origin isolation gets).
      { extends: true, test: { name: 'plain', include: CORE, setupFiles: ['test/setup/plain-memory.ts'] } },
    ],
  },
});
