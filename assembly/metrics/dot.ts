// Inner product. Searching ranks by -dot (returned as dot, largest first). Trees are built as Annoy does
// (Bachrach et al. 2014): each item gets an extra coordinate sqrt(M^2 - |v|^2), M the largest norm, which makes
// inner-product order equal angular order in d + 1 dimensions; splits are angular splits there. A query's extra
// coordinate is 0, so only the build ever reads the plane's extra component (kept in NODE_OFFSET).
import { NODE_OFFSET, NODE_PLANE } from '../layout';
import { dot, scale } from '../simd';

@inline export function distance(q: usize, v: usize, bytes: usize): f32 { return -dot(q, v, bytes); }

@inline export function toUser(d: f32): f32 { return -d; }

@inline export function margin(node: usize, v: usize, bytes: usize): f32 { return dot(node + NODE_PLANE, v, bytes); }

// An item's margin during the build, with its extra coordinate.
@inline export function itemMargin(node: usize, v: usize, extra: f32, bytes: usize): f32 {
  return dot(node + NODE_PLANE, v, bytes) + load<f32>(node + NODE_OFFSET) * extra;
}

// Unit vector along p - q in d + 1 dimensions.
export function setPlane(node: usize, p: usize, pExtra: f32, q: usize, qExtra: f32, bytes: usize): void {
  const plane = node + NODE_PLANE;
  for (let i: usize = 0; i < bytes; i += 16) v128.store(plane + i, f32x4.sub(v128.load(p + i), v128.load(q + i)));
  let extra = pExtra - qExtra;
  const norm = sqrt<f32>(dot(plane, plane, bytes) + extra * extra);
  if (norm > 0) {
    scale(plane, bytes, 1 / norm);
    extra /= norm;
  }
  store<f32>(node + NODE_OFFSET, extra);
}
