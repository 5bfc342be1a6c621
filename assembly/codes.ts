// Screening codes: a small int8 copy of every vector. A query first ranks all its candidates by their codes
// (reading m bytes per item instead of 4 * dimensions: the re-rank is bound by memory and, at high dimensions, by
// arithmetic), then only the best `rerank` of them get the exact f32 distance; results always carry exact distances.
//
// The schemes, by the metric policy's flags (metrics/; each metric file says which it uses):
//   int8 (m = dimensions):
//     unitCodes:      round(127 * v / |v|)                            (angular)
//     queryOwnScale:  items round(v / scale), one scale per index;    (dot; screened by the codes' dot product,
//                     the query round(127 * q / max |q_j|)             which a positive factor on the query keeps)
//     rangeCodes:     round((v - bias) / scale) - 127, one bias and scale per index    (euclidean, manhattan)
//   pca (m principal components, pca.ts; unitCodes: of v / |v|):
//     items and queries round((B v - offsets) / scale); queryOwnScale: the query round(B q / its own scale),
//     uncentred (centring the items shifts every q . v by the same q . mean)
//   screened by the metric's screeningRule: squared L2, -dot product or L1 of the codes.
//
// The file holds only the parameters (header scale, bias and m; the pca basis); encodeCodes computes the codes
// into memory after the file image when an index is built or loaded.
import {
  H_DIMENSIONS, H_STRIDE, H_SIZE, H_SEED, H_CODE_SCALE, H_CODE_BIAS, H_CODES_KIND, H_CODE_DIMENSIONS, CODES_PCA,
  hdr32, vectorOf, codeOf, codeStride, isPresent, pcaOffsets, pcaRow, slotOffset, SLOT_QUERY_CODE, SLOT_ITEMS, decodedBytes, align16,
} from './layout';
import { setScratchItem, storedItem } from './storage';
import { dot, dotI8, squaredL2I8, l1I8 } from './simd';
import { principalComponents, pcaScratchBytes, trackedComponents, sampleStep, projectRaw } from './pca';

const MIN_NORMAL: f32 = 1.17549435e-38;

@inline function clampCode(x: f32): i32 {
  const c = <i32>nearest<f32>(x);
  return c < -127 ? -127 : c > 127 ? 127 : c;
}

// Narrows `count` f32 values at `from` to int8 codes at `out`, (x - sub) * mul - shift each, rounded and clamped to
// [-127, 127]. out may equal from (each block is read before it is written, and writes trail the reads).
function quantise(from: usize, count: u32, out: usize, mul: f32, sub: f32, shift: f32): void {
  const m = f32x4.splat(mul), b = f32x4.splat(sub), c = f32x4.splat(shift);
  const lo = f32x4.splat(-127), hi = f32x4.splat(127);
  let j: u32 = 0;
  for (; j + 16 <= count; j += 16) {
    const p = from + (<usize>j << 2);
    const r0 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p), b), m), c)))));
    const r1 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p, 16), b), m), c)))));
    const r2 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p, 32), b), m), c)))));
    const r3 = i32x4.trunc_sat_f32x4_s(f32x4.min(hi, f32x4.max(lo, f32x4.nearest(f32x4.sub(f32x4.mul(f32x4.sub(v128.load(p, 48), b), m), c)))));
    v128.store(out + j, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)));
  }
  for (; j < count; j++) store<i8>(out + j, <i8>clampCode((load<f32>(from + (<usize>j << 2)) - sub) * mul - shift));
}

// The m components of `v` (f32) to `into`, zero padded to the code stride; false for a zero vector of a metric
// whose codes are of unit vectors. The projection (most of the pca cost at build and load) is pca's own; a code's
// components are then scaled to the unit vector and centred.
function project<M>(file: usize, v: usize, into: usize, isQuery: bool): bool {
  const metric = changetype<M>(0);
  const stride = <usize>hdr32(file, H_STRIDE);
  const m = hdr32(file, H_CODE_DIMENSIONS);
  memory.fill(into, 0, codeStride(file) << 2);
  let norm: f32 = 1;
  if (metric.unitCodes()) {
    norm = sqrt<f32>(dot(v, v, stride));
    if (!(norm > 0)) return false;
  }
  projectRaw(v, pcaRow(file, 0), m, stride, into);
  const centre = !(metric.queryOwnScale() && isQuery);
  const offsets = pcaOffsets(file);
  for (let j: u32 = 0; j < m; j++) {
    const at = into + (<usize>j << 2);
    const y = load<f32>(at) / norm;
    store<f32>(at, centre ? y - load<f32>(offsets + (<usize>j << 2)) : y);
  }
  return true;
}

// Writes the code of the f32 vector at `v` (dims values, zero padded to `stride`) to `out`; `work` holds
// 4 * codeStride bytes (it may be `out`).
export function encode<M>(file: usize, v: usize, out: usize, isQuery: bool, work: usize): void {
  const metric = changetype<M>(0);
  const dims = hdr32(file, H_DIMENSIONS);
  const bytes = codeStride(file);
  if (hdr32(file, H_CODES_KIND) == CODES_PCA) {
    const m = hdr32(file, H_CODE_DIMENSIONS);
    if (!project<M>(file, v, work, isQuery)) { memory.fill(out, 0, bytes); return; }
    let mul: f32 = 1 / load<f32>(file + H_CODE_SCALE);
    if (metric.queryOwnScale() && isQuery) {
      let big: f32 = 0;
      for (let j: u32 = 0; j < m; j++) big = max<f32>(big, abs<f32>(load<f32>(work + (<usize>j << 2))));
      mul = big > 0 && isFinite<f32>(127 / big) ? 127 / big : 0;
    }
    quantise(work, <u32>bytes, out, mul, 0, 0);
    return;
  }
  memory.fill(out, 0, bytes);
  let mul: f32 = 0, sub: f32 = 0, shift: f32 = 0;
  if (metric.unitCodes() || (metric.queryOwnScale() && isQuery)) {
    let norm: f32;
    if (metric.unitCodes()) norm = sqrt<f32>(dot(v, v, <usize>hdr32(file, H_STRIDE)));
    else {
      norm = 0;
      for (let j: u32 = 0; j < dims; j++) norm = max<f32>(norm, abs<f32>(load<f32>(v + (<usize>j << 2))));
    }
    if (!(norm > 0)) return;
    mul = 127 / norm;
  } else if (!metric.rangeCodes()) {
    mul = 1 / load<f32>(file + H_CODE_SCALE);
  } else {
    mul = 1 / load<f32>(file + H_CODE_SCALE);
    sub = load<f32>(file + H_CODE_BIAS);
    shift = 127;
  }
  quantise(v, dims, out, mul, sub, shift);
}

// Scratch prepareScreening needs past the file (the pca covariance and iteration), then one decoded item (storage.ts).
export function screeningScratchBytes(file: usize, asked: u32): usize {
  return pcaPartBytes(file, asked) + <usize>decodedBytes(hdr32(file, H_DIMENSIONS));
}
function pcaPartBytes(file: usize, asked: u32): usize {
  if (hdr32(file, H_CODES_KIND) != CODES_PCA) return 0;
  const tracked = <usize>trackedComponents(file, asked);
  return <usize>align16(<u64>(pcaScratchBytes(file, <u32>tracked) + tracked * <usize>hdr32(file, H_STRIDE) + (tracked << 2)));
}

// At build time, the parameters the file keeps: the header's scale and bias, and for pca the basis (written to the
// codes section, which must have room for trackedComponents rows) and m (asked, or 0 to choose by variance).
// Returns m. The file is then resized to m by the host (the basis rows and offsets move with it: see below).
export function prepareScreeningWith<M>(file: usize, asked: u32, scratch: usize): u32 {
  const metric = changetype<M>(0);
  const dims = hdr32(file, H_DIMENSIONS);
  const size = hdr32(file, H_SIZE);
  setScratchItem(scratch + pcaPartBytes(file, asked));
  let scale: f32 = 1, bias: f32 = 0;
  if (hdr32(file, H_CODES_KIND) == CODES_PCA) {
    // The basis is computed into scratch space past the covariance, then laid out for the final m.
    const tracked = trackedComponents(file, asked);
    const stride = <usize>hdr32(file, H_STRIDE);
    const basis = scratch + pcaScratchBytes(file, tracked);
    const offsets = basis + <usize>tracked * stride;
    const m = principalComponents(file, asked, <u32>load<u64>(file + H_SEED), scratch, basis, offsets, metric.unitCodes());
    store<u32>(file + H_CODE_DIMENSIONS, m);
    memory.copy(pcaOffsets(file), offsets, <usize>m << 2);
    memory.fill(pcaOffsets(file) + (<usize>m << 2), 0, (pcaRow(file, 0) - pcaOffsets(file)) - (<usize>m << 2));
    memory.copy(pcaRow(file, 0), basis, <usize>m * stride);
    // One scale for all components (separate ones would bend distances): the largest over the sample's items
    // (projecting every item twice would double the cost; an outlier beyond it is clamped, which only screens it
    // less finely).
    let big: f32 = 0;
    const step = sampleStep(file);
    let seen: u32 = 0;
    for (let id: u32 = 0; id < size; id++) {
      if (!isPresent(file, id) || seen++ % step != 0) continue;
      if (!project<M>(file, storedItem(file, id), scratch, false)) continue;
      for (let j: u32 = 0; j < m; j++) big = max<f32>(big, abs<f32>(load<f32>(scratch + (<usize>j << 2))));
    }
    scale = big / 127;
  } else {
    let lo: f32 = Infinity, hi: f32 = -Infinity, big: f32 = 0;
    for (let id: u32 = 0; id < size; id++) {
      if (!isPresent(file, id)) continue;
      const v = storedItem(file, id);
      for (let j: u32 = 0; j < dims; j++) {
        const x = load<f32>(v + (<usize>j << 2));
        lo = min<f32>(lo, x);
        hi = max<f32>(hi, x);
        big = max<f32>(big, abs<f32>(x));
      }
    }
    if (metric.rangeCodes()) {
      if (lo <= hi) { // no items: no range (and no infinite bias in the file)
        scale = (hi - lo) / 254;
        bias = lo;
      }
    } else if (!metric.unitCodes()) scale = big / 127;
  }
  // A range too small for a normal float32 scale (all items equal, or subnormal values): any scale ranks alike.
  if (!(scale >= MIN_NORMAL) || !isFinite<f32>(1 / scale)) scale = 1;
  store<f32>(file + H_CODE_SCALE, scale);
  store<f32>(file + H_CODE_BIAS, bias);
  return hdr32(file, H_CODE_DIMENSIONS);
}

// Every present item's code into memory after the file image (codeOf); holes get zero codes. slot: a scratch slot.
export function encodeCodesWith<M>(file: usize, slot: usize): void {
  const size = hdr32(file, H_SIZE);
  const work = slot + slotOffset(file, SLOT_QUERY_CODE);
  setScratchItem(slot + slotOffset(file, SLOT_ITEMS));
  for (let id: u32 = 0; id < size; id++) {
    if (isPresent(file, id)) encode<M>(file, storedItem(file, id), codeOf(file, id), false, work);
    else memory.fill(codeOf(file, id), 0, codeStride(file));
  }
}

// Every item's code from the tree build's projections (build.ts, when it splits in the components' space: B v,
// uncentred, one row of align16(4 m) bytes per id, summed as project() sums them, pca.ts projectRaw), into
// out + id * codeStride: the very bits encodeCodes computes, without projecting every item a second time.
// work: 4 * codeStride bytes.
export function encodeCodesFromWith<M>(file: usize, projections: usize, out: usize, work: usize): void {
  const metric = changetype<M>(0);
  const size = hdr32(file, H_SIZE);
  const m = hdr32(file, H_CODE_DIMENSIONS);
  const bytes = codeStride(file);
  const rowBytes = <usize>align16(<u64>m << 2);
  const stride = <usize>hdr32(file, H_STRIDE);
  const offsets = pcaOffsets(file);
  const mul: f32 = 1 / load<f32>(file + H_CODE_SCALE);
  for (let id: u32 = 0; id < size; id++) {
    const to = out + <usize>id * bytes;
    if (!isPresent(file, id)) { memory.fill(to, 0, bytes); continue; }
    let norm: f32 = 1;
    if (metric.unitCodes()) {
      const v = vectorOf(file, id);
      norm = sqrt<f32>(dot(v, v, stride));
      if (!(norm > 0)) { memory.fill(to, 0, bytes); continue; }
    }
    memory.fill(work, 0, bytes << 2);
    const p = projections + <usize>id * rowBytes;
    for (let j: u32 = 0; j < m; j++) {
      store<f32>(work + (<usize>j << 2), load<f32>(p + (<usize>j << 2)) / norm - load<f32>(offsets + (<usize>j << 2)));
    }
    quantise(work, <u32>bytes, to, mul, 0, 0);
  }
}

// How a query compares codes (see the top of this file): the metric's screeningRule, decided once per query rather
// than per candidate.
export const SCREEN_L2: u32 = 0;
export const SCREEN_DOT: u32 = 1;
export const SCREEN_L1: u32 = 2;
// Lower is better.
@inline export function screen(rule: u32, q: usize, c: usize, bytes: usize): i32 {
  if (rule == SCREEN_L2) return squaredL2I8(q, c, bytes);
  if (rule == SCREEN_DOT) return -dotI8(q, c, bytes);
  return l1I8(q, c, bytes);
}
