// f32x4 kernels with four accumulators. Every stored vector, plane and query buffer is zero-padded to a multiple
// of 16 bytes (layout.ts), so the loops need no scalar tail and the padding adds exactly 0 to each sum.
// The summation order is fixed, so results are bit-identical on every machine (wasm has no fused multiply-add).

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

export function dot(a: usize, b: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
  let i: usize = 0;
  // Eight independent sums for long vectors: a float add takes several cycles, and the CPU can start two a cycle.
  for (; i + 128 <= bytes; i += 128) {
    const pa = a + i, pb = b + i;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(pa), v128.load(pb)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(pa, 16), v128.load(pb, 16)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(pa, 32), v128.load(pb, 32)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(pa, 48), v128.load(pb, 48)));
    s4 = f32x4.add(s4, f32x4.mul(v128.load(pa, 64), v128.load(pb, 64)));
    s5 = f32x4.add(s5, f32x4.mul(v128.load(pa, 80), v128.load(pb, 80)));
    s6 = f32x4.add(s6, f32x4.mul(v128.load(pa, 96), v128.load(pb, 96)));
    s7 = f32x4.add(s7, f32x4.mul(v128.load(pa, 112), v128.load(pb, 112)));
  }
  for (; i < bytes; i += 16) s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
  return hsum(f32x4.add(f32x4.add(f32x4.add(s0, s4), f32x4.add(s1, s5)), f32x4.add(f32x4.add(s2, s6), f32x4.add(s3, s7))));
}

// a.b and b.b in one pass over b: the angular distance needs the item's norm, and b is the operand that comes
// from main memory, so reading it once matters more than the extra multiply.
export let dotNormSecond: f32 = 0;
export function dotAndNorm(a: usize, b: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), n0 = f32x4.splat(0), n1 = f32x4.splat(0);
  let i: usize = 0;
  for (; i + 32 <= bytes; i += 32) {
    const x0 = v128.load(b + i), x1 = v128.load(b + i, 16);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), x0));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + i, 16), x1));
    n0 = f32x4.add(n0, f32x4.mul(x0, x0));
    n1 = f32x4.add(n1, f32x4.mul(x1, x1));
  }
  for (; i < bytes; i += 16) {
    const x = v128.load(b + i);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), x));
    n0 = f32x4.add(n0, f32x4.mul(x, x));
  }
  dotNormSecond = hsum(f32x4.add(n0, n1));
  return hsum(f32x4.add(s0, s1));
}

export function squaredL2(a: usize, b: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let i: usize = 0;
  for (; i + 64 <= bytes; i += 64) {
    const pa = a + i, pb = b + i;
    const d0 = f32x4.sub(v128.load(pa), v128.load(pb));
    const d1 = f32x4.sub(v128.load(pa, 16), v128.load(pb, 16));
    const d2 = f32x4.sub(v128.load(pa, 32), v128.load(pb, 32));
    const d3 = f32x4.sub(v128.load(pa, 48), v128.load(pb, 48));
    s0 = f32x4.add(s0, f32x4.mul(d0, d0));
    s1 = f32x4.add(s1, f32x4.mul(d1, d1));
    s2 = f32x4.add(s2, f32x4.mul(d2, d2));
    s3 = f32x4.add(s3, f32x4.mul(d3, d3));
  }
  for (; i < bytes; i += 16) {
    const d = f32x4.sub(v128.load(a + i), v128.load(b + i));
    s0 = f32x4.add(s0, f32x4.mul(d, d));
  }
  return hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
}

export function l1(a: usize, b: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let i: usize = 0;
  for (; i + 64 <= bytes; i += 64) {
    const pa = a + i, pb = b + i;
    s0 = f32x4.add(s0, f32x4.abs(f32x4.sub(v128.load(pa), v128.load(pb))));
    s1 = f32x4.add(s1, f32x4.abs(f32x4.sub(v128.load(pa, 16), v128.load(pb, 16))));
    s2 = f32x4.add(s2, f32x4.abs(f32x4.sub(v128.load(pa, 32), v128.load(pb, 32))));
    s3 = f32x4.add(s3, f32x4.abs(f32x4.sub(v128.load(pa, 48), v128.load(pb, 48))));
  }
  for (; i < bytes; i += 16) s0 = f32x4.add(s0, f32x4.abs(f32x4.sub(v128.load(a + i), v128.load(b + i))));
  return hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
}

export function hammingBits(a: usize, b: usize, bytes: usize): u32 {
  let c0: u64 = 0, c1: u64 = 0;
  for (let i: usize = 0; i < bytes; i += 16) {
    c0 += popcnt<u64>(load<u64>(a + i) ^ load<u64>(b + i));
    c1 += popcnt<u64>(load<u64>(a + i, 8) ^ load<u64>(b + i, 8));
  }
  return <u32>(c0 + c1);
}

// v *= s over `bytes`; used to normalise planes and centroids.
export function scale(v: usize, bytes: usize, s: f32): void {
  const m = f32x4.splat(s);
  for (let i: usize = 0; i < bytes; i += 16) v128.store(v + i, f32x4.mul(v128.load(v + i), m));
}

// out[i] = s * codes[i] for `lanes` int8 codes (a multiple of 16): int8 vectors (storage.ts) and compact planes
// (compact.ts) decode through it.
export function widenI8(codes: usize, s: f32, out: usize, lanes: usize): void {
  const m = f32x4.splat(s);
  for (let i: usize = 0; i < lanes; i += 16) {
    const c = v128.load(codes + i);
    const lo = i16x8.extend_low_i8x16_s(c), hi = i16x8.extend_high_i8x16_s(c);
    const o = out + (i << 2);
    v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), m));
    v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), m), 16);
    v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), m), 32);
    v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), m), 48);
  }
}

// int8 kernels for the screening codes (codes.ts), widened to i16 and summed in i32x4 lanes.
@inline function isum(v: v128): i32 {
  return (i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1)) + (i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
}

export function dotI8(a: usize, b: usize, bytes: usize): i32 {
  let acc = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) {
    const x = v128.load(a + i), y = v128.load(b + i);
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(x), i16x8.extend_low_i8x16_s(y)));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(x), i16x8.extend_high_i8x16_s(y)));
  }
  return isum(acc);
}

// The four lanes' sums of a, b, c, d as one i32x4 (a's in lane 0): integer adds, so each lane equals isum.
@inline function isum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(v128.shuffle<i32>(a, b, 0, 4, 1, 5), v128.shuffle<i32>(a, b, 2, 6, 3, 7)); // a0+a2 b0+b2 a1+a3 b1+b3
  const cd = i32x4.add(v128.shuffle<i32>(c, d, 0, 4, 1, 5), v128.shuffle<i32>(c, d, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(ab, cd, 0, 1, 4, 5), v128.shuffle<i32>(ab, cd, 2, 3, 6, 7));
}

// dotI8 of a against b0 .. b3 at once, lane x b_x's: a's codes are loaded and widened once for the four (a join
// compares one item with many).
export function dotI8x4(a: usize, b0: usize, b1: usize, b2: usize, b3: usize, bytes: usize): v128 {
  let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) {
    const x = v128.load(a + i);
    const lo = i16x8.extend_low_i8x16_s(x), hi = i16x8.extend_high_i8x16_s(x);
    const y0 = v128.load(b0 + i), y1 = v128.load(b1 + i), y2 = v128.load(b2 + i), y3 = v128.load(b3 + i);
    s0 = i32x4.add(s0, i32x4.dot_i16x8_s(lo, i16x8.extend_low_i8x16_s(y0)));
    s0 = i32x4.add(s0, i32x4.dot_i16x8_s(hi, i16x8.extend_high_i8x16_s(y0)));
    s1 = i32x4.add(s1, i32x4.dot_i16x8_s(lo, i16x8.extend_low_i8x16_s(y1)));
    s1 = i32x4.add(s1, i32x4.dot_i16x8_s(hi, i16x8.extend_high_i8x16_s(y1)));
    s2 = i32x4.add(s2, i32x4.dot_i16x8_s(lo, i16x8.extend_low_i8x16_s(y2)));
    s2 = i32x4.add(s2, i32x4.dot_i16x8_s(hi, i16x8.extend_high_i8x16_s(y2)));
    s3 = i32x4.add(s3, i32x4.dot_i16x8_s(lo, i16x8.extend_low_i8x16_s(y3)));
    s3 = i32x4.add(s3, i32x4.dot_i16x8_s(hi, i16x8.extend_high_i8x16_s(y3)));
  }
  return isum4(s0, s1, s2, s3);
}

// squaredL2I8 of a against b0 .. b3 at once (as dotI8x4).
export function squaredL2I8x4(a: usize, b0: usize, b1: usize, b2: usize, b3: usize, bytes: usize): v128 {
  let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) {
    const x = v128.load(a + i);
    const lo = i16x8.extend_low_i8x16_s(x), hi = i16x8.extend_high_i8x16_s(x);
    const y0 = v128.load(b0 + i), y1 = v128.load(b1 + i), y2 = v128.load(b2 + i), y3 = v128.load(b3 + i);
    const l0 = i16x8.sub(lo, i16x8.extend_low_i8x16_s(y0)), h0 = i16x8.sub(hi, i16x8.extend_high_i8x16_s(y0));
    const l1 = i16x8.sub(lo, i16x8.extend_low_i8x16_s(y1)), h1 = i16x8.sub(hi, i16x8.extend_high_i8x16_s(y1));
    const l2 = i16x8.sub(lo, i16x8.extend_low_i8x16_s(y2)), h2 = i16x8.sub(hi, i16x8.extend_high_i8x16_s(y2));
    const l3 = i16x8.sub(lo, i16x8.extend_low_i8x16_s(y3)), h3 = i16x8.sub(hi, i16x8.extend_high_i8x16_s(y3));
    s0 = i32x4.add(s0, i32x4.add(i32x4.dot_i16x8_s(l0, l0), i32x4.dot_i16x8_s(h0, h0)));
    s1 = i32x4.add(s1, i32x4.add(i32x4.dot_i16x8_s(l1, l1), i32x4.dot_i16x8_s(h1, h1)));
    s2 = i32x4.add(s2, i32x4.add(i32x4.dot_i16x8_s(l2, l2), i32x4.dot_i16x8_s(h2, h2)));
    s3 = i32x4.add(s3, i32x4.add(i32x4.dot_i16x8_s(l3, l3), i32x4.dot_i16x8_s(h3, h3)));
  }
  return isum4(s0, s1, s2, s3);
}

export function squaredL2I8(a: usize, b: usize, bytes: usize): i32 {
  let acc = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) {
    const x = v128.load(a + i), y = v128.load(b + i);
    const lo = i16x8.sub(i16x8.extend_low_i8x16_s(x), i16x8.extend_low_i8x16_s(y));
    const hi = i16x8.sub(i16x8.extend_high_i8x16_s(x), i16x8.extend_high_i8x16_s(y));
    acc = i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(lo, lo), i32x4.dot_i16x8_s(hi, hi)));
  }
  return isum(acc);
}

export function l1I8(a: usize, b: usize, bytes: usize): i32 {
  let acc = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) {
    const x = v128.load(a + i), y = v128.load(b + i);
    const lo = i16x8.abs(i16x8.sub(i16x8.extend_low_i8x16_s(x), i16x8.extend_low_i8x16_s(y)));
    const hi = i16x8.abs(i16x8.sub(i16x8.extend_high_i8x16_s(x), i16x8.extend_high_i8x16_s(y)));
    acc = i32x4.add(acc, i32x4.add(i32x4.extadd_pairwise_i16x8_s(lo), i32x4.extadd_pairwise_i16x8_s(hi)));
  }
  return isum(acc);
}
