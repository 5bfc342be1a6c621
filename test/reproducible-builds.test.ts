// A build is a function of the items, the options and the seed only: build() and buildAsync() with any number of
// jobs (more than 2, more than trees, an automatic tree count) write the same bytes, on the shared-memory and the
// plain build (this file runs in both test projects, see vitest.config.ts). test/pinned-builds.test.ts pins the bytes
// of reference builds of every metric and screening kind, so a change in bytes is a decision, not an accident.
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { IndexBuilder, type Index, type Metric, type Screening } from '../src/index.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** 600 seeded items with holes (every 17th id), 24-d (hamming: 40 bits). */
function builder(metric: Metric, screening: Screening = 'none', n = 600): IndexBuilder {
  const rng = seedrandom(`reference ${metric}`);
  const dims = metric === 'hamming' ? 40 : 24;
  const b = new IndexBuilder({ dimensions: dims, metric, seed: 7, screening });
  for (let i = 0; i < n; i++) b.add(i + (i >> 4), Array.from({ length: dims }, () => (metric === 'hamming' ? (rng() < 0.5 ? 1 : 0) : rng() * 2 - 1)));
  return b;
}

describe('buildAsync writes what build() writes, whatever the jobs', () => {
  const same = async (metric: Metric, trees: number, jobs: number, screening: Screening = 'none') => {
    const serial: Index = builder(metric, screening, 3000).build({ trees });
    const parallel: Index = await builder(metric, screening, 3000).buildAsync({ trees, jobs });
    expect([parallel.trees, sha256(parallel.toBytes())]).toEqual([serial.trees, sha256(serial.toBytes())]);
    return serial.trees;
  };
  it('jobs 3 and 5 (more than two threads)', async () => {
    await same('euclidean', 7, 3);
    await same('dot', 7, 5, 'int8');
  });
  it('more jobs than trees', async () => {
    await same('angular', 2, 4);
    await same('hamming', 1, 3);
  });
  it('an automatic tree count (trees: -1) with jobs 2 and 3: the serial prefix, then the rest in parallel', async () => {
    expect(await same('euclidean', -1, 2)).toBeGreaterThan(1);
    await same('angular', -1, 3, 'pca');
  });
});
