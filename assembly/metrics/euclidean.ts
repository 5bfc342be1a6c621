// Euclidean: L2 (squared inside, the square root only on what is returned). The plane is the perpendicular
// bisector of two centroids: unit normal along p - q, offset so that the midpoint lies on it.
import { NODE_OFFSET, NODE_PLANE } from '../layout';
import { dot, squaredL2, scale } from '../simd';

@inline export function distance(q: usize, v: usize, bytes: usize): f32 { return squaredL2(q, v, bytes); }

@inline export function toUser(d: f32): f32 { return sqrt<f32>(max<f32>(d, 0)); }

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
