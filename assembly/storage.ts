// How item vectors are stored: float32 (Annoy's), float16, bfloat16 or int8 (StorageOptions in the facade). Fewer
// bytes per item mean more items per memory and fewer cache lines per candidate, which is what a query waits on.
// Distances are always computed in f32 from the stored values: a stored vector is decoded into a scratch vector
// (in the query's slot) and handed to the metric's f32 kernels, so the metrics know nothing of storage.
//
//   float16   IEEE half, round to nearest even: relative error <= 2^-11 a value (|x| >= 2^-14), largest 65504
//   bfloat16  the top 16 bits of the f32, round to nearest even: relative error <= 2^-8 a value, f32's range
//   int8      per vector: codes c_j in [-127, 127] and one f32 scale s at the record's end, x_j ~ s * c_j,
//             s = max_j |x_j| / 127 (absolute error <= s / 2 a value). Per vector was measured to keep recall
//             better than one scale and offset per dimension (bench/lab/int8-scales.mjs: glove-sample 0.992 against
//             0.989, fashion-sample 0.994 against 0.993, exact top 10), and its scale shares the record's cache
//             lines: no second memory read per candidate.
//
// A record is itemStrideFor(kind) bytes, zero padded (int8: the scale in its last 4 bytes). Holes are all zero.
// Decoding never writes outside the first 4 * align16(dimensions) bytes of its target (DECODED_BYTES), and the
// lanes the f32 kernels read (the f32 stride) hold exactly the decoded values and zero padding.
import {
  H_DIMENSIONS, H_STRIDE, H_SIZE, H_VECTORS_OFFSET, hdr32, hdr64, align16, decodedBytes,
  STORAGE_FLOAT32, STORAGE_FLOAT16, STORAGE_BFLOAT16, STORAGE_INT8, storageOf, itemStrideFor, itemStride,
} from './layout';
import { widenI8 } from './simd';


// ---- decoding (SIMD; wasm has no f16 arithmetic: the bits are rebuilt with integer ops and one f32 multiply)

const HALF_SIGN = i32x4.splat(0x8000);
const HALF_MAGNITUDE = i32x4.splat(0x7FFF);
// 2^112: a half's exponent (bias 15) shifted into an f32's (bias 127); the multiply also normalises subnormals.
const HALF_REBIAS = f32x4.splat(5.192296858534828e33);

@inline function halves(x: v128): v128 {
  const f = f32x4.mul(i32x4.shl(v128.and(x, HALF_MAGNITUDE), 13), HALF_REBIAS);
  return v128.or(f, i32x4.shl(v128.and(x, HALF_SIGN), 16));
}

// `lanes` f32 values (a multiple of 4) decoded from the record at `v` into `out`.
export function decodeFloat16(v: usize, out: usize, lanes: usize): void {
  for (let i: usize = 0; i < lanes; i += 8) {
    const h = v128.load(v + (i << 1));
    v128.store(out + (i << 2), halves(i32x4.extend_low_i16x8_u(h)));
    v128.store(out + (i << 2), halves(i32x4.extend_high_i16x8_u(h)), 16);
  }
}

export function decodeBfloat16(v: usize, out: usize, lanes: usize): void {
  for (let i: usize = 0; i < lanes; i += 8) {
    const h = v128.load(v + (i << 1));
    v128.store(out + (i << 2), i32x4.shl(i32x4.extend_low_i16x8_u(h), 16));
    v128.store(out + (i << 2), i32x4.shl(i32x4.extend_high_i16x8_u(h), 16), 16);
  }
}

export function decodeInt8(v: usize, out: usize, lanes: usize, record: usize): void {
  widenI8(v, load<f32>(v + record - 4), out, lanes);
}

// The storage policies: the hot loops (search.ts, graph-search.ts) are specialised per storage as per metric
// (metrics/index.ts), so no candidate pays a branch on the kind. item(): the f32 vector of `id`, decoded into
// `into` (float32: the record itself, no copy); lanes: the f32 lanes the kernels read (stride / 4).
export class Float32Storage {
  @inline item(file: usize, id: u32, into: usize, record: usize, lanes: usize): usize { return recordOf(file, id, record); }
}
export class Float16Storage {
  @inline item(file: usize, id: u32, into: usize, record: usize, lanes: usize): usize {
    decodeFloat16(recordOf(file, id, record), into, lanes);
    return into;
  }
}
export class Bfloat16Storage {
  @inline item(file: usize, id: u32, into: usize, record: usize, lanes: usize): usize {
    decodeBfloat16(recordOf(file, id, record), into, lanes);
    return into;
  }
}
export class Int8Storage {
  @inline item(file: usize, id: u32, into: usize, record: usize, lanes: usize): usize {
    decodeInt8(recordOf(file, id, record), into, lanes, record);
    return into;
  }
}

@inline export function recordOf(file: usize, id: u32, record: usize): usize {
  return file + <usize>hdr64(file, H_VECTORS_OFFSET) + <usize>id * record;
}

// Item `id` as f32 values, whatever the storage (a branch per call: for loads, builds and single lookups, not the
// query loops).
export function itemF32(file: usize, id: u32, into: usize): usize {
  const kind = storageOf(file);
  const record = itemStride(file);
  const lanes = <usize>hdr32(file, H_STRIDE) >> 2;
  const v = recordOf(file, id, record);
  if (kind == STORAGE_FLOAT16) decodeFloat16(v, into, lanes);
  else if (kind == STORAGE_BFLOAT16) decodeBfloat16(v, into, lanes);
  else if (kind == STORAGE_INT8) decodeInt8(v, into, lanes, record);
  else return v;
  return into;
}

// ---- encoding (build and conversion time; scalar)

// f32 -> f16 bits, round to nearest even; 0x7C00 (infinity) when |x| rounds past 65504.
function toHalf(x: f32): u32 {
  const b = reinterpret<u32>(x);
  const sign = (b >> 16) & 0x8000;
  const a = b & 0x7FFFFFFF;
  if (a >= 0x477FF000) return sign | 0x7C00; // >= 65520: rounds to infinity
  if (a < 0x38800000) { // below 2^-14: a subnormal half (or zero)
    if (a < 0x33000000) return sign; // below 2^-25: rounds to zero
    const e = a >> 23;
    const m = (a & 0x7FFFFF) | 0x800000;
    const shift = 126 - e; // 14..24
    let h = m >> shift;
    const rest = m & ((<u32>1 << shift) - 1), half: u32 = <u32>1 << (shift - 1);
    if (rest > half || (rest == half && (h & 1) != 0)) h++;
    return sign | h;
  }
  let h = ((a >> 13) - (112 << 10));
  const rest = a & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) h++;
  return sign | h;
}

function toBfloat(x: f32): u32 {
  const b = reinterpret<u32>(x);
  return (b + 0x7FFF + ((b >> 16) & 1)) >> 16;
}

// Encodes the f32 vector `v` (dims values) as a record of `kind` at `out` (record bytes, zero padded). Returns false
// when a value does not fit the kind (float16 beyond 65504, bfloat16 beyond f32's largest after rounding).
export function encodeItem(kind: u32, v: usize, out: usize, dims: u32, record: usize): bool {
  memory.fill(out, 0, record);
  if (kind == STORAGE_INT8) {
    let big: f32 = 0;
    for (let j: u32 = 0; j < dims; j++) big = max<f32>(big, abs<f32>(load<f32>(v + (<usize>j << 2))));
    let s: f32 = big / 127;
    if (!(s >= 1.17549435e-38)) s = big > 0 ? 1.17549435e-38 : 1; // tiny or zero vectors: any normal scale
    for (let j: u32 = 0; j < dims; j++) {
      let c = <i32>nearest<f32>(load<f32>(v + (<usize>j << 2)) / s);
      c = c < -127 ? -127 : c > 127 ? 127 : c;
      store<i8>(out + j, <i8>c);
    }
    store<f32>(out + record - 4, s);
    return true;
  }
  for (let j: u32 = 0; j < dims; j++) {
    const x = load<f32>(v + (<usize>j << 2));
    const h = kind == STORAGE_FLOAT16 ? toHalf(x) : toBfloat(x);
    if ((h & 0x7FFF) >= (kind == STORAGE_FLOAT16 ? <u32>0x7C00 : <u32>0x7F80)) return false;
    store<u16>(out + (<usize>j << 1), <u16>h);
  }
  return true;
}

// Converts every item of the file's vectors section from `fromKind` records to `toKind` records in place: forward
// when records shrink, backward when they grow, so no record is overwritten before it is read (each is decoded
// into `work` first). present: the present bitmap (the caller's copy: a growing section overwrites the file's).
// Holes become all-zero records. checkOnly: write nothing, only find a value toKind cannot hold.
// Returns -1, or the first id whose values do not fit toKind (float16 beyond 65504).
export function convertItems(file: usize, fromKind: u32, toKind: u32, present: usize, work: usize, checkOnly: bool): i32 {
  const dims = hdr32(file, H_DIMENSIONS);
  const fstride = hdr32(file, H_STRIDE);
  const size = hdr32(file, H_SIZE);
  const fromRecord = <usize>itemStrideFor(fromKind, dims, fstride);
  const toRecord = <usize>itemStrideFor(toKind, dims, fstride);
  const vectors = file + <usize>hdr64(file, H_VECTORS_OFFSET);
  const lanes = <usize>fstride >> 2;
  const packed = work + <usize>decodedBytes(dims);
  const backward = toRecord > fromRecord;
  for (let n: u32 = 0; n < size; n++) {
    const id = backward ? size - 1 - n : n;
    const from = vectors + <usize>id * fromRecord;
    const to = vectors + <usize>id * toRecord;
    if (((load<u32>(present + ((<usize>id >> 5) << 2)) >> (id & 31)) & 1) == 0) {
      if (!checkOnly) memory.fill(to, 0, toRecord);
      continue;
    }
    let v = from;
    if (fromKind == STORAGE_FLOAT16) { decodeFloat16(from, work, lanes); v = work; }
    else if (fromKind == STORAGE_BFLOAT16) { decodeBfloat16(from, work, lanes); v = work; }
    else if (fromKind == STORAGE_INT8) { decodeInt8(from, work, lanes, fromRecord); v = work; }
    if (toKind == STORAGE_FLOAT32) {
      if (!checkOnly) memory.copy(to, v, toRecord);
    } else {
      if (!encodeItem(toKind, v, packed, dims, toRecord)) return <i32>id;
      if (!checkOnly) memory.copy(to, packed, toRecord);
    }
  }
  return -1;
}
// work: decodedBytes for the decoded item, then room for one packed record.
export function convertScratchBytes(dims: u32): u64 { return decodedBytes(dims) + align16(<u64>dims << 2) + 16; }

// A stored record is well formed: zero padding; float16: no infinity or NaN; int8: a finite scale, positive for a
// present item (a hole's record is all zero). Its decoded values are checked by the metric (vectorOk).
export function recordOk(kind: u32, v: usize, dims: u32, record: usize, present: bool): bool {
  if (kind == STORAGE_INT8) {
    for (let j: usize = dims; j < record - 4; j++) if (load<u8>(v + j) != 0) return false;
    const s = load<f32>(v + record - 4);
    if (!present) return reinterpret<u32>(s) == 0 && allZero(v, dims);
    return s >= 1.17549435e-38 && s < Infinity;
  }
  for (let j: usize = <usize>dims << 1; j < record; j++) if (load<u8>(v + j) != 0) return false;
  if (kind == STORAGE_FLOAT16) {
    for (let j: usize = 0; j < dims; j++) if ((load<u16>(v + (j << 1)) & 0x7C00) == 0x7C00) return false;
  }
  return true;
}

function allZero(v: usize, bytes: usize): bool {
  for (let j: usize = 0; j < bytes; j++) if (load<u8>(v + j) != 0) return false;
  return true;
}

// For the load- and build-time passes over every item (codes.ts, pca.ts, validate.ts): where the entry point put
// its decode target, and item id as f32 through it.
export let scratchItem: usize = 0;
export function setScratchItem(at: usize): void { scratchItem = at; }
@inline export function storedItem(file: usize, id: u32): usize { return itemF32(file, id, scratchItem); }
