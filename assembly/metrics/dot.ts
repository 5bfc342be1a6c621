// Inner product. Searching ranks by -dot (returned as dot, largest first). Trees are built as Annoy does
// (Bachrach et al. 2014): each item gets an extra coordinate sqrt(M^2 - |v|^2), M the largest norm, which makes
// inner-product order equal angular order in d + 1 dimensions; splits are angular splits there. A query's extra
// coordinate is 0, so only the build ever reads the plane's extra component (kept in NODE_OFFSET).
// Screening codes: items round(v / scale) with one scale per index (or centred principal components), the query
// with its own scale (and uncentred): screened by the codes' dot product, which a positive factor on the query or
// the same shift of every item (q . mean) leaves in order.
import { NODE_OFFSET, NODE_PLANE, H_SIZE, H_STRIDE, H_VECTORS_OFFSET, hdr32, hdr64 } from '../layout';
import { dot, scale } from '../simd';
import { twoMeans, centroidP, centroidQ, pExtra, qExtra, stride, itemOf, extraOf } from '../build';
import { SCREEN_DOT } from '../codes';
import { margin as planeMargin, sphereDistance } from './angular';
import { PLANE_START, planePriority, sideOfMargin, copyQuery, floatVectorOk, planeOk } from './plane';

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

// Once per build: the extra coordinate sqrt(M^2 - |v|^2) of every item, into `extrasAt` (f32 per id).
export function prepareExtras(file: usize, extrasAt: usize): void {
  const size = hdr32(file, H_SIZE);
  const s = <usize>hdr32(file, H_STRIDE);
  const v0 = file + <usize>hdr64(file, H_VECTORS_OFFSET);
  let maxNorm: f32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    const v = v0 + <usize>id * s;
    const nn = dot(v, v, s);
    store<f32>(extrasAt + (<usize>id << 2), nn);
    if (nn > maxNorm) maxNorm = nn;
  }
  for (let id: u32 = 0; id < size; id++) {
    const gap = maxNorm - load<f32>(extrasAt + (<usize>id << 2));
    store<f32>(extrasAt + (<usize>id << 2), gap > 0 ? sqrt<f32>(gap) : 0);
  }
}

// The policy (metrics/index.ts documents each method).
export class Dot {
  @inline queryNorm(q: usize, bytes: usize): f32 { return 0; }
  @inline distance(q: usize, v: usize, bytes: usize, qq: f32): f32 { return -dot(q, v, bytes); }
  @inline toUser(d: f32): f32 { return -d; }
  @inline rank(d: f32): f32 { return d; }
  @inline userOfRank(r: f32): f32 { return -r; }
  @inline packQuery(q: usize, input: usize, dims: u32): void { copyQuery(q, input, dims); }
  @inline unpack(v: usize, out: usize, dims: u32): void { copyQuery(out, v, dims); }
  @inline startPriority(): f32 { return PLANE_START; }
  // A query's extra coordinate is 0: the plane through the origin, as angular's.
  @inline margin(node: usize, q: usize, bytes: usize): f32 { return planeMargin(node, q, bytes); }
  @inline childPriority(d: f32, m: f32, child: u32): f32 { return planePriority(d, m, child); }

  @inline prepareBuild(file: usize, extrasAt: usize): void { prepareExtras(file, extrasAt); }
  @inline side(split: usize, id: u32): u32 { return sideOfMargin(itemMargin(split, itemOf(id), extraOf(id), stride)); }
  createSplit(split: usize, lo: u32, hi: u32): void {
    twoMeans<Dot>(lo, hi);
    setPlane(split, centroidP, pExtra, centroidQ, qExtra, stride);
  }
  @inline onSphere(): bool { return true; }
  @inline hasExtra(): bool { return true; }
  @inline meansDistance(c: usize, cExtra: f32, cNorm: f32, v: usize, vExtra: f32, vv: f32, bytes: usize): f32 {
    return sphereDistance(c, cExtra, cNorm, v, vExtra, vv, bytes);
  }

  @inline unitCodes(): bool { return false; }
  @inline queryOwnScale(): bool { return true; }
  @inline rangeCodes(): bool { return false; }
  @inline screeningRule(kind: u32): u32 { return SCREEN_DOT; }

  @inline vectorOk(v: usize, dims: u32, bytes: usize): bool { return floatVectorOk(v, dims, bytes); }
  @inline splitOk(node: usize, dims: u32, bytes: usize): bool { return planeOk(node, dims, bytes, true); }
}
