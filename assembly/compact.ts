// Compact trees (layout.ts TREES_COMPACT): split planes as int8 codes with one f32 scale, leaves as packed ids in a
// stream of their own. What it saves, from the real nodes of glove-100 (bench/lab/tree-bytes.mjs): a 100-d split
// record goes from 416 to 128 bytes, and a leaf from a 412-byte record (59 ids of 102 on average, the rest padding)
// to ceil((7 + 19 * 59) / 32) words, 144 bytes.
//
// Plane error: each normal value is s * c with s = max_j |w_j| / 127, so |w_j - s c_j| <= s / 2. The build quantises
// a plane right after choosing it, before it routes its items (quantisePlane), so items are sent down the tree by
// the very values the search reads: the margins differ from the float32 plane's, not the build's routing from the
// search's. (Splits made in pca's component space are routed there, as before: their file plane is quantised after.)
import {
  H_METRIC, H_DIMENSIONS, H_SIZE, H_LEAF_CAPACITY, H_NODE_COUNT, H_TREES, H_ROOTS_OFFSET,
  SPLIT_TAG, NODE_CHILD0, NODE_CHILD1, NODE_OFFSET, NODE_PLANE, NODE_LEAF_IDS, NODE_PLANE_SCALE, NODE_PLANE_CODES,
  LEAF_REF, SECTION_LEAVES, PARAM_LEAF_ID_BITS, hdr32, hdr64, sectionAt, sectionBytes, sectionParam, isPresent,
  planeValuesFor, compactNodeBytesFor, bitsFor, nodeAt, align16,
} from './layout';
import { widenI8 } from './simd';

const INT8_MAX: f32 = 127;

// ---- planes

// Quantises the f32 plane of `values` values at split + NODE_PLANE in place: each value becomes s * c (as the search
// computes it); s goes to split + NODE_CHILD0, unused until the split is written (writeCompactSplit). A zero plane
// (a random split) and one too small for a normal scale get s = 1 and all codes 0.
export function quantisePlane(split: usize, values: u32): void {
  const plane = split + NODE_PLANE;
  let most: f32 = 0;
  for (let j: u32 = 0; j < values; j++) most = max<f32>(most, abs<f32>(load<f32>(plane + (<usize>j << 2))));
  let s: f32 = most / INT8_MAX;
  const usable = s >= 1.1754943508222875e-38 && isFinite<f32>(s);
  if (!usable) s = 1;
  for (let j: u32 = 0; j < values; j++) {
    const at = plane + (<usize>j << 2);
    const c: f32 = usable ? clampCode(nearest<f32>(load<f32>(at) / s)) : 0;
    store<f32>(at, c * s);
  }
  store<f32>(split + NODE_CHILD0, s);
}

@inline function clampCode(c: f32): f32 { return min<f32>(INT8_MAX, max<f32>(-INT8_MAX, c)); }

// The compact record of a quantised split (quantisePlane) at `node`: tag, refs, offset, scale, codes (the rest of
// the record zero, as allocated). Each stored value is s * c exactly, so c = nearest(value / s) recovers it.
export function writeCompactSplit(node: usize, split: usize, values: u32, child0: i32, child1: i32): void {
  const s = load<f32>(split + NODE_CHILD0);
  store<u32>(node, SPLIT_TAG);
  store<i32>(node + NODE_CHILD0, child0);
  store<i32>(node + NODE_CHILD1, child1);
  store<u32>(node + NODE_OFFSET, load<u32>(split + NODE_OFFSET));
  if (values == 0) return;
  store<f32>(node + NODE_PLANE_SCALE, s);
  for (let j: u32 = 0; j < values; j++) {
    store<i8>(node + NODE_PLANE_CODES + j, <i8>(<i32>nearest<f32>(load<f32>(split + NODE_PLANE + (<usize>j << 2)) / s)));
  }
}

// The split at `node` as a full record the metrics read (offset and f32 plane), in `into` (the slot's plane area:
// NODE_PLANE + 4 * align16(values) bytes; lanes past `values` are zero since the codes' padding is).
export function decodePlane(node: usize, into: usize, values: u32): usize {
  store<u32>(into + NODE_OFFSET, load<u32>(node + NODE_OFFSET));
  widenI8(node + NODE_PLANE_CODES, load<f32>(node + NODE_PLANE_SCALE), into + NODE_PLANE, <usize>values);
  return into;
}

// ---- leaves

// `bits` bits (<= 31) at bit `p` of the leaf at `leaf`: a 64-bit window from the word holding bit p covers them.
@inline export function leafBits(leaf: usize, p: u64, bits: u32): u32 {
  return <u32>(load<u64>(leaf + <usize>((p >> 5) << 2)) >> (p & 31)) & ((<u32>1 << bits) - 1);
}
@inline export function leafAt(file: usize, ref: i32): usize {
  return sectionAt(file, SECTION_LEAVES) + (<usize>(ref - LEAF_REF) << 2);
}
@inline export function countBits(file: usize): u32 { return bitsFor(hdr32(file, H_LEAF_CAPACITY)); }
@inline export function idBits(file: usize): u32 { return sectionParam(file, PARAM_LEAF_ID_BITS); }

let writeAt: usize = 0;
let acc: u64 = 0;
let held: u32 = 0;
let written: u32 = 0;
@inline function put(value: u32, bits: u32): void {
  acc |= <u64>value << held;
  held += bits;
  if (held >= 32) {
    if (writeAt != 0) store<u32>(writeAt + (<usize>written << 2), <u32>acc);
    written++;
    acc >>= 32;
    held -= 32;
  }
}
// Writes a full-record leaf (count, u32 ids) as packed words at word `written` of the stream (writeAt 0: counts only).
function packLeaf(leaf: usize, cBits: u32, iBits: u32): void {
  const n = load<u32>(leaf);
  acc = 0;
  held = 0;
  put(n, cBits);
  for (let i: u32 = 0; i < n; i++) put(load<u32>(leaf + NODE_LEAF_IDS + (<usize>i << 2)), iBits);
  if (held > 0) put(0, 32 - held);
}

// The same packing for another stream (layout.ts SECTION_NEAREST's rows): packStart at a word, packPut values, then
// packEnd pads the last word with zero bits. Per instance state: each thread packs its own rows.
export function packStart(at: usize): void { writeAt = at; written = 0; acc = 0; held = 0; }
export function packPut(value: u32, bits: u32): void { put(value, bits); }
export function packEnd(): void { if (held > 0) put(0, 32 - held); }

// ---- compaction (a build's last step on the trees: src/build/compact-trees.ts)

export let compactSplits: u32 = 0;

// The forest of `file` (full-size records holding compact split records: TREES_BUILDING_COMPACT) as compact split
// records at `toNodes`, its leaves as the stream at `toStream` and its roots at `toRoots`; `map`: 4 bytes a node.
// toStream 0: only counts. Returns the stream's words (without the trailing zero word); compactSplits the splits.
export function compactForest(file: usize, toNodes: usize, toRoots: usize, toStream: usize, map: usize): u32 {
  const n = hdr32(file, H_NODE_COUNT);
  const bytes = <usize>compactNodeBytesFor(hdr32(file, H_METRIC), hdr32(file, H_DIMENSIONS));
  const cBits = bitsFor(hdr32(file, H_LEAF_CAPACITY)), iBits = bitsFor(hdr32(file, H_SIZE) - 1);
  writeAt = toStream;
  written = 0;
  let splits: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const node = nodeAt(file, k);
    if (load<u32>(node) != SPLIT_TAG) continue;
    const c0 = newRef(file, map, load<i32>(node + NODE_CHILD0), cBits, iBits);
    const c1 = newRef(file, map, load<i32>(node + NODE_CHILD1), cBits, iBits);
    if (toStream != 0) {
      const to = toNodes + <usize>splits * bytes;
      memory.copy(to, node, bytes);
      store<i32>(to + NODE_CHILD0, c0);
      store<i32>(to + NODE_CHILD1, c1);
    }
    store<u32>(map + (<usize>k << 2), splits++);
  }
  const trees = hdr32(file, H_TREES);
  const roots = file + <usize>hdr64(file, H_ROOTS_OFFSET);
  for (let t: u32 = 0; t < trees; t++) {
    const r = newRef(file, map, load<i32>(roots + (<usize>t << 2)), cBits, iBits);
    if (toStream != 0) store<i32>(toRoots + (<usize>t << 2), r);
  }
  compactSplits = splits;
  return written;
}

function newRef(file: usize, map: usize, ref: i32, cBits: u32, iBits: u32): i32 {
  if (ref < 0) return ref;
  const node = nodeAt(file, <u32>ref);
  if (load<u32>(node) == SPLIT_TAG) return <i32>load<u32>(map + (<usize>ref << 2));
  const at = LEAF_REF + <i32>written;
  packLeaf(node, cBits, iBits);
  return at;
}

// ---- expansion (toAnnoyBytes, and any reader of full records: src/format/compact.ts)

// The compact forest of `file` as full records of `fullBytes` at `toNodes` (post-order: each split's leaf children
// right before it, the leaves that are roots last) and its roots at `toRoots`; `map`: 4 bytes a split. Planes are
// the decoded f32 values, leaves u32 ids. Returns the full node count.
export function expandForest(file: usize, fullBytes: u32, toNodes: usize, toRoots: usize, map: usize): u32 {
  const n = hdr32(file, H_NODE_COUNT);
  const values = planeValuesFor(hdr32(file, H_METRIC), hdr32(file, H_DIMENSIONS));
  let at: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const node = nodeAt(file, k);
    const c0 = expandRef(file, map, load<i32>(node + NODE_CHILD0), fullBytes, toNodes, at);
    if (c0 >= 0 && c0 == <i32>at) at++;
    const c1 = expandRef(file, map, load<i32>(node + NODE_CHILD1), fullBytes, toNodes, at);
    if (c1 >= 0 && c1 == <i32>at) at++;
    const to = toNodes + <usize>at * <usize>fullBytes;
    memory.fill(to, 0, fullBytes);
    if (values != 0) decodePlane(node, to, values);
    else store<u32>(to + NODE_OFFSET, load<u32>(node + NODE_OFFSET));
    store<u32>(to, SPLIT_TAG);
    store<i32>(to + NODE_CHILD0, c0);
    store<i32>(to + NODE_CHILD1, c1);
    store<u32>(map + (<usize>k << 2), at++);
  }
  const trees = hdr32(file, H_TREES);
  const roots = file + <usize>hdr64(file, H_ROOTS_OFFSET);
  for (let t: u32 = 0; t < trees; t++) {
    const r = expandRef(file, map, load<i32>(roots + (<usize>t << 2)), fullBytes, toNodes, at);
    if (r >= 0 && r == <i32>at) at++;
    store<i32>(toRoots + (<usize>t << 2), r);
  }
  return at;
}

// A compact ref as a full one: an item stays, a split is mapped, a leaf is written as full node `at` (returned).
function expandRef(file: usize, map: usize, ref: i32, fullBytes: u32, toNodes: usize, at: u32): i32 {
  if (ref < 0) return ref;
  if (ref < LEAF_REF) return <i32>load<u32>(map + (<usize>ref << 2));
  const leaf = leafAt(file, ref);
  const cBits = countBits(file), iBits = idBits(file);
  const count = leafBits(leaf, 0, cBits);
  const to = toNodes + <usize>at * <usize>fullBytes;
  memory.fill(to, 0, fullBytes);
  store<u32>(to, count);
  let p: u64 = cBits;
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(to + NODE_LEAF_IDS + (<usize>i << 2), leafBits(leaf, p, iBits));
    p += iBits;
  }
  return <i32>at;
}

// The full node count expandForest writes: the splits and the leaves.
export function expandedNodes(file: usize): u32 {
  const n = hdr32(file, H_NODE_COUNT);
  let leaves: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const node = nodeAt(file, k);
    if (load<i32>(node + NODE_CHILD0) >= LEAF_REF) leaves++;
    if (load<i32>(node + NODE_CHILD1) >= LEAF_REF) leaves++;
  }
  const roots = file + <usize>hdr64(file, H_ROOTS_OFFSET);
  for (let t: u32 = 0; t < hdr32(file, H_TREES); t++) if (load<i32>(roots + (<usize>t << 2)) >= LEAF_REF) leaves++;
  return n + leaves;
}

// ---- loading checks (validate.ts)

export let cursor: u32 = 0; // the stream word the next leaf must start at
export let leafProblem: bool = false;

// The leaf a ref names, checked: it starts where the last one ended, lies inside the stream before its trailing
// zero word, holds 1..leafCapacity ids, each below size and present, and leaves its unused bits zero.
export function leafOk(file: usize, ref: i32): bool {
  const words = <u64>(sectionBytes(file, SECTION_LEAVES) >> 2);
  const word = <u32>(ref - LEAF_REF);
  if (word != cursor || <u64>word + 1 >= words) return false;
  const leaf = leafAt(file, ref);
  const cBits = countBits(file), iBits = idBits(file);
  const count = leafBits(leaf, 0, cBits);
  if (count == 0 || count > hdr32(file, H_LEAF_CAPACITY)) return false;
  const end: u64 = <u64>cBits + <u64>count * <u64>iBits;
  const used: u64 = (end + 31) >> 5;
  if (<u64>word + used + 1 > words) return false;
  const size = hdr32(file, H_SIZE);
  let p: u64 = cBits;
  for (let i: u32 = 0; i < count; i++) {
    const id = leafBits(leaf, p, iBits);
    if (id >= size || !isPresent(file, id)) return false;
    p += iBits;
  }
  if ((end & 31) != 0 && (load<u32>(leaf + <usize>((end >> 5) << 2)) >> <u32>(end & 31)) != 0) return false;
  cursor = word + <u32>used;
  return true;
}

// After every leaf: the trailing zero word and zero padding end the stream, which is no longer than that.
export function streamEndOk(file: usize): bool {
  const bytes = sectionBytes(file, SECTION_LEAVES);
  if (bytes != align16((<u64>cursor + 1) << 2)) return false;
  const stream = sectionAt(file, SECTION_LEAVES);
  for (let o: u64 = <u64>cursor << 2; o < bytes; o += 4) if (load<u32>(stream + <usize>o) != 0) return false;
  return true;
}

// A compact split's plane: scale finite and > 0 (normal), codes in [-127, 127], padding zero. The decoded plane is
// then checked by the metric (its values finite) as a full record's is.
export function compactPlaneOk(node: usize, values: u32, bytes: usize): bool {
  const s = load<f32>(node + NODE_PLANE_SCALE);
  if (!(s >= 1.1754943508222875e-38) || !isFinite<f32>(s)) return false;
  for (let j: u32 = 0; j < values; j++) if (load<i8>(node + NODE_PLANE_CODES + j) == -128) return false;
  for (let o: usize = NODE_PLANE_CODES + values; o < bytes; o++) if (load<u8>(node + o) != 0) return false;
  return true;
}
