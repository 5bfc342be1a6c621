// THE annoy-wasm file layout (format v2; v1 files still load). Everything the core and the facade know about
// bytes lives here; the facade's copy of these constants (src/format/constants.ts) is generated from the wasm's
// exports by scripts/build.mjs.
//
// A file is its own memory image: loading copies it into wasm memory at a 64-byte aligned base and the core
// reads it in place, so nothing is parsed. All fields are little-endian; every section starts 16-byte aligned.
//
//   header   HEADER_BYTES (v1: HEADER_V1_BYTES, without the section table)
//   vectors  size * stride        item i at i * stride; f32 lanes (hamming: u64 words, bit j = word j/64 bit j%64)
//                                 padded with zeros to a multiple of 16 bytes so SIMD kernels need no tail loop
//   present  align16(ceil(size / 32) * 4)   bit i set when id i was added (clear bits are holes)
//   nodes    nodeCount * nodeBytes          every tree in post-order: children always precede their parent
//   roots    align16(trees * 4)             one ref per tree
//   sections v2's optional sections, in SECTION_* order, each align16; their (offset, length) in the table at
//            H_SECTIONS and their parameters at H_SECTION_PARAMS. Empty ones sit at the next one's offset. A v1 file
//            has none (sectionOffset/sectionBytes read them as empty). A new kind of section is: a SECTION_*
//            number here, its length rule in src/format/layout.ts sectionsFor, its check in validate.ts.
//   codes    screening parameters           CODES_PCA only: align16(4 * m) f32 offsets, then m basis rows of
//                                           `stride` bytes (m = H_CODE_DIMENSIONS); empty for CODES_INT8
//
// The screening codes themselves (each item as m int8 values, codeStride = codeStrideFor(m)) are not in the file: the
// loader computes them into memory right after the file image (codeOf). Checking stored codes would cost the loader
// the same encoding pass, so storing them would only make every file a quarter bigger.

export const MAGIC_LO: u32 = 0x6F6E6E41; // "Anno"
export const MAGIC_HI: u32 = 0x6D734179; // "yAsm"
export const FORMAT_VERSION: u32 = 2;
export const HEADER_BYTES: u32 = 320;
// Version 1's header: the fields every version shares (the checksum hashes them as a header, and what follows as
// the body, so v1 files keep their checksums).
export const HEADER_V1_BYTES: u32 = 160;

export const H_MAGIC: u32 = 0;          // 8 bytes
export const H_VERSION: u32 = 8;        // u32
export const H_METRIC: u32 = 12;        // u32, METRIC_*
export const H_DIMENSIONS: u32 = 16;    // u32
export const H_STRIDE: u32 = 20;        // u32, bytes per stored vector
export const H_SIZE: u32 = 24;          // u32, max id + 1 (holes included)
export const H_COUNT: u32 = 28;         // u32, ids actually added
export const H_TREES: u32 = 32;         // u32
export const H_NODE_COUNT: u32 = 36;    // u32
export const H_NODE_BYTES: u32 = 40;    // u32, align16(max(NODE_PLANE + stride, NODE_LEAF_IDS + 4 * leafCapacity))
export const H_LEAF_CAPACITY: u32 = 44; // u32, most ids a leaf node holds
export const H_SEED: u32 = 48;          // u64, the build seed (information only)
export const H_VECTORS_OFFSET: u32 = 56;  // u64 each: offset then length of the sections
export const H_VECTORS_BYTES: u32 = 64;
export const H_PRESENT_OFFSET: u32 = 72;
export const H_PRESENT_BYTES: u32 = 80;
export const H_NODES_OFFSET: u32 = 88;
export const H_NODES_BYTES: u32 = 96;
export const H_ROOTS_OFFSET: u32 = 104;
export const H_ROOTS_BYTES: u32 = 112;
export const H_CODES_OFFSET: u32 = 120;
export const H_CODES_BYTES: u32 = 128;
export const H_CODES_KIND: u32 = 136;   // u32, CODES_*
export const H_CODE_SCALE: u32 = 140;   // f32: int8 euclidean/manhattan x ~ bias + scale * (code + 127); else x ~ scale * code
export const H_CODE_BIAS: u32 = 144;    // f32
export const H_CODE_DIMENSIONS: u32 = 148; // u32, m: values per code (int8: dimensions; pca: principal components; none: 0)
export const H_CHECKSUM: u32 = 152;     // u64 over every byte of the file but these 8
// v2: the optional sections' table (u64 offset, u64 length per SECTION_* kind) and their u32 parameters.
export const H_SECTIONS: u32 = 160;
export const SECTION_SLOTS: u32 = 6;
export const H_SECTION_PARAMS: u32 = 256;
export const SECTION_PARAM_SLOTS: u32 = 16;
// The neighbour graph (graph-build.ts, graph-search.ts): `degree` u32 neighbour ids per item slot (holes included),
// nearest first, NO_NEIGHBOUR after the last (a hole's row is all NO_NEIGHBOUR); its degree is a section parameter.
export const SECTION_GRAPH: u32 = 0;
export const SECTION_PARAM_GRAPH_DEGREE: u32 = 0;
export const NO_NEIGHBOUR: u32 = 0xFFFFFFFF;
export const MAX_GRAPH_DEGREE: u32 = 256;
// Removed items (tombstones, src/index/removals.ts): a bitmap like `present`, align16(ceil(size / 32) * 4) bytes, bit i
// set when id i was removed; only present ids may be removed, and PARAM_REMOVED_COUNT says how many are.
export const SECTION_REMOVED: u32 = 1;
export const PARAM_REMOVED_COUNT: u32 = 4;
// String keys (src/keys/): the keys sorted (bytewise, strictly increasing: distinct), so a lookup is a binary
// search and the loader checks the order in one sequential pass. Rank r is the r-th key in that order.
//   offsets  align16(4 * (count + 1)) u32: the key of rank r is bytes [offsets[r], offsets[r + 1]), non-empty
//   order    align16(4 * count)       u32: the id of rank r (every present id once)
//   rank     align16(4 * size)        u32: the rank of id i (0xFFFFFFFF for holes)
//   bytes    align16(PARAM_KEY_BYTES) the keys' UTF-8, in rank order
// A file without keys has the section empty and the parameter 0.
export const SECTION_KEYS: u32 = 2;
export const PARAM_KEY_BYTES: u32 = 5;

// How item vectors are stored (storage.ts): section parameter 8 is the kind (0, float32, in every file before it),
// parameter 9 int8's scale layout (1: one f32 scale per vector, the record's last 4 bytes). Section 3 is reserved
// for scales kept apart from the records (none yet: it must be empty). A record is itemStrideFor bytes.
export const SECTION_STORAGE: u32 = 3;
export const PARAM_STORAGE: u32 = 8;
export const PARAM_STORAGE_SCALES: u32 = 9;
export const INT8_SCALE_PER_VECTOR: u32 = 1;
export const STORAGE_FLOAT32: u32 = 0;
export const STORAGE_FLOAT16: u32 = 1;
export const STORAGE_BFLOAT16: u32 = 2;
export const STORAGE_INT8: u32 = 3;
@inline export function itemStrideFor(kind: u32, dims: u32, fstride: u32): u32 {
  if (kind == STORAGE_FLOAT16 || kind == STORAGE_BFLOAT16) return <u32>align16(<u64>dims << 1);
  if (kind == STORAGE_INT8) return <u32>align16(<u64>dims + 4);
  return fstride;
}

// Compact trees (compact.ts): section parameter 10 is the tree encoding, 11 the bits of a packed leaf id.
//   TREES_FULL (0, every file before it, and Annoy's layout): the fixed-size records described below.
//   TREES_COMPACT (1): the node array holds only split records of compactNodeBytes: tag, two refs, offset as
//     below, then (metrics with a plane) an f32 scale s at NODE_PLANE_SCALE and the plane as int8 codes c_j in
//     [-127, 127] at NODE_PLANE_CODES (the normal is s * c_j; zero padded). A child or root ref >= LEAF_REF names a
//     leaf at word (ref - LEAF_REF) of section 4, the leaf stream: each leaf starts on a 32-bit word, holds its
//     count in bitsFor(leafCapacity) bits then its ids in PARAM_LEAF_ID_BITS = bitsFor(size - 1) bits each, from
//     bit 0 of its first word upwards; unused bits are zero. The leaves lie in the order the loader meets them:
//     split records in order, child 0 before child 1, then the roots. One zero word follows the last leaf (an id
//     is read as a 64-bit window), then zero padding to 16 bytes.
//   A build in progress writes TREES_BUILDING_COMPACT: compact split records inside full-size records (the trees
//     are built, moved and relocated as full ones); compaction makes it TREES_COMPACT. No file holds it.
export const SECTION_LEAVES: u32 = 4;
export const PARAM_TREE_ENCODING: u32 = 10;
export const PARAM_LEAF_ID_BITS: u32 = 11;
export const TREES_FULL: u32 = 0;
export const TREES_COMPACT: u32 = 1;
export const TREES_BUILDING_COMPACT: u32 = 2;
export const NODE_PLANE_SCALE: u32 = 16;
export const NODE_PLANE_CODES: u32 = 20;
export const LEAF_REF: i32 = 0x40000000;
// Values in a compact plane: hamming splits test one bit (the offset) and have none.
@inline export function planeValuesFor(metric: u32, dims: u32): u32 { return metric == METRIC_HAMMING ? 0 : dims; }
export function compactNodeBytesFor(metric: u32, dims: u32): u32 {
  const values = planeValuesFor(metric, dims);
  return <u32>align16(<u64>NODE_PLANE + (values != 0 ? 4 + <u64>values : 0));
}
// Bits that hold every value 0..n.
export function bitsFor(n: u32): u32 { return n == 0 ? 1 : 32 - clz<u32>(n); }
@inline export function treeEncoding(file: usize): u32 { return sectionParam(file, PARAM_TREE_ENCODING); }
@inline export function compactPlanes(file: usize): bool {
  return treeEncoding(file) == TREES_COMPACT && hdr32(file, H_METRIC) != METRIC_HAMMING;
}

// Each item's nearest other items as the graph build found them (graph-build.ts forward: its NN-descent list,
// ranked again by exact distances, before pruning), so searchAll can answer k <= NEAREST_STORED from the file
// (nearest.ts). Only builds that rank by the metric on the full vectors store them (src/format/layout.ts
// storesNearest). Section parameter 12 is the count S per item (0: no section). Item i's row is
// S ids of nearestBits(size) = bitsFor(size) bits each, from bit 0 of word i * nearestRowWords upwards, nearest
// first, then the all-ones value (never an id) past the last; a hole's row lists none; unused bits are zero. One
// zero word follows the last row (an id is read as a 64-bit window: compact.ts leafBits), then zero padding to 16.
// On glove-100 (340k ids, 19 bits) S = 10 is 24 bytes an item, 7.8 MiB: 4.2% of the graph file.
export const SECTION_NEAREST: u32 = 5;
export const PARAM_NEAREST_COUNT: u32 = 12;
export const NEAREST_STORED: u32 = 10;
export const MAX_NEAREST_STORED: u32 = 64;
@inline export function nearestBitsFor(size: u32): u32 { return bitsFor(size); }
@inline export function nearestRowWordsFor(count: u32, size: u32): u32 { return (count * nearestBitsFor(size) + 31) >> 5; }
@inline export function nearestCount(file: usize): u32 { return sectionParam(file, PARAM_NEAREST_COUNT); }
// The bytes of the section for `count` ids per row over `size` slots.
export function nearestBytesFor(count: u32, size: u32): u64 {
  return count == 0 ? 0 : align16((<u64>size * <u64>nearestRowWordsFor(count, size) + 1) << 2);
}

export const CODES_NONE: u32 = 0;
export const CODES_INT8: u32 = 1;  // each vector quantised to int8
export const CODES_PCA: u32 = 2;   // each vector's first m principal components, quantised to int8

export const METRIC_ANGULAR: u32 = 0;
export const METRIC_EUCLIDEAN: u32 = 1;
export const METRIC_MANHATTAN: u32 = 2;
export const METRIC_DOT: u32 = 3;
export const METRIC_HAMMING: u32 = 4;

// Node encoding. A leaf: u32 count (0..leafCapacity) then the item ids. Built indexes write leaves of 1 or more
// present ids; Annoy's files (src/format/annoy.ts) also need empty leaves (a split child that is a hole) and leaves
// listing holes (old Annoy versions put holes in trees; a root bucket is padded with id 0): the search counts a
// listed hole towards searchK, as Annoy does, and never returns it. A split: u32 SPLIT_TAG, two child refs,
// a f32 `offset` (euclidean/manhattan: the plane's bias; dot: the plane's component along the extra dimension
// used by the build; hamming: the bit tested, as u32), then the plane normal at NODE_PLANE (16-byte aligned).
export const SPLIT_TAG: u32 = 0xFFFFFFFF;
export const NODE_TAG: u32 = 0;
export const NODE_CHILD0: u32 = 4;
export const NODE_CHILD1: u32 = 8;
export const NODE_OFFSET: u32 = 12;
export const NODE_PLANE: u32 = 16;
export const NODE_LEAF_IDS: u32 = 4;

// A child or root ref is an i32: >= 0 is a node index, < 0 is an item id stored as ~id (a one-item subtree).
@inline export function isItemRef(ref: i32): bool { return ref < 0; }
@inline export function itemOfRef(ref: i32): u32 { return <u32>~ref; }

@inline export function align16(n: u64): u64 { return (n + 15) & ~(<u64>15); }

export function strideFor(metric: u32, dimensions: u32): u32 {
  const bytes: u64 = metric == METRIC_HAMMING ? ((<u64>dimensions + 63) >> 6) << 3 : <u64>dimensions << 2;
  return <u32>align16(bytes);
}

@inline export function hdr32(file: usize, field: u32): u32 { return load<u32>(file + field); }
@inline export function hdr64(file: usize, field: u32): u64 { return load<u64>(file + field); }
// Item id's stored record (storage.ts decodes one that is not float32).
@inline export function vectorOf(file: usize, id: u32): usize {
  return file + <usize>hdr64(file, H_VECTORS_OFFSET) + <usize>id * itemStride(file);
}
@inline export function storageOf(file: usize): u32 { return sectionParam(file, PARAM_STORAGE); }
@inline export function itemStride(file: usize): usize {
  return <usize>itemStrideFor(storageOf(file), hdr32(file, H_DIMENSIONS), hdr32(file, H_STRIDE));
}
@inline export function nodeAt(file: usize, node: u32): usize {
  return file + <usize>hdr64(file, H_NODES_OFFSET) + <usize>node * <usize>hdr32(file, H_NODE_BYTES);
}
// A decoded item's room: decoding writes whole blocks (up to 16 lanes), past the f32 stride's lanes.
export function decodedBytes(dims: u32): u64 { return align16(<u64>dims) << 2; }
// Codes are packed 16-byte aligned. Padding them to whole cache lines (128 bytes for 100-d) was measured slower:
// glove-100 int8 at searchK 20,000, 775 against 975 q/s (the codes outgrow the L3 cache sooner).
@inline export function codeStrideFor(m: u32): u32 { return <u32>align16(<u64>m); }
@inline function align64(n: u64): u64 { return (n + 63) & ~(<u64>63); }
@inline export function codeStride(file: usize): usize { return <usize>codeStrideFor(hdr32(file, H_CODE_DIMENSIONS)); }
// The codes follow the file image in memory (the codes section is the file's last), 64-byte aligned (the file's
// base is).
@inline export function codeOf(file: usize, id: u32): usize {
  return file + <usize>align64(hdr64(file, H_CODES_OFFSET) + hdr64(file, H_CODES_BYTES)) + <usize>id * codeStride(file);
}
// PCA parameters: component j of an item is basisRow(j) . v - offset j.
@inline export function pcaOffsets(file: usize): usize { return file + <usize>hdr64(file, H_CODES_OFFSET); }
@inline export function pcaRow(file: usize, j: u32): usize {
  return pcaOffsets(file) + <usize>align16(<u64>hdr32(file, H_CODE_DIMENSIONS) << 2) + <usize>j * <usize>hdr32(file, H_STRIDE);
}
// An optional section of a v2 file: where it starts (0 when it is empty or the file is v1) and its length.
@inline export function sectionBytes(file: usize, kind: u32): u64 {
  return hdr32(file, H_VERSION) >= 2 ? hdr64(file, H_SECTIONS + (kind << 4) + 8) : 0;
}
@inline export function sectionAt(file: usize, kind: u32): usize {
  return sectionBytes(file, kind) == 0 ? 0 : file + <usize>hdr64(file, H_SECTIONS + (kind << 4));
}
@inline export function sectionParam(file: usize, param: u32): u32 {
  return hdr32(file, H_VERSION) >= 2 ? hdr32(file, H_SECTION_PARAMS + (param << 2)) : 0;
}
// The graph's degree (0: no graph) and where its rows start.
@inline export function graphDegree(file: usize): u32 { return sectionParam(file, SECTION_PARAM_GRAPH_DEGREE); }
@inline export function graphOf(file: usize): usize { return sectionAt(file, SECTION_GRAPH); }
@inline export function isPresent(file: usize, id: u32): bool {
  const word = load<u32>(file + <usize>hdr64(file, H_PRESENT_OFFSET) + ((<usize>id >> 5) << 2));
  return ((word >> (id & 31)) & 1) != 0;
}

// A query's scratch slot (one per thread, laid out by the host after the index, never inside it):
//   queryIn   f32 x dimensions  the host writes the query here
//   query     stride            the query as the kernels read it (padded; hamming: packed bits)
//   outIds    u32 x count       results, best first
//   outDists  f32 x count
//   visited   one bit per id    which candidates were already collected (cleared after each query)
//   cands     u32 x count       the distinct candidates of this query
//   topK      u64 x count       max-heap of (distance, id) keys
//   heap      u64 x (trees + 2 * nodeCount + 2)   the traversal's priority queue
//   queryCode 4 * codeStride    the query's code (its m components as f32 first, then int8 in place)
//   walk      u64 x count       graph indexes: the walk's queue of candidates to expand (graph-search.ts)
//   items     2 decoded vectors  storage other than float32: stored items decoded to f32 (storage.ts)
//   plane     a split record     compact trees with planes: a split's int8 plane decoded to f32 (compact.ts)
export const SLOT_QUERY_IN: u32 = 0;
export const SLOT_QUERY: u32 = 1;
export const SLOT_OUT_IDS: u32 = 2;
export const SLOT_OUT_DISTANCES: u32 = 3;
export const SLOT_VISITED: u32 = 4;
export const SLOT_CANDIDATES: u32 = 5;
export const SLOT_TOP_K: u32 = 6;
export const SLOT_HEAP: u32 = 7;
export const SLOT_QUERY_CODE: u32 = 8;
export const SLOT_WALK: u32 = 9;
export const SLOT_ITEMS: u32 = 10;
export const SLOT_PLANE: u32 = 11;
export const SLOT_END: u32 = 12;

export function slotOffset(file: usize, part: u32): usize {
  return <usize>slotOffset64(file, part);
}

// The whole slot's size without wrapping at 32 bits: the host checks it fits in memory before using any offset.
export function slotBytes(file: usize): u64 {
  return slotOffset64(file, SLOT_END);
}

function slotOffset64(file: usize, part: u32): u64 {
  const count = <u64>hdr32(file, H_COUNT);
  let at: u64 = 0;
  for (let p: u32 = 0; p < part; p++) at += align16(slotPartBytes(file, p, count));
  return at;
}

function slotPartBytes(file: usize, part: u32, count: u64): u64 {
  if (part == SLOT_QUERY_IN) return <u64>hdr32(file, H_DIMENSIONS) << 2;
  if (part == SLOT_QUERY) return <u64>hdr32(file, H_STRIDE);
  if (part == SLOT_OUT_IDS || part == SLOT_OUT_DISTANCES || part == SLOT_CANDIDATES) return count << 2;
  if (part == SLOT_VISITED) return ((<u64>hdr32(file, H_SIZE) + 31) >> 5) << 2;
  if (part == SLOT_TOP_K) return count << 3;
  if (part == SLOT_QUERY_CODE) return <u64>codeStrideFor(hdr32(file, H_CODE_DIMENSIONS)) << 2;
  if (part == SLOT_WALK) return graphDegree(file) != 0 ? count << 3 : 0;
  if (part == SLOT_ITEMS) return storageOf(file) != STORAGE_FLOAT32 ? decodedBytes(hdr32(file, H_DIMENSIONS)) << 1 : 0;
  if (part == SLOT_PLANE) return compactPlanes(file) ? <u64>NODE_PLANE + decodedBytes(hdr32(file, H_DIMENSIONS)) : 0;
  return (<u64>hdr32(file, H_TREES) + 2 * <u64>hdr32(file, H_NODE_COUNT) + 2) << 3;
}
