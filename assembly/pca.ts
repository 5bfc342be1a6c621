// The principal components behind `screening: 'pca'`: the m directions in which a sample of the items varies
// most. High-dimensional data often lives near a much smaller subspace (fashion-mnist: 96 of 784 dimensions hold
// 91% of the variance), so screening candidates by m int8 components costs a fraction of screening all of them,
// and ranks them nearly as well; the exact re-rank then repairs the order.
//
// Method: the covariance C of up to SAMPLE items, then orthogonal (subspace) iteration Q <- orth(C Q) from a
// seeded random start, with more directions than kept, so the kept ones converge in a few rounds. Only the span
// matters for screening (squared distances within it do not depend on the basis), not exact eigenvectors.
import { H_DIMENSIONS, H_STRIDE, H_SIZE, H_COUNT, hdr32, vectorOf, isPresent, align16 } from './layout';
import { storedItem } from './storage';
import { dot, scale } from './simd';
import * as random from './random';

const SAMPLE: u32 = 2048;
const ROUNDS: u32 = 5;
export const MAX_COMPONENTS: u32 = 256;
// Automatic m: the fewest components, in steps of 16, that hold this share of the sample's variance.
const VARIANCE: f64 = 0.9;

// The sample: every step-th item added, in id order (deterministic, spread over the items however sparse the ids).
export function sampleStep(file: usize): u32 { return max<u32>(1, <u32>((<u64>hdr32(file, H_COUNT) + SAMPLE - 1) / SAMPLE)); }

// Scratch: C (dims rows of stride), two blocks of `wanted` rows, the mean and one centred vector.
export function pcaScratchBytes(file: usize, wanted: u32): usize {
  const stride = <usize>hdr32(file, H_STRIDE);
  return (<usize>hdr32(file, H_DIMENSIONS) + 2 * <usize>wanted + 2) * stride;
}

// The largest m the iteration tracks: what the caller asked for, or (0: automatic) up to MAX_COMPONENTS.
export function trackedComponents(file: usize, asked: u32): u32 {
  const dims = hdr32(file, H_DIMENSIONS);
  return asked != 0 ? min<u32>(asked, dims) : min<u32>(dims, MAX_COMPONENTS);
}

// The centred (unit: normalised, then centred) sample item `v` into `out`; false for a zero vector when unit.
function centred(file: usize, v: usize, mean: usize, out: usize, unit: bool): bool {
  const stride = <usize>hdr32(file, H_STRIDE);
  memory.copy(out, v, stride);
  if (unit) {
    const n = sqrt<f32>(dot(v, v, stride));
    if (!(n > 0)) return false;
    scale(out, stride, 1 / n);
  }
  for (let i: usize = 0; i < stride; i += 16) v128.store(out + i, f32x4.sub(v128.load(out + i), v128.load(mean + i)));
  return true;
}

// Writes m orthonormal rows (of stride bytes, zero padded) to `basis` and each row's dot with the mean to
// `offsets`; returns m. asked: m, or 0 to choose it by VARIANCE. scratch: pcaScratchBytes(file, tracked).
// unit: the components of unit vectors (the metric's codes are of v / |v|).
export function principalComponents(file: usize, asked: u32, seed: u32, scratch: usize, basis: usize, offsets: usize, unit: bool): u32 {
  const dims = hdr32(file, H_DIMENSIONS);
  const stride = <usize>hdr32(file, H_STRIDE);
  const size = hdr32(file, H_SIZE);
  const wanted = trackedComponents(file, asked);
  const cov = scratch;
  let q = cov + <usize>dims * stride;
  let z = q + <usize>wanted * stride;
  const mean = z + <usize>wanted * stride;
  const t = mean + stride;
  memory.fill(scratch, 0, pcaScratchBytes(file, wanted));

  const step = sampleStep(file);
  let n: u32 = 0;
  let big = f32x4.splat(0);
  memory.fill(t, 0, stride);
  let seen: u32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    if (!isPresent(file, id) || seen++ % step != 0) continue;
    if (!centred(file, storedItem(file, id), t, z, unit)) continue; // t is zero: z = the item
    for (let i: usize = 0; i < stride; i += 16) {
      const x = v128.load(z + i);
      v128.store(mean + i, f32x4.add(v128.load(mean + i), x));
      big = f32x4.max(big, f32x4.abs(x));
    }
    n++;
  }
  if (n > 0) scale(mean, stride, 1 / <f32>n);
  // The covariance is taken of the sample divided by its largest value: the same directions, and no float32
  // overflow for any vector the loader accepts.
  const largest = max<f32>(max<f32>(f32x4.extract_lane(big, 0), f32x4.extract_lane(big, 1)), max<f32>(f32x4.extract_lane(big, 2), f32x4.extract_lane(big, 3)));
  const shrink: f32 = largest > 0 && isFinite<f32>(1 / largest) ? 1 / largest : 1;

  // Covariance, upper triangle by 4-float blocks (then mirrored): C_ij += t_i t_j.
  seen = 0;
  for (let id: u32 = 0; id < size; id++) {
    if (!isPresent(file, id) || seen++ % step != 0) continue;
    if (!centred(file, storedItem(file, id), mean, t, unit)) continue;
    scale(t, stride, shrink);
    for (let i: u32 = 0; i < dims; i++) {
      const ti = load<f32>(t + (<usize>i << 2));
      if (ti == 0) continue;
      const s = f32x4.splat(ti);
      const row = cov + <usize>i * stride;
      for (let j: usize = (<usize>i >> 2) << 4; j < stride; j += 16) {
        v128.store(row + j, f32x4.add(v128.load(row + j), f32x4.mul(s, v128.load(t + j))));
      }
    }
  }
  let trace: f64 = 0;
  for (let i: u32 = 0; i < dims; i++) {
    for (let j: u32 = 0; j < i; j++) store<f32>(cov + <usize>i * stride + (<usize>j << 2), load<f32>(cov + <usize>j * stride + (<usize>i << 2)));
    trace += <f64>load<f32>(cov + <usize>i * stride + (<usize>i << 2));
  }

  // Orthogonal iteration from a seeded random start.
  random.seedTree(seed, 0xFFFFFFFF);
  for (let j: u32 = 0; j < wanted; j++) {
    const row = q + <usize>j * stride;
    for (let i: u32 = 0; i < dims; i++) store<f32>(row + (<usize>i << 2), <f32>(<f64>random.index(65536) / 32768.0 - 1.0));
  }
  orthonormalise(q, wanted, stride);
  let captured: f64 = 0;
  let m: u32 = wanted;
  for (let round: u32 = 0; round < ROUNDS; round++) {
    for (let j: u32 = 0; j < wanted; j++) {
      const from = q + <usize>j * stride, to = z + <usize>j * stride;
      for (let i: u32 = 0; i < dims; i++) store<f32>(to + (<usize>i << 2), dot(cov + <usize>i * stride, from, stride));
    }
    if (round == ROUNDS - 1 && asked == 0) {
      // Rayleigh quotients q_j . C q_j: the variance along each direction, largest first as the iteration sorts them.
      m = 0;
      captured = 0;
      for (let j: u32 = 0; j < wanted; j++) {
        captured += <f64>dot(q + <usize>j * stride, z + <usize>j * stride, stride);
        if ((j + 1) % 16 == 0 || j + 1 == wanted) {
          m = j + 1;
          if (captured >= VARIANCE * trace) break;
        }
      }
    }
    orthonormalise(z, wanted, stride);
    const swap = q; q = z; z = swap;
  }

  for (let j: u32 = 0; j < m; j++) {
    const row = basis + <usize>j * stride;
    memory.copy(row, q + <usize>j * stride, stride);
    store<f32>(offsets + (<usize>j << 2), dot(row, mean, stride));
  }
  return m;
}

// Modified Gram-Schmidt on `count` rows; a row with nothing left (rank-deficient data) becomes zero, which adds
// nothing to any code.
function orthonormalise(rows: usize, count: u32, stride: usize): void {
  for (let j: u32 = 0; j < count; j++) {
    const r = rows + <usize>j * stride;
    const before = sqrt<f32>(dot(r, r, stride));
    for (let l: u32 = 0; l < j; l++) {
      const p = rows + <usize>l * stride;
      const c = f32x4.splat(-dot(r, p, stride));
      for (let i: usize = 0; i < stride; i += 16) v128.store(r + i, f32x4.add(v128.load(r + i), f32x4.mul(c, v128.load(p + i))));
    }
    const len = sqrt<f32>(dot(r, r, stride));
    if (len > 1e-6 * before) scale(r, stride, 1 / len);
    else memory.fill(r, 0, stride);
  }
}

// The m components B v of `v` (uncentred: the tree build's coordinates, build.ts) into `into`, zero padded to a
// multiple of 4 floats. Four basis rows share each load of v.
export function projectRaw(v: usize, rows: usize, m: u32, stride: usize, into: usize): void {
  memory.fill(into, 0, <usize>align16(<u64>m << 2));
  let j: u32 = 0;
  for (; j + 4 <= m; j += 4) {
    const r0 = rows + <usize>j * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let i: usize = 0; i < stride; i += 16) {
      const x = v128.load(v + i);
      a0 = f32x4.add(a0, f32x4.mul(x, v128.load(r0 + i)));
      a1 = f32x4.add(a1, f32x4.mul(x, v128.load(r1 + i)));
      a2 = f32x4.add(a2, f32x4.mul(x, v128.load(r2 + i)));
      a3 = f32x4.add(a3, f32x4.mul(x, v128.load(r3 + i)));
    }
    store<f32>(into + (<usize>j << 2), lanes(a0));
    store<f32>(into + (<usize>(j + 1) << 2), lanes(a1));
    store<f32>(into + (<usize>(j + 2) << 2), lanes(a2));
    store<f32>(into + (<usize>(j + 3) << 2), lanes(a3));
  }
  for (; j < m; j++) {
    let a = f32x4.splat(0);
    const r = rows + <usize>j * stride;
    for (let i: usize = 0; i < stride; i += 16) a = f32x4.add(a, f32x4.mul(v128.load(v + i), v128.load(r + i)));
    store<f32>(into + (<usize>j << 2), lanes(a));
  }
}

@inline function lanes(sum: v128): f32 {
  return (f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1)) + (f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3));
}
