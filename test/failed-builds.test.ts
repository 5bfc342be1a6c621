// A build that fails (out of memory, a throwing progress callback) leaves the builder as it was: it can take more
// items and build again, and then writes the bytes of a builder that never failed.
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { AnnoyError, IndexBuilder, type Metric } from '../src/index.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function builder(metric: Metric, n = 3000): IndexBuilder {
  const rng = seedrandom(`failed builds ${metric}`);
  const b = new IndexBuilder({ dimensions: 24, metric, seed: 7 });
  for (let i = 0; i < n; i++) b.add(i, Array.from({ length: 24 }, () => rng() * 2 - 1));
  return b;
}
const extra = Array.from({ length: 24 }, (_, j) => j / 24);

describe('a build that runs out of memory leaves the builder as it was', () => {
  /** Runs `f` while wasm memory cannot grow past its current size plus `pages` 64 KiB pages. */
  function withMemoryCap<T>(pages: number, f: () => T): T {
    const grow = WebAssembly.Memory.prototype.grow;
    const caps = new WeakMap<WebAssembly.Memory, number>();
    WebAssembly.Memory.prototype.grow = function (delta: number) {
      const now = this.buffer.byteLength / 65536;
      if (!caps.has(this)) caps.set(this, now + pages);
      if (now + delta > caps.get(this)!) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      return grow.call(this, delta);
    };
    try {
      return f();
    } finally {
      WebAssembly.Memory.prototype.grow = grow;
    }
  }

  for (const metric of ['euclidean', 'dot'] as const) {
    it(`${metric}: CAPACITY, then more items and a build give the bytes of a builder that never failed`, () => {
      const b = builder(metric);
      let error: unknown;
      try { withMemoryCap(0, () => b.build({ trees: 40 })); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(AnnoyError);
      expect((error as AnnoyError).code).toBe('CAPACITY');
      b.add(5000, extra);
      const fresh = builder(metric).add(5000, extra);
      expect(sha256(b.build({ trees: 5 }).toBytes())).toBe(sha256(fresh.build({ trees: 5 }).toBytes()));
    });
  }
});

describe('a build whose progress callback throws', () => {
  it('buildAsync rejects with that error, and the builder still builds', async () => {
    const b = new IndexBuilder({ dimensions: 3, metric: 'euclidean', seed: 1 });
    for (let i = 0; i < 300; i++) b.add(i, [i, i % 7, i % 3]);
    await expect(b.buildAsync({ trees: 4, jobs: 2, onProgress() { throw new Error('boom'); } })).rejects.toThrow('boom');
    const index = b.build({ trees: 4 });
    expect([index.count, index.trees]).toEqual([300, 4]);
  });
});
