// Hamming over bits packed into u64 words (bit j = word j/64, bit j%64). A split tests one bit, chosen at random
// among bits that actually separate the items (Annoy: 20 random tries, then a scan).
import { NODE_OFFSET } from '../layout';
import { hammingBits } from '../simd';
import { index } from '../random';

@inline export function distance(q: usize, v: usize, bytes: usize): f32 { return <f32>hammingBits(q, v, bytes); }

@inline export function toUser(d: f32): f32 { return d; }

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
