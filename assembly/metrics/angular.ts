// Angular: Annoy's sqrt(2 - 2 cos). The plane is the normalised difference of two cosine-normalised centroids.
import { NODE_PLANE } from '../layout';
import { dot, dotAndNorm, dotNormSecond, scale } from '../simd';

// 2 - 2 cos from its parts, exactly as Annoy evaluates it (f64 expression, f32 sqrt); 2 when a vector is zero.
@inline export function fromParts(pq: f32, pp: f32, qq: f32): f32 {
  const ppqq = pp * qq;
  return ppqq > 0 ? <f32>(2.0 - 2.0 * <f64>pq / <f64>sqrt<f32>(ppqq)) : 2;
}

// qq is the query's squared norm, computed once per query.
@inline export function distance(q: usize, v: usize, bytes: usize, qq: f32): f32 {
  const pq = dotAndNorm(q, v, bytes);
  return fromParts(pq, dotNormSecond, qq);
}

// |v|^2 summed in exactly the order `distance` sums q.v and v.v, so that the distance from a vector to itself
// is exactly 0 (pq == pp == qq, and sqrt(f32(pp * pp)) == pp).
@inline export function squaredNorm(v: usize, bytes: usize): f32 { return dotAndNorm(v, v, bytes); }

@inline export function toUser(d: f32): f32 { return sqrt<f32>(max<f32>(d, 0)); }

@inline export function margin(node: usize, v: usize, bytes: usize): f32 { return dot(node + NODE_PLANE, v, bytes); }

// Unit vector along p - q (left as zero when p == q).
export function setPlane(node: usize, p: usize, q: usize, bytes: usize): void {
  const plane = node + NODE_PLANE;
  for (let i: usize = 0; i < bytes; i += 16) v128.store(plane + i, f32x4.sub(v128.load(p + i), v128.load(q + i)));
  const norm = sqrt<f32>(dot(plane, plane, bytes));
  if (norm > 0) scale(plane, bytes, 1 / norm);
  store<f32>(node, 0, 12);
}
