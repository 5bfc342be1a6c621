// Manhattan: L1. Splits like euclidean (bisecting plane of two centroids), but the centroids are found with
// L1 distances. Screening codes: int8 over the index's value range (as euclidean), screened by L1.
import { l1 } from '../simd';
import { twoMeans, centroidP, centroidQ, stride, itemOf } from '../build';
import { CODES_PCA } from '../layout';
import { SCREEN_L1, SCREEN_L2 } from '../codes';
import { margin, setPlane } from './euclidean';
import { PLANE_START, planePriority, sideOfMargin, copyQuery, floatVectorOk, planeOk } from './plane';

// The policy (metrics/index.ts documents each method).
export class Manhattan {
  @inline queryNorm(q: usize, bytes: usize): f32 { return 0; }
  @inline distance(q: usize, v: usize, bytes: usize, qq: f32): f32 { return l1(q, v, bytes); }
  @inline toUser(d: f32): f32 { return max<f32>(d, 0); }
  @inline rank(d: f32): f32 { return this.toUser(d); }
  @inline userOfRank(r: f32): f32 { return r; }
  @inline packQuery(q: usize, input: usize, dims: u32): void { copyQuery(q, input, dims); }
  @inline unpack(v: usize, out: usize, dims: u32): void { copyQuery(out, v, dims); }
  @inline startPriority(): f32 { return PLANE_START; }
  @inline margin(node: usize, q: usize, bytes: usize): f32 { return margin(node, q, bytes); }
  @inline childPriority(d: f32, m: f32, child: u32): f32 { return planePriority(d, m, child); }

  @inline prepareBuild(file: usize, extrasAt: usize): void {}
  @inline side(split: usize, id: u32): u32 { return sideOfMargin(margin(split, itemOf(id), stride)); }
  createSplit(split: usize, lo: u32, hi: u32): void {
    twoMeans<Manhattan>(lo, hi);
    setPlane(split, centroidP, centroidQ, stride);
  }
  @inline onSphere(): bool { return false; }
  @inline hasExtra(): bool { return false; }
  @inline meansDistance(c: usize, cExtra: f32, cNorm: f32, v: usize, vExtra: f32, vv: f32, bytes: usize): f32 {
    return l1(c, v, bytes);
  }

  @inline unitCodes(): bool { return false; }
  @inline queryOwnScale(): bool { return false; }
  @inline rangeCodes(): bool { return true; }
  // pca is refused for manhattan (src/screening.ts); were it allowed, its codes keep squared L2 only.
  @inline screeningRule(kind: u32): u32 { return kind == CODES_PCA ? SCREEN_L2 : SCREEN_L1; }

  @inline vectorOk(v: usize, dims: u32, bytes: usize): bool { return floatVectorOk(v, dims, bytes); }
  @inline splitOk(node: usize, dims: u32, bytes: usize): bool { return planeOk(node, dims, bytes, true); }
}
