// Compact int8 copies of the items for the neighbourhood joins (the graph build's NN-descent, graph-build.ts, and
// searchAll's joins, search-all.ts): the joins compare thousands of pairs per item at random, so they wait on
// memory, not arithmetic; a code record is 1/4 of a float32 vector, and copied in the items' locality order it
// keeps a join's items in the cache. Only the ranking inside the joins is approximate: both callers re-rank their
// final lists with the stored vectors.
//   angular                       each vector scaled to +-127 on its own, ranked by the cosine of the codes;
//   euclidean, manhattan, dot     one scale for all (the largest magnitude), ranked by the integer distance;
//   hamming                       the stored bits as they are, ranked by differing bits.
// The kernels are integer (simd.ts), so a pair's code distance is the same from either end, to the bit.
import { METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_MANHATTAN, METRIC_DOT, align16 } from './layout';
import { dotI8, squaredL2I8, l1I8, hammingBits, dotI8x4, squaredL2I8x4 } from './simd';

export const CODES_COSINE: u32 = 0;    // angular: int8 per vector, the cosine of the codes
export const CODES_DOT: u32 = 1;       // dot: int8, one scale, the dot product of the codes
export const CODES_L2: u32 = 2;        // euclidean: int8, one scale, squared distance of the codes
export const CODES_L1: u32 = 3;        // manhattan: int8, one scale, L1 distance of the codes
export const CODES_BITS: u32 = 4;      // hamming: the stored bits, differing bits

export function codesKindOf(metric: u32): u32 {
  return metric == METRIC_ANGULAR ? CODES_COSINE : metric == METRIC_DOT ? CODES_DOT
    : metric == METRIC_EUCLIDEAN ? CODES_L2 : metric == METRIC_MANHATTAN ? CODES_L1 : CODES_BITS;
}

// Bytes per record: `dims` int8 codes, or hamming's `stride` bytes of bits, padded to 16 (the kernels' step).
export function codeRecordBytes(kind: u32, dims: u32, stride: u32): usize {
  return kind == CODES_BITS ? <usize>align16(<u64>stride) : <usize>align16(<u64>dims);
}

// The largest magnitude among the `dims` floats at v.
function largestMagnitude(v: usize, dims: usize): f32 {
  let big: f32 = 0;
  for (let j: usize = 0; j < dims; j++) big = max<f32>(big, abs<f32>(load<f32>(v + (j << 2))));
  return big;
}

// The codes of the `dims` floats at v scaled by s, rounded and clamped to +-127, into out (its padding must be
// zero); returns the codes' squared length.
function quantize(v: usize, dims: usize, s: f32, out: usize): i32 {
  let nn: i32 = 0;
  for (let j: usize = 0; j < dims; j++) {
    const q = <i32>nearest<f32>(min<f32>(127, max<f32>(-127, load<f32>(v + (j << 2)) * s)));
    store<i8>(out + j, <i8>q);
    nn += q * q;
  }
  return nn;
}

// Writes the codes of `count` vectors, vectorOf(0 .. count - 1), into records of `record` bytes from `codes` on (the
// records are zeroed first: padding stays zero), and each record's 1 / |codes| (0 for an all-zero record) from
// `inverseLengths` on. A vector is `dims` floats, or for CODES_BITS `bits` bytes copied as they are (no lengths).
// Returns the one scale every record but CODES_COSINE's was coded with (127 / the largest magnitude; 0 when every
// value is zero, and for CODES_COSINE and CODES_BITS).
export function encodeRecords(kind: u32, count: u32, vectorOf: (r: u32) => usize, dims: usize, bits: usize, codes: usize, record: usize, inverseLengths: usize): f32 {
  memory.fill(codes, 0, <usize>count * record);
  if (kind == CODES_BITS) {
    for (let r: u32 = 0; r < count; r++) memory.copy(codes + <usize>r * record, vectorOf(r), bits);
    return 0;
  }
  let big: f32 = 0;
  if (kind != CODES_COSINE) for (let r: u32 = 0; r < count; r++) big = max<f32>(big, largestMagnitude(vectorOf(r), dims));
  for (let r: u32 = 0; r < count; r++) {
    const v = vectorOf(r);
    const top = kind == CODES_COSINE ? largestMagnitude(v, dims) : big;
    const nn = quantize(v, dims, top > 0 ? <f32>127 / top : 0, codes + <usize>r * record);
    store<f32>(inverseLengths + (<usize>r << 2), nn > 0 ? <f32>1 / sqrt<f32>(<f32>nn) : 0);
  }
  return kind != CODES_COSINE && big > 0 ? <f32>127 / big : 0;
}

// The records' integer comparison: CODES_COSINE and CODES_DOT their dot product, the others their distance.
@inline export function codeKernel(kind: u32, a: usize, b: usize, record: usize): i32 {
  if (kind <= CODES_DOT) return dotI8(a, b, record);
  if (kind == CODES_L2) return squaredL2I8(a, b, record);
  if (kind == CODES_L1) return l1I8(a, b, record);
  return <i32>hammingBits(a, b, record);
}

// codeKernel of a against b0 .. b3, lane x b_x's: the same integers, four at a time (the int8 kinds share a's
// loads; the others are compared one by one).
export function codeKernel4(kind: u32, a: usize, b0: usize, b1: usize, b2: usize, b3: usize, record: usize): v128 {
  if (kind <= CODES_DOT) return dotI8x4(a, b0, b1, b2, b3, record);
  if (kind == CODES_L2) return squaredL2I8x4(a, b0, b1, b2, b3, record);
  let v = i32x4.splat(codeKernel(kind, a, b0, record));
  v = i32x4.replace_lane(v, 1, codeKernel(kind, a, b1, record));
  v = i32x4.replace_lane(v, 2, codeKernel(kind, a, b2, record));
  return i32x4.replace_lane(v, 3, codeKernel(kind, a, b3, record));
}
