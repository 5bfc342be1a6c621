// int8 screening codes: a quarter-size copy of the vectors. A query first ranks all its candidates by their
// codes (two cache lines per 100-d item instead of seven: the re-rank is bound by memory latency), then only
// the best `rerank` of them get the exact f32 distance; results always carry exact distances.
//   angular:             round(127 * v / |v|)                 screened by -codes dot product
//   dot:                 round(v / scale), one scale per index  screened by -codes dot product (the query gets
//                                                               its own scale: a positive factor keeps the order)
//   euclidean/manhattan: round((v - bias) / scale) - 127, one bias and scale per index, screened by squared L2 / L1
import {
  H_METRIC, H_DIMENSIONS, H_STRIDE, H_SIZE, H_CODE_SCALE, H_CODE_BIAS,
  METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_DOT,
  hdr32, vectorOf, codeOf, codeStrideFor, isPresent,
} from './layout';
import { dot, dotI8, squaredL2I8, l1I8 } from './simd';

const MIN_NORMAL: f32 = 1.17549435e-38;

@inline function clampCode(x: f32): i32 {
  const c = <i32>nearest<f32>(x);
  return c < -127 ? -127 : c > 127 ? 127 : c;
}

// Writes the code of the f32 vector at `v` (dims values, zero padded to `stride`) to `out`.
export function encode(file: usize, v: usize, out: usize, isQuery: bool): void {
  const metric = hdr32(file, H_METRIC);
  const dims = hdr32(file, H_DIMENSIONS);
  memory.fill(out, 0, codeStrideFor(dims));
  let mul: f32 = 0, sub: f32 = 0, shift: f32 = 0;
  if (metric == METRIC_ANGULAR || (metric == METRIC_DOT && isQuery)) {
    let norm: f32;
    if (metric == METRIC_ANGULAR) norm = sqrt<f32>(dot(v, v, <usize>hdr32(file, H_STRIDE)));
    else {
      norm = 0;
      for (let j: u32 = 0; j < dims; j++) norm = max<f32>(norm, abs<f32>(load<f32>(v + (<usize>j << 2))));
    }
    if (!(norm > 0)) return;
    mul = 127 / norm;
  } else if (metric == METRIC_DOT) {
    mul = 1 / load<f32>(file + H_CODE_SCALE);
  } else {
    mul = 1 / load<f32>(file + H_CODE_SCALE);
    sub = load<f32>(file + H_CODE_BIAS);
    shift = 127;
  }
  // 16 values at a time: scale, round, clamp to [-127, 127], narrow to i8 (what the scalar tail does one by one).
  const m = f32x4.splat(mul), b = f32x4.splat(sub), c = f32x4.splat(shift);
  const lo = f32x4.splat(-127), hi = f32x4.splat(127);
  let j: u32 = 0;
  for (; j + 16 <= dims; j += 16) {
    const p = v + (<usize>j << 2);
    const r0 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p), b), m), c)))));
    const r1 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p, 16), b), m), c)))));
    const r2 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p, 32), b), m), c)))));
    const r3 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p, 48), b), m), c)))));
    v128.store(out + j, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)));
  }
  for (; j < dims; j++) {
    store<i8>(out + j, <i8>clampCode((load<f32>(v + (<usize>j << 2)) - sub) * mul - shift));
  }
}

// The index's scale and bias (header), then every present item's code; holes keep zero codes.
export function prepareCodes(file: usize): void {
  const metric = hdr32(file, H_METRIC);
  const dims = hdr32(file, H_DIMENSIONS);
  const size = hdr32(file, H_SIZE);
  let lo: f32 = Infinity, hi: f32 = -Infinity, big: f32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    if (!isPresent(file, id)) continue;
    const v = vectorOf(file, id);
    for (let j: u32 = 0; j < dims; j++) {
      const x = load<f32>(v + (<usize>j << 2));
      lo = min<f32>(lo, x);
      hi = max<f32>(hi, x);
      big = max<f32>(big, abs<f32>(x));
    }
  }
  let scale: f32 = 1, bias: f32 = 0;
  if (metric == METRIC_DOT) scale = big / 127;
  else if (metric != METRIC_ANGULAR) {
    scale = (hi - lo) / 254;
    bias = lo;
  }
  // A range too small for a normal float32 scale (all items equal, or subnormal values): any scale ranks alike.
  if (!(scale >= MIN_NORMAL) || !isFinite<f32>(1 / scale)) scale = 1;
  store<f32>(file + H_CODE_SCALE, scale);
  store<f32>(file + H_CODE_BIAS, bias);
  for (let id: u32 = 0; id < size; id++) {
    if (isPresent(file, id)) encode(file, vectorOf(file, id), codeOf(file, id), false);
  }
}

// Lower is better.
@inline export function screen(metric: u32, q: usize, c: usize, bytes: usize): i32 {
  if (metric == METRIC_EUCLIDEAN) return squaredL2I8(q, c, bytes);
  if (metric == METRIC_ANGULAR || metric == METRIC_DOT) return -dotI8(q, c, bytes);
  return l1I8(q, c, bytes);
}
