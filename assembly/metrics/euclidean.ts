// Euclidean: L2 (squared inside, the square root only on what is returned). The plane is the perpendicular
// bisector of two centroids: unit normal along p - q, offset so that the midpoint lies on it. Screening codes:
// int8 round((v - bias) / scale) - 127 over the index's value range, or principal components; squared L2 on both.
import { NODE_OFFSET, NODE_PLANE } from '../layout';
import { dot, squaredL2, scale } from '../simd';
import { twoMeans, centroidP, centroidQ, stride, itemOf } from '../build';
import { SCREEN_L2 } from '../codes';
import { PLANE_START, planePriority, sideOfMargin, copyQuery, floatVectorOk, planeOk } from './plane';

@inline export function margin(node: usize, v: usize, bytes: usize): f32 {
  return load<f32>(node + NODE_OFFSET) + dot(node + NODE_PLANE, v, bytes);
}

// Shared with manhattan, which splits the same way.
export function setPlane(node: usize, p: usize, q: usize, bytes: usize): void {
  const plane = node + NODE_PLANE;
  for (let i: usize = 0; i < bytes; i += 16) v128.store(plane + i, f32x4.sub(v128.load(p + i), v128.load(q + i)));
  const norm = sqrt<f32>(dot(plane, plane, bytes));
  if (norm > 0) scale(plane, bytes, 1 / norm);
  let offset: f32 = 0;
  for (let i: usize = 0; i < bytes; i += 4) {
    offset += -load<f32>(plane + i) * (load<f32>(p + i) + load<f32>(q + i)) / 2;
  }
  store<f32>(node + NODE_OFFSET, offset);
}

// The policy (metrics/index.ts documents each method).
export class Euclidean {
  @inline queryNorm(q: usize, bytes: usize): f32 { return 0; }
  @inline distance(q: usize, v: usize, bytes: usize, qq: f32): f32 { return squaredL2(q, v, bytes); }
  @inline toUser(d: f32): f32 { return sqrt<f32>(max<f32>(d, 0)); }
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
    twoMeans<Euclidean>(lo, hi);
    setPlane(split, centroidP, centroidQ, stride);
  }
  @inline onSphere(): bool { return false; }
  @inline hasExtra(): bool { return false; }
  @inline meansDistance(c: usize, cExtra: f32, cNorm: f32, v: usize, vExtra: f32, vv: f32, bytes: usize): f32 {
    return squaredL2(c, v, bytes);
  }

  @inline unitCodes(): bool { return false; }
  @inline queryOwnScale(): bool { return false; }
  @inline rangeCodes(): bool { return true; }
  @inline screeningRule(kind: u32): u32 { return SCREEN_L2; }

  @inline vectorOk(v: usize, dims: u32, bytes: usize): bool { return floatVectorOk(v, dims, bytes); }
  @inline splitOk(node: usize, dims: u32, bytes: usize): bool { return planeOk(node, dims, bytes, true); }
}
