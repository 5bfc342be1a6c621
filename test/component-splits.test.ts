// Angular and euclidean indexes with pca screening split in the space of its components (assembly/build.ts
// componentDims): two-means and the items' margins on m projections instead of d values, each plane stored as
// B^T w in the vectors' space. What that must keep, on the committed Fashion-MNIST sample against brute force:
// the trees find the neighbours as well as trees split in the full space, and the codes the build derives from its
// projections are the codes a load computes from the vectors.
import { describe, expect, it } from 'vitest';
import { Index, IndexBuilder, type Metric } from '../src/index.js';
import { bruteForce, fashionSample } from './helpers.js';

const fashion = fashionSample();
const DIMS = 784;
const QUERIES = 200;

function build(metric: Metric, options: object, trees = 10) {
  return new IndexBuilder({ dimensions: DIMS, metric, seed: 7, ...options }).addBatch(fashion.vectors).build({ trees });
}

describe('splits in the space of pca components', () => {
  for (const metric of ['euclidean', 'angular'] as const) {
    it(`keep the trees' recall on real data (${metric}, Fashion-MNIST sample): each searchK within 0.02, their mean within 0.01 of trees split in all 784 dimensions`, () => {
      // Leaves of 40 (not Annoy's 786): deep trees, so that the splits' quality decides what a query finds.
      const full = build(metric, { screening: 'none', leafSize: 40 }), components = build(metric, { leafSize: 40 });
      expect(components.screening).toBe('pca');
      expect(components.screeningDimensions).toBeLessThanOrEqual(DIMS / 4);
      const truth = Array.from({ length: QUERIES }, (_, q) => new Set(bruteForce(metric, fashion.vectors, DIMS, fashion.queries.subarray(q * DIMS, (q + 1) * DIMS), 10)));
      // rerank -1: every candidate the trees bring gets its exact distance, so this measures the trees alone.
      const recall = (index: Index, searchK: number) => {
        let hit = 0;
        for (let q = 0; q < QUERIES; q++) {
          const ids = index.search(fashion.queries.subarray(q * DIMS, (q + 1) * DIMS), 10, { searchK, rerank: -1 }).ids;
          hit += [...ids].filter((id) => truth[q].has(id)).length;
        }
        return hit / (10 * QUERIES);
      };
      // measured (seed 7, 10 trees, full space / components' space at searchK 50, 200, 1,000): euclidean 0.7535 /
      // 0.7530, 0.9240 / 0.9170, 0.9980 / 0.9980; angular 0.748 / 0.741, 0.927 / 0.910, 0.998 / 0.997. Over seeds
      // 1-4, angular at searchK 200: 0.9221 / 0.9160 on average, at 50: 0.7301 / 0.7368 (noise of this sample's size).
      let gap = 0;
      for (const searchK of [50, 200, 1000]) {
        const a = recall(full, searchK), b = recall(components, searchK);
        expect(b, `searchK ${searchK}: ${b} against ${a} split in the full space`).toBeGreaterThanOrEqual(a - 0.02);
        gap += (a - b) / 3;
      }
      expect(gap, 'mean loss over the searchKs').toBeLessThanOrEqual(0.01);
    });

    it(`give the codes a load computes (${metric}): the same candidates ranked by code alone, built and reloaded`, () => {
      const built = build(metric, {}, 4);
      const reloaded = Index.fromBytes(built.toBytes());
      const queries = fashion.queries.subarray(0, QUERIES * DIMS);
      // rerank k: only the best 10 by code get an exact distance, so any code that differs shows in the answers.
      const a = built.searchBatch(queries, 10, { searchK: 2000, rerank: 10 }), b = reloaded.searchBatch(queries, 10, { searchK: 2000, rerank: 10 });
      expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
      expect(Array.from(a.distances)).toEqual(Array.from(b.distances));
    });
  }
});
