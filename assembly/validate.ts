// Structure checks run on every loaded file after the host has checked the header against the real byte
// length and the checksum. A file that passes is one the search can walk safely: every ref points at an
// earlier node or at a present item, every node has at most one parent (so each is queued at most once and
// the queue in the scratch slot cannot overflow), and every stored float is finite with zero padding. What a
// valid vector and a valid split are is the metric M's (vectorOk, splitOk); metrics/index.ts picks M.
import {
  H_DIMENSIONS, H_STRIDE, H_SIZE, H_COUNT, H_TREES, H_NODE_COUNT, H_LEAF_CAPACITY,
  H_VECTORS_OFFSET, H_PRESENT_OFFSET, H_PRESENT_BYTES, H_ROOTS_OFFSET,
  SPLIT_TAG, NODE_CHILD0, NODE_CHILD1, NODE_LEAF_IDS, SLOT_HEAP,
  hdr32, hdr64, isPresent, nodeAt, itemOfRef, slotOffset,
  H_CODES_KIND, CODES_PCA, H_CODE_DIMENSIONS, pcaOffsets, pcaRow, NO_NEIGHBOUR, graphDegree, graphOf, align16,
  SECTION_REMOVED, PARAM_REMOVED_COUNT, sectionAt, sectionBytes, sectionParam,
  storageOf, itemStride, SLOT_ITEMS, STORAGE_FLOAT32,
  treeEncoding, TREES_COMPACT, LEAF_REF, SLOT_PLANE, H_METRIC, H_NODE_BYTES, planeValuesFor, PARAM_LEAF_ID_BITS, bitsFor,
  SECTION_NEAREST, nearestCount, nearestBitsFor, nearestRowWordsFor,
} from './layout';
import { compactPlaneOk, decodePlane, leafOk, streamEndOk, leafBits } from './compact';
import * as compact from './compact';
import { recordOk, itemF32 } from './storage';
import { dot } from './simd';
import { keysOk, keysDetail } from './keys';

export const OK: i32 = 0;
export const BAD_VECTOR: i32 = 1;      // an item vector holds NaN/Infinity, a squared norm past f32, or non-zero padding;
                                       // a float16 infinity or NaN, an int8 scale not finite and positive
export const BAD_PRESENT: i32 = 2;     // the present bitmap disagrees with the item count or has bits past size
export const BAD_NODE: i32 = 3;        // a node's tag, leaf count, plane or bit index is invalid
export const BAD_REF: i32 = 4;         // a ref points forward, out of range, at a hole, or at a node twice
export const BAD_ROOT: i32 = 5;        // a root ref is invalid
export const BAD_CODES: i32 = 6;       // a pca basis row is not finite, not of unit length, or not zero padded
export const BAD_GRAPH: i32 = 7;       // a graph row lists an id past the items, a hole, the item itself, or an id after its end
export const BAD_REMOVED: i32 = 8;     // the removed bitmap marks an id that is not present, or disagrees with its count
export const BAD_KEYS: i32 = 9;        // the string keys section is inconsistent (keys.ts)
export const BAD_LEAVES: i32 = 10;     // compact trees: a leaf out of order or past the stream, a count or id out of
                                       // range, an id not present, non-zero unused bits or stream padding
export const BAD_NEAREST: i32 = 11;    // a stored nearest row lists an id past the items, a hole, the item itself, an
                                       // id twice or after its end; a hole's row lists one; non-zero unused bits

export let detail: u32 = 0; // where the problem is: item id, node index or tree number

const EXP_MASK: u32 = 0x7F800000;

@inline export function finite(bits: u32): bool { return (bits & EXP_MASK) != EXP_MASK; }

// Every lane finite; lanes from `used` bytes on are zero.
export function floatsOk(p: usize, used: usize, bytes: usize): bool {
  const mask = i32x4.splat(EXP_MASK);
  let i: usize = 0;
  for (; i + 16 <= used; i += 16) {
    if (v128.any_true(i32x4.eq(v128.and(v128.load(p + i), mask), mask))) return false;
  }
  for (; i < used; i += 4) {
    if ((load<u32>(p + i) & EXP_MASK) == EXP_MASK) return false;
  }
  for (; i < bytes; i += 4) if (load<u32>(p + i) != 0) return false;
  return true;
}

// slot: a scratch slot of this file (its queue area doubles as the parent-seen bitmap).
export function validateWith<M>(file: usize, slot: usize): i32 {
  const metric = changetype<M>(0);
  const dims = hdr32(file, H_DIMENSIONS);
  const stride = <usize>hdr32(file, H_STRIDE);
  const size = hdr32(file, H_SIZE);
  const nodeCount = hdr32(file, H_NODE_COUNT);
  const used: usize = <usize>dims << 2;

  // present bitmap: count matches, nothing past size
  const present = file + <usize>hdr64(file, H_PRESENT_OFFSET);
  const presentBytes = <usize>hdr64(file, H_PRESENT_BYTES);
  let seen: u32 = 0;
  for (let o: usize = 0; o < presentBytes; o += 4) {
    let w = load<u32>(present + o);
    const first = <u64>o << 3;
    if (first + 32 > <u64>size) {
      const keep = first >= <u64>size ? 0 : <u32>(<u64>size - first);
      const extra = keep == 0 ? w : w >> keep;
      if (extra != 0) { detail = <u32>first; return BAD_PRESENT; }
    }
    seen += popcnt<u32>(w);
  }
  if (seen != hdr32(file, H_COUNT)) { detail = seen; return BAD_PRESENT; }

  // vectors: a record of another storage than float32 must be well formed, and what it decodes to is checked as a
  // float32 vector is (storage.ts). The kind and its scale layout were checked with the header.
  const vectors = file + <usize>hdr64(file, H_VECTORS_OFFSET);
  const kind = storageOf(file);
  const record = itemStride(file);
  const decoded = slot + slotOffset(file, SLOT_ITEMS);
  for (let id: u32 = 0; id < size; id++) {
    let v = vectors + <usize>id * record;
    if (kind != STORAGE_FLOAT32) {
      if (!recordOk(kind, v, dims, record, isPresent(file, id))) { detail = id; return BAD_VECTOR; }
      v = itemF32(file, id, decoded);
    }
    if (!metric.vectorOk(v, dims, stride)) { detail = id; return BAD_VECTOR; }
  }

  // nodes
  const parents = slot + slotOffset(file, SLOT_HEAP);
  memory.fill(parents, 0, ((<usize>nodeCount + 31) >> 5) << 2);
  const leafCapacity = hdr32(file, H_LEAF_CAPACITY);
  const trees = hdr32(file, H_TREES);
  const roots = file + <usize>hdr64(file, H_ROOTS_OFFSET);
  if (treeEncoding(file) == TREES_COMPACT) {
    const problem = compactTreesOk<M>(file, slot, parents);
    if (problem != OK) return problem;
  } else for (let n: u32 = 0; n < nodeCount; n++) {
    const node = nodeAt(file, n);
    const tag = load<u32>(node);
    detail = n;
    if (tag == SPLIT_TAG) {
      if (!refOk(file, parents, load<i32>(node + NODE_CHILD0), n)) return BAD_REF;
      if (!refOk(file, parents, load<i32>(node + NODE_CHILD1), n)) return BAD_REF;
      if (!metric.splitOk(node, dims, stride)) return BAD_NODE;
    } else {
      // Leaves may be empty and may list holes (layout.ts): both are harmless to the search.
      if (tag > leafCapacity) return BAD_NODE;
      for (let i: u32 = 0; i < tag; i++) {
        if (load<u32>(node + NODE_LEAF_IDS + (<usize>i << 2)) >= size) return BAD_REF;
      }
    }
  }

  // roots: trees may share nothing either
  if (treeEncoding(file) != TREES_COMPACT) {
    for (let t: u32 = 0; t < trees; t++) {
      detail = t;
      if (!refOk(file, parents, load<i32>(roots + (<usize>t << 2)), nodeCount)) return BAD_ROOT;
    }
  }

  // pca basis: finite offsets, rows of unit length or zero (so every component is a bounded mix of the vector),
  // zero padding. The codes themselves are computed from the vectors after loading (codes.ts).
  if (hdr32(file, H_CODES_KIND) == CODES_PCA) {
    const m = hdr32(file, H_CODE_DIMENSIONS);
    const offsets = pcaOffsets(file);
    detail = 0;
    if (!floatsOk(offsets, <usize>m << 2, pcaRow(file, 0) - offsets)) return BAD_CODES;
    for (let j: u32 = 0; j < m; j++) {
      detail = j;
      const row = pcaRow(file, j);
      if (!floatsOk(row, used, stride)) return BAD_CODES;
      const length = dot(row, row, stride);
      if (length != 0 && abs<f32>(length - 1) > 1e-3) return BAD_CODES;
    }
  }
  // graph: every row lists present items other than itself, then only NO_NEIGHBOUR (a hole's row lists nothing);
  // the section's padding is zero. The degree itself was checked with the header.
  const degree = graphDegree(file);
  if (degree != 0) {
    const graph = graphOf(file);
    for (let id: u32 = 0; id < size; id++) {
      detail = id;
      const row = graph + ((<usize>id * <usize>degree) << 2);
      let ended = !isPresent(file, id);
      for (let t: u32 = 0; t < degree; t++) {
        const j = load<u32>(row + (<usize>t << 2));
        if (j == NO_NEIGHBOUR) { ended = true; continue; }
        if (ended || j >= size || j == id || !isPresent(file, j)) return BAD_GRAPH;
      }
    }
    const used = (<u64>size * <u64>degree) << 2;
    detail = size;
    for (let o = used; o < align16(used); o += 4) if (load<u32>(graph + <usize>o) != 0) return BAD_GRAPH;
  }
  const nearest = nearestRowsOk(file, size);
  if (nearest != OK) return nearest;
  // removed items: a subset of the present ones, as many as the section's parameter says (its length is checked
  // with the header). Leaves and graph rows may still list them: both walks keep them out of results (search.ts
  // collect, graph-search.ts).
  if (sectionBytes(file, SECTION_REMOVED) != 0) {
    const removed = sectionAt(file, SECTION_REMOVED);
    let marked: u32 = 0;
    for (let o: usize = 0; o < presentBytes; o += 4) {
      const w = load<u32>(removed + o);
      if ((w & ~load<u32>(present + o)) != 0) { detail = <u32>(o << 3) + ctz<u32>(w & ~load<u32>(present + o)); return BAD_REMOVED; }
      marked += popcnt<u32>(w);
    }
    if (marked != sectionParam(file, PARAM_REMOVED_COUNT)) { detail = marked; return BAD_REMOVED; }
  }
  if (!keysOk(file)) { detail = keysDetail; return BAD_KEYS; }
  detail = 0;
  return OK;
}

// The build's nearest neighbours (layout.ts SECTION_NEAREST): every row lists present items other than itself, each
// once, then only the end value (a hole's row lists none); each row's unused bits, the zero word after the rows and
// the padding are zero. The count was checked with the header and the section's length against it.
function nearestRowsOk(file: usize, size: u32): i32 {
  const s = nearestCount(file);
  if (s == 0) return OK;
  const rows = sectionAt(file, SECTION_NEAREST);
  const bits = nearestBitsFor(size), words = <usize>nearestRowWordsFor(s, size);
  const none: u32 = (<u32>1 << bits) - 1;
  const end: u64 = <u64>s * <u64>bits;
  for (let id: u32 = 0; id < size; id++) {
    detail = id;
    const row = rows + ((<usize>id * words) << 2);
    let ended = !isPresent(file, id);
    for (let t: u32 = 0; t < s; t++) {
      const j = leafBits(row, <u64>t * <u64>bits, bits);
      if (j == none) { ended = true; continue; }
      if (ended || j >= size || j == id || !isPresent(file, j)) return BAD_NEAREST;
      for (let u: u32 = 0; u < t; u++) if (leafBits(row, <u64>u * <u64>bits, bits) == j) return BAD_NEAREST;
    }
    if ((end & 31) != 0 && (load<u32>(row + <usize>((end >> 5) << 2)) >> <u32>(end & 31)) != 0) return BAD_NEAREST;
  }
  detail = size;
  for (let o: u64 = (<u64>size * <u64>words) << 2; o < sectionBytes(file, SECTION_NEAREST); o += 4) {
    if (load<u32>(rows + <usize>o) != 0) return BAD_NEAREST;
  }
  return OK;
}

// Compact trees (compact.ts): every record a split whose refs are as a full file's or name the next leaf of the
// stream (leafOk), whose plane is well formed and, decoded, what the metric accepts; then the roots, then the
// stream's end. The header checked the id bits and the record size; they are checked again here, since the search
// reads by them.
function compactTreesOk<M>(file: usize, slot: usize, parents: usize): i32 {
  const metric = changetype<M>(0);
  const nodeCount = hdr32(file, H_NODE_COUNT);
  const dims = hdr32(file, H_DIMENSIONS);
  const stride = <usize>hdr32(file, H_STRIDE);
  const values = planeValuesFor(hdr32(file, H_METRIC), dims);
  const bytes = <usize>hdr32(file, H_NODE_BYTES);
  const plane = slot + slotOffset(file, SLOT_PLANE);
  detail = 0;
  if (sectionParam(file, PARAM_LEAF_ID_BITS) != bitsFor(hdr32(file, H_SIZE) - 1)) return BAD_LEAVES;
  compact.cursor = 0;
  for (let n: u32 = 0; n < nodeCount; n++) {
    const node = nodeAt(file, n);
    detail = n;
    if (load<u32>(node) != SPLIT_TAG) return BAD_NODE;
    for (let c: usize = NODE_CHILD0; c <= NODE_CHILD1; c += 4) {
      const ref = load<i32>(node + c);
      if (ref >= LEAF_REF) { if (!leafOk(file, ref)) return BAD_LEAVES; }
      else if (!refOk(file, parents, ref, n)) return BAD_REF;
    }
    if (values != 0 && !compactPlaneOk(node, values, bytes)) return BAD_NODE;
    if (!metric.splitOk(values != 0 ? decodePlane(node, plane, values) : node, dims, stride)) return BAD_NODE;
  }
  const trees = hdr32(file, H_TREES);
  const roots = file + <usize>hdr64(file, H_ROOTS_OFFSET);
  for (let t: u32 = 0; t < trees; t++) {
    detail = t;
    const ref = load<i32>(roots + (<usize>t << 2));
    if (ref >= LEAF_REF) { if (!leafOk(file, ref)) return BAD_LEAVES; }
    else if (!refOk(file, parents, ref, nodeCount)) return BAD_ROOT;
  }
  detail = compact.cursor;
  if (!streamEndOk(file)) return BAD_LEAVES;
  return OK;
}

// A ref held by node `owner` (or by a root, owner = nodeCount): an earlier node not referenced before, or a
// present item.
function refOk(file: usize, parents: usize, ref: i32, owner: u32): bool {
  if (ref < 0) {
    const id = itemOfRef(ref);
    return id < hdr32(file, H_SIZE) && isPresent(file, id);
  }
  const n = <u32>ref;
  if (n >= owner) return false;
  const w = parents + ((<usize>n >> 5) << 2);
  const bit: u32 = 1 << (n & 31);
  const bits = load<u32>(w);
  if ((bits & bit) != 0) return false;
  store<u32>(w, bits | bit);
  return true;
}
