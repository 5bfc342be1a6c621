// Forest construction, Annoy's algorithm: split by two-means hyperplanes until at most leafCapacity items remain.
// The host lays out the file region (header, vectors, present bitmap), an `extras` area (prepareBuild) and a
// scratch area per building instance (beginBuild), then calls buildTree once per tree. Each tree is written in
// post-order into a region the host chooses, with node refs local to that tree; the host moves trees into place
// and relocates them. A tree depends only on (seed, tree number), so trees can be built by any instance in any
// order and the index is the same.
import {
  H_DIMENSIONS, H_STRIDE, H_SIZE, H_COUNT, H_NODE_BYTES, H_LEAF_CAPACITY, H_VECTORS_OFFSET, H_METRIC, H_CODES_KIND,
  H_CODE_DIMENSIONS, CODES_PCA, METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_HAMMING,
  SPLIT_TAG, NODE_CHILD0, NODE_CHILD1, NODE_OFFSET, NODE_PLANE, NODE_LEAF_IDS,
  hdr32, hdr64, isPresent, align16, vectorOf, pcaRow, treeEncoding, TREES_BUILDING_COMPACT, planeValuesFor,
} from './layout';
import { quantisePlane, writeCompactSplit } from './compact';
import { dot, scale } from './simd';
import { seedTree, index, flip } from './random';
import { projectRaw } from './pca';

const TWO_MEANS_STEPS = 200;
const SPLIT_ATTEMPTS = 3;

// Build state of this instance: set by beginBuild and buildTree. Exported for the metrics' createSplit, which
// reads the items being split (as Annoy's create_split receives them). When the splits are made in the space of
// the principal components (see componentDims), `vectors` and `stride` are those of the items' projections, and
// the metrics split there unchanged.
export let dims: u32 = 0;
export let stride: usize = 0;
let fileStride: usize = 0;       // the stored vectors' stride (a plane in the file has this many bytes)
let spaceDims: u32 = 0;          // m when splitting in the components' space, else 0
let basis: usize = 0;            // the file's pca basis (m rows of fileStride bytes)
let weights: usize = 0;          // a split's plane in the components' space, while it becomes a file plane
let normsOffsetNow: usize = 0;   // where in the extras the squared norms start
let nodeBytes: usize = 0;
let leafCapacity: u32 = 0;
export let vectors: usize = 0;
export let work: usize = 0;      // u32 ids of the present items, permuted in place as the tree partitions them
let extras: usize = 0;           // f32 extra coordinate per id, for a metric that has one (prepareBuild)
export let centroidP: usize = 0; // two-means centroids (stride bytes each)
export let centroidQ: usize = 0;
let planes: usize = 0;    // one split record per recursion depth, held until the children are written
let nodesBase: usize = 0;
let regionEnd: usize = 0; // 0: grow memory as needed
let count: u32 = 0;
let compact: bool = false;       // a compact build (layout.ts TREES_BUILDING_COMPACT): quantised planes
let planeValues: u32 = 0;        // values in a plane (hamming: 0)
let noSplitBit: u32 = 0;         // what an unsplittable node's plane holds: see clearSplit
let fileVectors: usize = 0;      // the stored vectors (vectors is the projections' when splitting in their space)

export let builtNodes: u32 = 0;       // nodes of the tree built last
export let buildFailed: bool = false; // the region was full or memory could not grow

// Deepest recursion for n items: each split leaves at most 99% (and at most n - 1) of its items on a side.
function maxDepth(n: u32, leaf: u32): u32 {
  let depth: u32 = 1;
  let m: f64 = n;
  while (m > <f64>leaf) {
    m = min(m - 1, Math.floor(m * 0.9901));
    depth++;
  }
  return depth;
}

// Splits in the space of the principal components: on an index with pca screening of a metric whose planes go
// through that space unchanged (angular: through the origin; euclidean: any offset), two-means and every item's
// margin work on the items' m projections B x instead of their d values (fashion-mnist: 80 floats instead of 784),
// and each split's plane w becomes the file plane B^T w, with the same offset: an item's margin against it,
// (B^T w) . x = w . (B x), is the margin the build sorted it by (to float rounding), and a query needs nothing new.
// The host computes the screening parameters (the basis in the file's codes section, m in the header) before the
// trees. Dot keeps its splits in the d + 1 dimensions of its extra coordinate.
export function componentDims(file: usize): u32 {
  if (hdr32(file, H_CODES_KIND) != CODES_PCA) return 0;
  const metric = hdr32(file, H_METRIC);
  return metric == METRIC_ANGULAR || metric == METRIC_EUCLIDEAN ? hdr32(file, H_CODE_DIMENSIONS) : 0;
}
@inline function spaceStride(m: u32): usize { return <usize>align16(<u64>m << 2); }

// The extras area: dot's extra coordinate per id, each item's squared norm as two-means reads it (metrics on the
// sphere: computed once per build instead of at every two-means step that samples the item), then
// (componentDims) every item's projections, from projectionsOffset.
@inline function normsOffset(file: usize): usize { return <usize>align16(<u64>hdr32(file, H_SIZE) << 2); }
export function projectionsOffset(file: usize): usize { return 2 * normsOffset(file); }
export function extrasBytes(file: usize): usize {
  return projectionsOffset(file) + <usize>(<u64>hdr32(file, H_SIZE) * <u64>spaceStride(componentDims(file)));
}

// Scratch of one building instance: its work array, two centroids, a plane in the components' space and the plane
// stack.
export function buildScratchBytes(file: usize): usize {
  const n = hdr32(file, H_COUNT);
  return <usize>(align16(<u64>n << 2) + 3 * <u64>hdr32(file, H_STRIDE)
    + <u64>maxDepth(n, hdr32(file, H_LEAF_CAPACITY)) * <u64>hdr32(file, H_NODE_BYTES));
}

// Once per build, before any instance begins: the metric's per-item preparation (dot's extra coordinate), and the
// items' projections when the splits are made in the components' space.
export function prepareBuildWith<M>(file: usize, extrasAt: usize): void {
  const metric = changetype<M>(0);
  metric.prepareBuild(file, extrasAt);
  const size = hdr32(file, H_SIZE);
  const m = componentDims(file);
  const rowBytes = m != 0 ? spaceStride(m) : <usize>hdr32(file, H_STRIDE);
  const rows = m != 0 ? extrasAt + projectionsOffset(file) : file + <usize>hdr64(file, H_VECTORS_OFFSET);
  if (m != 0) {
    for (let id: u32 = 0; id < size; id++) {
      const into = rows + <usize>id * rowBytes;
      if (isPresent(file, id)) projectRaw(vectorOf(file, id), pcaRow(file, 0), m, <usize>hdr32(file, H_STRIDE), into);
      else memory.fill(into, 0, rowBytes);
    }
  }
  if (metric.onSphere()) {
    const norms = extrasAt + normsOffset(file);
    for (let id: u32 = 0; id < size; id++) {
      const v = rows + <usize>id * rowBytes;
      store<f32>(norms + (<usize>id << 2), isPresent(file, id) ? dot(v, v, rowBytes) : 0);
    }
  }
}

export function beginBuild(file: usize, extrasAt: usize, scratch: usize): void {
  dims = hdr32(file, H_DIMENSIONS);
  fileStride = hdr32(file, H_STRIDE);
  nodeBytes = hdr32(file, H_NODE_BYTES);
  leafCapacity = hdr32(file, H_LEAF_CAPACITY);
  count = hdr32(file, H_COUNT);
  compact = treeEncoding(file) == TREES_BUILDING_COMPACT;
  planeValues = planeValuesFor(hdr32(file, H_METRIC), dims);
  noSplitBit = hdr32(file, H_METRIC) == METRIC_HAMMING ? 63 : 0;
  extras = extrasAt;
  normsOffsetNow = normsOffset(file);
  spaceDims = componentDims(file);
  fileVectors = file + <usize>hdr64(file, H_VECTORS_OFFSET);
  if (spaceDims != 0) {
    stride = spaceStride(spaceDims);
    vectors = extrasAt + projectionsOffset(file);
    basis = pcaRow(file, 0);
  } else {
    stride = fileStride;
    vectors = file + <usize>hdr64(file, H_VECTORS_OFFSET);
  }
  work = scratch;
  centroidP = work + <usize>align16(<u64>count << 2);
  centroidQ = centroidP + fileStride;
  weights = centroidQ + fileStride;
  planes = weights + fileStride;
}

@inline export function itemOf(id: u32): usize { return vectors + <usize>id * stride; }
@inline function workAt(i: u32): u32 { return load<u32>(work + (<usize>i << 2)); }
@inline export function extraOf(id: u32): f32 { return load<f32>(extras + (<usize>id << 2)); }

// Builds tree `tree` over every present item into [nodes, end) (end 0: grow memory as needed). Returns the
// root's tree-local ref (the root is always a node); builtNodes is the tree's node count.
export function buildTreeWith<M>(file: usize, seed: u32, tree: u32, nodes: usize, end: usize): i32 {
  seedTree(seed, tree);
  nodesBase = nodes;
  regionEnd = end;
  builtNodes = 0;
  buildFailed = false;
  const size = hdr32(file, H_SIZE);
  let n: u32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    if (isPresent(file, id)) { store<u32>(work + (<usize>n << 2), id); n++; }
  }
  return makeTree<M>(0, n, 0, true);
}

// Adds `delta` to every node ref of the `n` nodes at `nodes` (a tree moved to its place in the forest).
export function relocate(nodes: usize, n: u32, bytes: usize, delta: i32): void {
  for (let i: u32 = 0; i < n; i++) {
    const node = nodes + <usize>i * bytes;
    if (load<u32>(node) != SPLIT_TAG) continue;
    const c0 = load<i32>(node + NODE_CHILD0), c1 = load<i32>(node + NODE_CHILD1);
    if (c0 >= 0) store<i32>(node + NODE_CHILD0, c0 + delta);
    if (c1 >= 0) store<i32>(node + NODE_CHILD1, c1 + delta);
  }
}

function makeTree<M>(lo: u32, hi: u32, depth: u32, isRoot: bool): i32 {
  const n = hi - lo;
  if (n == 1 && !isRoot) return ~<i32>workAt(lo);
  if (n <= leafCapacity) return writeLeaf(lo, hi);

  const split = planes + <usize>depth * nodeBytes;
  let left: u32 = 0;
  for (let attempt = 0; attempt < SPLIT_ATTEMPTS; attempt++) {
    changetype<M>(0).createSplit(split, lo, hi);
    // Compact trees: the items are routed by the plane the search will read (compact.ts).
    if (compact && spaceDims == 0) quantisePlane(split, planeValues);
    left = partition<M>(split, lo, hi);
    if (imbalance(left, n) < 0.95) break;
  }
  // No plane separates these items (duplicates, say): split them at random, as Annoy does.
  while (imbalance(left, n) > 0.99) {
    clearSplit(split, stride);
    if (compact) quantisePlane(split, 0);
    left = randomPartition(lo, hi);
  }
  if (spaceDims != 0) toFilePlane(split);
  if (compact && spaceDims != 0) {
    // The file plane is quantised only now: route the items again by it, in the stored vectors' space, so that the
    // search (and an Annoy file written from the index) sends each item where the build put it.
    quantisePlane(split, planeValues);
    left = partitionInFileSpace<M>(split, lo, hi);
    while (imbalance(left, n) > 0.99) {
      clearSplit(split, fileStride);
      quantisePlane(split, 0);
      left = randomPartition(lo, hi);
    }
  }
  const child0 = makeTree<M>(lo, lo + left, depth + 1, false);
  const child1 = makeTree<M>(lo + left, hi, depth + 1, false);
  const node = allocNode();
  if (node == 0) return 0;
  if (compact) {
    writeCompactSplit(node, split, planeValues, child0, child1);
    return <i32>(builtNodes - 1);
  }
  memory.copy(node, split, nodeBytes);
  store<u32>(node, SPLIT_TAG);
  store<i32>(node + NODE_CHILD0, child0);
  store<i32>(node + NODE_CHILD1, child1);
  return <i32>(builtNodes - 1);
}

// partition by a file plane: the metric's side() reads `vectors` and `stride`, here those of the stored vectors.
function partitionInFileSpace<M>(split: usize, lo: u32, hi: u32): u32 {
  const spaceVectors = vectors, spaceStride = stride;
  vectors = fileVectors;
  stride = fileStride;
  const left = partition<M>(split, lo, hi);
  vectors = spaceVectors;
  stride = spaceStride;
  return left;
}

// The split's plane w (m weights) becomes B^T w in the stored vectors' space; the offset stays.
function toFilePlane(split: usize): void {
  const plane = split + NODE_PLANE;
  memory.copy(weights, plane, stride);
  memory.fill(plane, 0, fileStride);
  for (let j: u32 = 0; j < spaceDims; j++) {
    const w = load<f32>(weights + (<usize>j << 2));
    if (w == 0) continue;
    const s = f32x4.splat(w);
    const row = basis + <usize>j * fileStride;
    for (let i: usize = 0; i < fileStride; i += 16) v128.store(plane + i, f32x4.add(v128.load(plane + i), f32x4.mul(s, v128.load(row + i))));
  }
}

// The split of items no plane separates, as Annoy writes it: a zero plane and offset. For hamming that plane tests
// Annoy's bit 0, which is our bit 63 (Annoy numbers bits MSB-first in each word: src/format/annoy.ts), so an Annoy
// file written from the index holds Annoy's own zero split, which Annoy's readers (and ours) take as one.
function clearSplit(split: usize, planeBytes: usize): void {
  memory.fill(split + NODE_OFFSET, 0, planeBytes + 4);
  store<u32>(split + NODE_OFFSET, noSplitBit);
}

@inline function imbalance(left: u32, n: u32): f32 {
  const f = <f32>(<f64>left / (<f64>n + 1e-9));
  return max<f32>(f, 1 - f);
}

function writeLeaf(lo: u32, hi: u32): i32 {
  const node = allocNode();
  if (node == 0) return 0;
  store<u32>(node, hi - lo);
  memory.copy(node + NODE_LEAF_IDS, work + (<usize>lo << 2), <usize>(hi - lo) << 2);
  return <i32>(builtNodes - 1);
}

// Next node record; 0 (and buildFailed) when the region is full or memory cannot grow.
function allocNode(): usize {
  if (buildFailed) return 0;
  const at = nodesBase + <usize>builtNodes * nodeBytes;
  const end = at + nodeBytes;
  if (regionEnd != 0 && end > regionEnd) { buildFailed = true; return 0; }
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const need = <i32>((end - have + 0xFFFF) >> 16);
    const more = max<i32>(need, memory.size() >> 3); // grow by 1/8 at least: amortised, and little waste
    if (memory.grow(more) < 0 && memory.grow(need) < 0) { buildFailed = true; return 0; }
  }
  memory.fill(at, 0, nodeBytes);
  builtNodes++;
  return at;
}

// Sends each item of work[lo, hi) to side 0 (front) or 1 (back); returns how many went to side 0.
function partition<M>(split: usize, lo: u32, hi: u32): u32 {
  let front = lo;
  for (let i = lo; i < hi; i++) {
    const id = workAt(i);
    if (changetype<M>(0).side(split, id) == 0) {
      store<u32>(work + (<usize>i << 2), workAt(front));
      store<u32>(work + (<usize>front << 2), id);
      front++;
    }
  }
  return front - lo;
}

function randomPartition(lo: u32, hi: u32): u32 {
  let front = lo;
  for (let i = lo; i < hi; i++) {
    const id = workAt(i);
    if (flip() == 0) {
      store<u32>(work + (<usize>i << 2), workAt(front));
      store<u32>(work + (<usize>front << 2), id);
      front++;
    }
  }
  return front - lo;
}

// Two-means over a sample of work[lo, hi), Annoy's way: start from two random items, then move the nearer
// centroid towards each sampled item, weighting distances by cluster size. Written once over the metric M (the
// distance it clusters by, whether it works on the unit sphere, whether items carry an extra coordinate); each
// metric's createSplit calls it and makes its plane from the two centroids.
export let pExtra: f32 = 0;
export let qExtra: f32 = 0;
let pNorm: f32 = 0; // squared norms of the centroids (cosine metrics), including the extra coordinate
let qNorm: f32 = 0;

export function twoMeans<M>(lo: u32, hi: u32): void {
  const metric = changetype<M>(0);
  const n = hi - lo;
  const i = index(n);
  let j = index(n - 1);
  if (j >= i) j++;
  const a = workAt(lo + i), b = workAt(lo + j);
  memory.copy(centroidP, itemOf(a), stride);
  memory.copy(centroidQ, itemOf(b), stride);
  pExtra = metric.hasExtra() ? extraOf(a) : 0;
  qExtra = metric.hasExtra() ? extraOf(b) : 0;
  if (metric.onSphere()) {
    pExtra = normalise(centroidP, pExtra);
    qExtra = normalise(centroidQ, qExtra);
  }
  pNorm = dot(centroidP, centroidP, stride) + pExtra * pExtra;
  qNorm = dot(centroidQ, centroidQ, stride) + qExtra * qExtra;
  let ic: f32 = 1, jc: f32 = 1;
  for (let step = 0; step < TWO_MEANS_STEPS; step++) {
    const k = workAt(lo + index(n));
    const v = itemOf(k);
    const e: f32 = metric.hasExtra() ? extraOf(k) : 0;
    let norm: f32 = 1;
    let vv: f32 = 0;
    if (metric.onSphere()) vv = load<f32>(extras + normsOffsetNow + (<usize>k << 2)) + e * e; // dot(v, v, stride)
    const di = ic * metric.meansDistance(centroidP, pExtra, pNorm, v, e, vv, stride);
    const dj = jc * metric.meansDistance(centroidQ, qExtra, qNorm, v, e, vv, stride);
    if (metric.onSphere()) {
      norm = sqrt<f32>(vv);
      if (!(norm > 0)) continue;
    }
    if (di < dj) {
      pExtra = moveTowards(centroidP, pExtra, v, e, norm, ic);
      pNorm = dot(centroidP, centroidP, stride) + pExtra * pExtra;
      ic++;
    } else if (dj < di) {
      qExtra = moveTowards(centroidQ, qExtra, v, e, norm, jc);
      qNorm = dot(centroidQ, centroidQ, stride) + qExtra * qExtra;
      jc++;
    }
  }
}

// c = (c * weight + v / norm) / (weight + 1); returns the updated extra coordinate.
function moveTowards(c: usize, cExtra: f32, v: usize, vExtra: f32, norm: f32, weight: f32): f32 {
  const w = f32x4.splat(weight), inv = f32x4.splat(norm), next = f32x4.splat(weight + 1);
  for (let i: usize = 0; i < stride; i += 16) {
    const x = f32x4.add(f32x4.mul(v128.load(c + i), w), f32x4.div(v128.load(v + i), inv));
    v128.store(c + i, f32x4.div(x, next));
  }
  return (cExtra * weight + vExtra / norm) / (weight + 1);
}

function normalise(c: usize, extra: f32): f32 {
  const norm = sqrt<f32>(dot(c, c, stride) + extra * extra);
  if (!(norm > 0)) return extra;
  scale(c, stride, 1 / norm);
  return extra / norm;
}
