// A build is a function of the items, the options and the seed only: build() and buildAsync() with any number of
// jobs (more than 2, more than trees, an automatic tree count) write the same bytes, on the shared-memory and the
// plain build (this file runs in both test projects, see vitest.config.ts), on any machine. The SHA-256 sums below
// pin reference builds of every metric and screening kind: a change in bytes is a decision (update the table and
// say why in the commit), not an accident.
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

// build({ trees: 6 }) of builder(metric, screening): sha256 of toBytes()
const REFERENCE: [Metric, Screening, string][] = [
  ['angular', 'none', '7b8cc37b1d71fc24fedebda68edc4f97cea0f112371441d91ba403ebfa33a6ea'],
  ['angular', 'int8', '2cc110e79f351190e093694801d585052ee5e5863d6a8d78e1c66a4ecd61e2cb'],
  ['angular', 'pca', 'e5cae1c2fb6728bf142e0013c2329f2b64e38ec9763a716e952f806541924772'],
  ['euclidean', 'none', '2631ff191701c79b302b6d7d5eea6d338144dce679767993f1301d6269c0a4bb'],
  ['euclidean', 'int8', '1d78cf71d5f069a0ca5157eb67724c9af19d49bf1dedbfb0fdd435ddca0f75c4'],
  ['euclidean', 'pca', '14c870fda59992abebfc0a8f0b92ac52f7449537ee718ab4a7e8e4e89b1eb7ae'],
  ['manhattan', 'none', '47f17884d9470249d2023a1446491dac33ac74abe864a61e5e2a15114b952e71'],
  ['manhattan', 'int8', '8c5e9a99a6ab361d76c88962d295d65594c1acac07197b94acbea01394a1dcb7'],
  ['dot', 'none', '686194425c267c8a40f6b23fa0c0454f167242fadf2a5b1d41214245598c5ed2'],
  ['dot', 'int8', '8c69d77f3720c0303bd62f12b5b1b1836d5b41e19977db3ad4f9d663f88cd09d'],
  ['dot', 'pca', '4fe50536fcc31520dcb835f803fb9e55b5046509b49f6359e31d95b4a30167b1'],
  ['hamming', 'none', 'fa6162e5ff8663cc0a5964aaef483adb9196551969e7002ed68b6ec145081d12'],
];

describe('reference builds: the same bytes on any machine and either wasm build', () => {
  for (const [metric, screening, sum] of REFERENCE) {
    it(`${metric}, screening ${screening}`, () => {
      expect(sha256(builder(metric, screening).build({ trees: 6 }).toBytes())).toBe(sum);
    });
  }
});

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
