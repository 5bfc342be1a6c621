// Which wasm build a builder runs on: the shared-memory build where memory can be shared (Node), the plain one
// otherwise. This file runs in both test projects (vitest.config.ts): in 'plain' the facade is told it cannot share
// memory (test/setup/plain-memory.ts), so this checks that the core suite there really runs on the plain build.
import { describe, expect, it } from 'vitest';
import { IndexBuilder } from '../src/index.js';

/** Whether each WebAssembly.Memory created while `f` runs is shared. */
function memoriesMadeBy(f: () => void): boolean[] {
  const Real = WebAssembly.Memory;
  const made: boolean[] = [];
  WebAssembly.Memory = new Proxy(Real, {
    construct(target, args: [WebAssembly.MemoryDescriptor]) {
      made.push(Boolean((args[0] as { shared?: boolean }).shared));
      return new target(...args);
    },
  });
  try {
    f();
  } finally {
    WebAssembly.Memory = Real;
  }
  return made;
}

describe('the wasm build a builder runs on', () => {
  it('is the one of this test project', ({ task }) => {
    const project = task.file.projectName;
    expect(['shared', 'plain']).toContain(project);
    const made = memoriesMadeBy(() => new IndexBuilder({ dimensions: 3, metric: 'euclidean', seed: 1 }).add(0, [1, 2, 3]).build({ trees: 1 }));
    // the builder's memory, and the built index's own when it moves out of it (builder.ts settled): one kind
    expect(made.length).toBeGreaterThanOrEqual(1);
    expect(made).toEqual(made.map(() => project === 'shared'));
  });
});
