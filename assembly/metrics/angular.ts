// Angular: Annoy's sqrt(2 - 2 cos). The plane is the normalised difference of two cosine-normalised centroids.
// Screening codes are of the unit vector: int8 round(127 v / |v|), or its principal components.
import { NODE_OFFSET, NODE_PLANE, CODES_PCA } from '../layout';
import { dot, dotAndNorm, dotNormSecond, scale } from '../simd';
import { twoMeans, centroidP, centroidQ, stride, itemOf } from '../build';
import { SCREEN_DOT, SCREEN_L2 } from '../codes';
import { PLANE_START, planePriority, sideOfMargin, copyQuery, floatVectorOk, planeOk } from './plane';

// 2 - 2 cos from its parts, exactly as Annoy evaluates it (f64 expression, f32 sqrt); 2 when a vector is zero.
@inline export function fromParts(pq: f32, pp: f32, qq: f32): f32 {
  const ppqq = pp * qq;
  return ppqq > 0 ? <f32>(2.0 - 2.0 * <f64>pq / <f64>sqrt<f32>(ppqq)) : 2;
}

// |v|^2 summed in exactly the order `distance` sums q.v and v.v, so that the distance from a vector to itself
// is exactly 0 (pq == pp == qq, and sqrt(f32(pp * pp)) == pp).
@inline export function squaredNorm(v: usize, bytes: usize): f32 { return dotAndNorm(v, v, bytes); }

@inline export function margin(node: usize, v: usize, bytes: usize): f32 { return dot(node + NODE_PLANE, v, bytes); }

// Unit vector along p - q (left as zero when p == q).
export function setPlane(node: usize, p: usize, q: usize, bytes: usize): void {
  const plane = node + NODE_PLANE;
  for (let i: usize = 0; i < bytes; i += 16) v128.store(plane + i, f32x4.sub(v128.load(p + i), v128.load(q + i)));
  const norm = sqrt<f32>(dot(plane, plane, bytes));
  if (norm > 0) scale(plane, bytes, 1 / norm);
  store<f32>(node + NODE_OFFSET, 0);
}

// Two-means on the unit sphere (shared with dot, whose items carry an extra coordinate: cExtra, vExtra).
@inline export function sphereDistance(c: usize, cExtra: f32, cNorm: f32, v: usize, vExtra: f32, vv: f32, bytes: usize): f32 {
  return fromParts(dot(c, v, bytes) + cExtra * vExtra, cNorm, vv);
}

// The policy (metrics/index.ts documents each method).
export class Angular {
  @inline queryNorm(q: usize, bytes: usize): f32 { return squaredNorm(q, bytes); }
  @inline distance(q: usize, v: usize, bytes: usize, qq: f32): f32 {
    const pq = dotAndNorm(q, v, bytes);
    return fromParts(pq, dotNormSecond, qq);
  }
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
    twoMeans<Angular>(lo, hi);
    setPlane(split, centroidP, centroidQ, stride);
  }
  @inline onSphere(): bool { return true; }
  @inline hasExtra(): bool { return false; }
  @inline meansDistance(c: usize, cExtra: f32, cNorm: f32, v: usize, vExtra: f32, vv: f32, bytes: usize): f32 {
    return sphereDistance(c, cExtra, cNorm, v, vExtra, vv, bytes);
  }

  @inline unitCodes(): bool { return true; }
  @inline queryOwnScale(): bool { return false; }
  @inline rangeCodes(): bool { return false; }
  @inline screeningRule(kind: u32): u32 { return kind == CODES_PCA ? SCREEN_L2 : SCREEN_DOT; }

  @inline vectorOk(v: usize, dims: u32, bytes: usize): bool { return floatVectorOk(v, dims, bytes); }
  @inline splitOk(node: usize, dims: u32, bytes: usize): bool { return planeOk(node, dims, bytes, false); }
}
