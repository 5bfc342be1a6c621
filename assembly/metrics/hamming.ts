// Hamming over bits packed into u64 words (bit j = word j/64, bit j%64). A split tests one bit, chosen at random
// among bits that actually separate the items (Annoy: 20 random tries, then a scan). The queue counts the wrong
// turns a path took (Annoy's pq_distance for hamming). No screening codes: the vectors are already one bit a value.
import { NODE_OFFSET } from '../layout';
import { hammingBits } from '../simd';
import { index } from '../random';
import { vectors, stride, dims, work, itemOf } from '../build';
import { SCREEN_L1 } from '../codes';

// Priorities count the wrong turns taken; start high enough that they never reach zero.
const START: f32 = 16777216;

@inline export function bit(v: usize, b: u32): u32 {
  return <u32>((load<u64>(v + ((<usize>b >> 6) << 3)) >> (<u64>b & 63)) & 1);
}

@inline export function margin(node: usize, v: usize): u32 { return bit(v, load<u32>(node + NODE_OFFSET)); }

// Counts the items of work[lo, hi) whose bit b is set.
function countSet(vectors: usize, stride: usize, work: usize, lo: u32, hi: u32, b: u32): u32 {
  let c: u32 = 0;
  for (let i = lo; i < hi; i++) c += bit(vectors + <usize>load<u32>(work + (<usize>i << 2)) * stride, b);
  return c;
}

export function setPlane(node: usize, vectors: usize, stride: usize, dims: u32, work: usize, lo: u32, hi: u32): void {
  const n = hi - lo;
  let b: u32 = 0;
  let found = false;
  for (let t = 0; t < 20 && !found; t++) {
    b = index(dims);
    const c = countSet(vectors, stride, work, lo, hi, b);
    found = c > 0 && c < n;
  }
  for (let j: u32 = 0; j < dims && !found; j++) {
    b = j;
    const c = countSet(vectors, stride, work, lo, hi, b);
    found = c > 0 && c < n;
  }
  store<u32>(node + NODE_OFFSET, b);
}

// The user gives 0/1 values (checked by the API); a value above 0.5 sets its bit.
export function packQuery(q: usize, input: usize, dims: u32): void {
  for (let j: u32 = 0; j < dims; j++) {
    if (load<f32>(input + (<usize>j << 2)) > 0.5) {
      const w = q + ((<usize>j >> 6) << 3);
      store<u64>(w, load<u64>(w) | (<u64>1 << (<u64>j & 63)));
    }
  }
}

// A stored vector as the user gave it: 0/1 values.
export function unpack(v: usize, out: usize, dims: u32): void {
  for (let j: u32 = 0; j < dims; j++) store<f32>(out + (<usize>j << 2), <f32>bit(v, j));
}

// Bits from dims on are zero.
export function bitsOk(p: usize, dims: u32, bytes: usize): bool {
  for (let b = <usize>dims; b < bytes * 8; b++) {
    if (((load<u8>(p + (b >> 3)) >> <u8>(b & 7)) & 1) != 0) return false;
  }
  return true;
}

// The policy (metrics/index.ts documents each method).
export class Hamming {
  @inline queryNorm(q: usize, bytes: usize): f32 { return 0; }
  @inline distance(q: usize, v: usize, bytes: usize, qq: f32): f32 { return <f32>hammingBits(q, v, bytes); }
  @inline toUser(d: f32): f32 { return d; }
  @inline rank(d: f32): f32 { return d; }
  @inline userOfRank(r: f32): f32 { return r; }
  @inline packQuery(q: usize, input: usize, dims: u32): void { packQuery(q, input, dims); }
  @inline unpack(v: usize, out: usize, dims: u32): void { unpack(v, out, dims); }
  @inline startPriority(): f32 { return START; }
  // The bit the split tests (0 or 1): the child of the other value costs one wrong turn.
  @inline margin(node: usize, q: usize, bytes: usize): f32 { return <f32>margin(node, q); }
  // m is 0 or 1, so both are exact: child 1 costs 1 - m, child 0 costs m (no conversion back to an integer).
  @inline childPriority(d: f32, m: f32, child: u32): f32 { return d - (child == 1 ? 1 - m : m); }

  @inline prepareBuild(file: usize, extrasAt: usize): void {}
  @inline side(split: usize, id: u32): u32 { return margin(split, itemOf(id)); }
  createSplit(split: usize, lo: u32, hi: u32): void { setPlane(split, vectors, stride, dims, work, lo, hi); }
  @inline onSphere(): bool { return false; } // no two-means: nothing to normalise (build.ts keeps no norms)

  @inline unitCodes(): bool { return false; }
  @inline queryOwnScale(): bool { return false; }
  @inline rangeCodes(): bool { return false; }
  @inline screeningRule(kind: u32): u32 { return SCREEN_L1; }

  @inline vectorOk(v: usize, dims: u32, bytes: usize): bool { return bitsOk(v, dims, bytes); }
  // Any bit within the stride (bits past the dimensions are zero in every vector: harmless).
  @inline splitOk(node: usize, dims: u32, bytes: usize): bool { return <usize>load<u32>(node + NODE_OFFSET) < bytes << 3; }
}
