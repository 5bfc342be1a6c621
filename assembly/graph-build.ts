// The neighbour graph on the forest (PyNNDescent's design): every item's nearest neighbours, found by
//   1. seeding:   all pairs of items that share a leaf of the forest's first trees (the trees already group items
//                 that are close), then random items for any list still short;
//   2. NN-descent: rounds of "a neighbour of my neighbour is likely my neighbour": each item's sampled new and old
//                 neighbours (and reverse neighbours) are compared pairwise, and every pair closer than a member's
//                 current worst enters its list;
//   3. pruning:   each list is diversified (drop neighbour j when an already kept neighbour c is closer to j than
//                 the item is: the RNG / HNSW heuristic), reverse edges are added, and the union is diversified
//                 again under the degree cap.
// Dot (maximum inner product) lists rank by the inner product itself and prune by the trees' augmented distance
// (see pairDistance).
// Every random choice is a hash of (seed, round, pair), never a stream, and every list keeps the best (distance,
// id) keys, a strict total order: the graph depends on the items, the options and the seed only.
//
// Parallel and deterministic (IndexBuilder.buildAsync's jobs): the work is split into steps (graphStep), each over
// a range of the present items, that threads sharing the memory run side by side, every one attached to the same
// state (graphAttach). A step's result never depends on how its range is split:
//   seed      the leaf pairs of a chunk of tree nodes into each thread's buffer, then applied (below);
//   sample    each thread fills the candidate heaps of its own range of destinations, scanning every list in the
//             same order one thread would (so even a heap's layout is the same);
//   mark      per item;
//   generate  each thread joins centres of its own part of the ranks, as many as its buffer surely holds, reading
//             the lists (read only) as they stood when the step began; it writes its pairs' updates
//             (destination, key) into its own buffer (how the centres are cut into steps changes nothing);
//   apply     each thread offers every buffer's updates to its own range of destinations; a list keeps the best keys
//             offered, whatever their order, and an entry's fresh bit only says whether it came in;
//   forward, union   pruning, per item.
// The seeding's random top-up of short lists, the reverse edges and the in-degree repair are scatters and run on
// one thread (they are cheap).
//
// Locality: the build works on ranks, not ids. The present items are ranked in the leaf order of the first tree
// (localityOrder), and every list, candidate heap and mask is indexed by rank and holds ranks: an item's
// neighbours, and their neighbours, then sit at nearby ranks, so a join's lists, heaps and masks share cache lines
// and pages instead of being scattered over the whole set (random memory access, not arithmetic, dominated the
// build's profile). The rows are written with ids at the end. The order is a function of
// the file, so the graph still depends on the items, the options and the seed only.
//
// Codes: seeding, the top-up and the joins rank pairs by int8 codes of the items (pair-codes.ts, the encoding
// searchAll's joins use), copied in rank order: a glove-100 record is 112 bytes instead of a 400-byte vector, so a
// join's items stay in the cache, and the integer kernels make a pair's distance the same from either end (one key
// in both lists). Pruning ranks each list again by exact distances (rekey) before diversifying.
//
// The graph section: `degree` u32 neighbour ids per item slot (holes included), nearest first, NO_NEIGHBOUR past
// the last.
import {
  H_METRIC, H_STRIDE, H_SIZE, H_COUNT, H_TREES, H_ROOTS_OFFSET,
  METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_MANHATTAN, METRIC_DOT,
  SPLIT_TAG, NODE_LEAF_IDS, NODE_CHILD0, NODE_CHILD1, NO_NEIGHBOUR, hdr32, hdr64, isPresent, vectorOf, nodeAt, align16, graphOf, graphDegree, H_SEED,
} from './layout';
import { dot, squaredL2, l1, hammingBits } from './simd';
import { CODES_COSINE, CODES_DOT, CODES_L2, CODES_L1, CODES_BITS, codesKindOf, codeRecordBytes, codeKernel, codeKernel4, encodeRecords } from './pair-codes';
import { orderedBits, floatOfOrderedBits } from './heap';
import { principalComponents, pcaScratchBytes, trackedComponents } from './pca';
import { H_DIMENSIONS, H_LEAF_CAPACITY, SECTION_NEAREST, sectionAt, nearestCount, nearestBitsFor, nearestRowWordsFor } from './layout';
import { packStart, packPut, packEnd } from './compact';

const EMPTY: u64 = 0xFFFFFFFFFFFFFFFF;
// NN-descent stops when a round changes fewer than this share of all list entries.
const DELTA: f64 = 0.001;
// Leaves of at most 2 * SEED_WINDOW + 1 items seed every pair.
const SEED_WINDOW: u32 = 32;

// Build state (module globals: one graph build at a time per instance).
let metric: u32 = 0;
let stride: usize = 0;
let size: u32 = 0;
let count: u32 = 0;
// Everything below is indexed by rank (see Locality above) and lists ranks.
let lists: usize = 0;   // count * K u64 keys (distance, rank), ascending, EMPTY past the last
let fresh: usize = 0;   // count u64 masks: bit s set when list entry s is new (not yet joined)
let newCands: usize = 0; // count * candStride u32 rank max-heaps (addCandidate): the sampled new candidates
let oldCands: usize = 0;
let newTops: usize = 0; // count u32: the hash of each heap's top key
let oldTops: usize = 0;
let newCounts: usize = 0; // count u32
let oldCounts: usize = 0;
let norms: usize = 0;   // count f32: angular 1 / |v| (0 for a zero vector); dot: the extra coordinate sqrt(M^2 - |v|^2)
let squaredRadius: f32 = 0; // dot: M^2, the largest squared norm
let worst: usize = 0;   // count u64: each list's last key (a compact copy: the join checks it for every pair)
let ids: usize = 0;     // count u32: the present ids in the build's order (localityOrder): ids[rank] is the item
let rankOf: usize = 0;  // size u32: an item's rank (NO_NEIGHBOUR for a hole)
let unionArea: usize = 0; // threads * 4 * degree u64: one item's forward and reverse edges, and those kept (pruning)
let added: usize = 0;   // count u64 masks: bit s set when list entry s came in during this round
let threads: u32 = 1;   // update buffers (threads generating at once)
let bufferCap: u32 = 0; // updates one buffer holds: a whole chunk's, at most
let updates: usize = 0; // threads * (16 + bufferCap * 16): each buffer's count, then its (key u64, destination u32)
let buckets: usize = 0; // threads * (threads + 1) u32: where each buffer's updates for each thread's destinations
                        // start; then threads * threads u32, each partition's fill points; then threads u32,
                        // where each thread's last generate stopped (graphGenerated)
let graphOut: usize = 0;
let degreeNow: u32 = 0;
let roundsMost: u32 = 0;
let seedNow: u32 = 0;
let mergeNow: u32 = 0;
let state: usize = 0;
let K: u32 = 0;
let C: u32 = 0;
let alpha: f32 = 1; // pruning: drop j when alpha * d(c, j) < d(i, j) (1: the RNG rule; larger keeps more edges)
let candStride: u32 = 0; // entries per item in the candidate areas (also used by pruning: max(C, degree))

export let graphRounds: u32 = 0;  // NN-descent rounds the last build ran
export let graphUpdates: u32 = 0; // list changes in its last round
export let graphPairs: u64 = 0;  // pairs the joins compared so far (labs: bench/lab/graph-rounds.mjs)
export let graphOffers: u64 = 0; // updates they offered to lists (past the worst-key filter)

@inline function mix(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
  return x ^ (x >> 31);
}
// A counter-based random number for (seed, round, pair): the same on every machine and for any schedule.
@inline function pairHash(seed: u32, round: u32, a: u32, b: u32): u32 {
  const lo = min<u32>(a, b), hi = max<u32>(a, b);
  return <u32>(mix(((<u64>seed << 32) | <u64>round) ^ mix((<u64>lo << 32) | <u64>hi ^ 0x9E3779B97F4A7C15)) >> 32);
}

@inline function keyOf(d: f32, id: u32): u64 { return (<u64>orderedBits(d) << 32) | <u64>id; }
@inline function listOf(i: u32): usize { return lists + ((<usize>i * <usize>K) << 3); }
@inline function idAt(p: usize, s: u32): u32 { return <u32>load<u64>(p + (<usize>s << 3)); }

// The distance the graph is built with, symmetric to the bit: d(a, b) == d(b, a), so a pair has one key in both
// lists.
// Dot ranks by the inner product itself, M^2 - a.b (M^2 the largest squared norm: never negative, so the relaxed
// diversification's factor scales it as it does the other metrics' distances), and its pruning rule compares the
// trees' augmented distance (pruneDistance): a list by raw inner product holds the long items a walk must reach
// (maximum inner product answers are long), and the augmented rule keeps the list varied. Measured against brute
// force MIPS, recall@10 at ef 10 / 20 / 40 (bench/lab/dot-graph.mjs): 100k GloVe rows 0.581 / 0.705 / 0.814
// against 0.392 / 0.482 / 0.579 ranking and pruning both by the augmented distance; 60k fashion-mnist pixels
// 0.802 / 0.876 / 0.935 against 0.532 / 0.641 / 0.767; the GloVe sample scaled to lengths 0.25-3.25 0.880 /
// 0.959 / 0.989 against 0.507 / 0.676 / 0.812. (Pruning by raw inner products too was 0.480 / 0.589 / 0.693 on
// GloVe, 0.862 / 0.931 / 0.978 on fashion-mnist.)
@inline function pairDistance(a: u32, b: u32, va: usize, vb: usize): f32 {
  if (metric == METRIC_ANGULAR) {
    return 2 - 2 * dot(va, vb, stride) * (load<f32>(norms + (<usize>a << 2)) * load<f32>(norms + (<usize>b << 2)));
  }
  if (metric == METRIC_EUCLIDEAN) return squaredL2(va, vb, stride);
  if (metric == METRIC_MANHATTAN) return l1(va, vb, stride);
  if (metric == METRIC_DOT) return squaredRadius - dot(va, vb, stride);
  return <f32>hammingBits(va, vb, stride);
}

// What pruning compares instead of pairDistance d (or of codeDistance: codes 1): dot's augmented distance, M^2 -
// a'.b' (a' = (a, ea), ea = sqrt(M^2 - |a|^2): half the squared chord between the augmented vectors, all of length
// M, the space the trees split); d itself for the other metrics.
@inline function pruneDistance(d: f32, a: u32, b: u32, inCodes: bool): f32 {
  if (metric != METRIC_DOT) return d;
  const e = inCodes ? codeNorms : norms;
  return d - load<f32>(e + (<usize>a << 2)) * load<f32>(e + (<usize>b << 2));
}

let vectors: usize = 0;
// The joins' copy (pair-codes.ts): count records of `record` bytes, in rank order, and each record's scale.
let codes: usize = 0;
let record: usize = 0;
let codeKind: u32 = 0;
let codeNorms: usize = 0; // count f32: CODES_COSINE 1 / |codes|; CODES_DOT the extra coordinate in code units
let codeRadius: f32 = 0;  // CODES_DOT: M^2 in code units
let codeToExact: f32 = 1; // a code distance times this is on pairDistance's scale (approximately)
const PRUNE_BY_CODES: bool = true;
// Rank r's vector (the vectors stay in id order: a copy in rank order was measured at most ~5% faster, on 50k
// and 150k GloVe rows, and would add the vectors' size to the build's peak memory).
@inline function vec(r: u32): usize { return vectors + <usize>load<u32>(ids + (<usize>r << 2)) * stride; }

// What seeding, the top-up and the joins rank a pair by: the distance of the codes of ranks a and b, on the scale
// of pairDistance's (angular 2 - 2 cos, dot M^2 - a.b; the others in code units), symmetric to the bit (integer
// kernels; scale products taken in one order), so a pair has one key in both lists.
@inline function codeDistance(a: u32, b: u32): f32 { return codeDistanceOf(codeKernelOf(a, b), a, b); }
@inline function codeKernelOf(a: u32, b: u32): f32 { return <f32>codeKernel(codeKind, codes + <usize>a * record, codes + <usize>b * record, record); }
// The same from the records' kernel value x (codeKernel4 gives four at once).
@inline function codeDistanceOf(x: f32, a: u32, b: u32): f32 {
  if (codeKind == CODES_COSINE) return 2 - 2 * x * (load<f32>(codeNorms + (<usize>a << 2)) * load<f32>(codeNorms + (<usize>b << 2)));
  if (codeKind == CODES_DOT) return codeRadius - x;
  return x;
}
@inline function codeAt(r: u32): usize { return codes + <usize>r * record; }

// High-dimensional euclidean and angular items are compared by their first principal components during the build
// (pca.ts; 64 of them): NN-descent computes hundreds of distances per item and round, and the components rank
// neighbours nearly as the full vectors do at a fraction of the cost (fashion-mnist: 784 dimensions, 64 components
// hold ~86% of the variance). The graph is searched with the full vectors.
export const PROJECT_ABOVE: u32 = 128;
const PROJECT_COMPONENTS: u32 = 64;
@inline function projects(file: usize): bool {
  const m = hdr32(file, H_METRIC);
  return hdr32(file, H_DIMENSIONS) > PROJECT_ABOVE && (m == METRIC_EUCLIDEAN || m == METRIC_ANGULAR);
}
function projectionBytes(file: usize): u64 {
  if (!projects(file)) return 0;
  const tracked = <u64>trackedComponents(file, PROJECT_COMPONENTS);
  const s = <u64>hdr32(file, H_STRIDE);
  return align16(<u64>hdr32(file, H_SIZE) * align16(tracked * 4)) + <u64>pcaScratchBytes(file, <u32>tracked) + tracked * s + align16(tracked * 4) + 64;
}

// Centres one thread joins per generate (generate: the graph is the same for any cut); the update buffers hold
// this many centres' updates at the most.
const GRAPH_CHUNK: u32 = 256;
// Updates one centre can make in a round, at most: each of its new-new and new-old pairs may enter both lists.
@inline function updatesPerCentre(c: u32): u64 { return 2 * (<u64>c * <u64>(c - 1) / 2 + <u64>c * <u64>c); }
// Updates one leaf can make while seeding, at most: each item paired with the next SEED_WINDOW, both ends.
@inline function updatesPerLeaf(file: usize): u64 { return 2 * <u64>hdr32(file, H_LEAF_CAPACITY) * <u64>SEED_WINDOW; }
@inline function capOf(file: usize, c: u32): u64 {
  return max<u64>(<u64>min<u32>(GRAPH_CHUNK, max<u32>(1, hdr32(file, H_COUNT))) * updatesPerCentre(c), updatesPerLeaf(file));
}
const STATE_BYTES: usize = 256;
const UPDATE_BYTES: usize = 12; // (key u64, destination u32)
@inline function bucketBytes(t: u32): u64 { return align16(<u64>t * (2 * <u64>t + 2) * 4); }
@inline function bufferBytes(cap: u64): u64 { return align16(16 + cap * <u64>UPDATE_BYTES); }

export function graphScratchBytes(file: usize, k: u32, c: u32, degree: u32, threadCount: u32): usize {
  const t = <u64>max<u32>(1, threadCount);
  const n = <u64>hdr32(file, H_COUNT);
  const cs = <u64>max<u32>(c, degree);
  const copy = projectionBytes(file) + align16(n * <u64>buildRecordBytes(file)) + 3 * align16(n * 4);
  return <usize>(<u64>STATE_BYTES + align16(n * <u64>k * 8) + align16(n * 8) + 2 * align16(n * cs * 4) + 3 * align16(n * 4) + align16(n * 4) + align16(<u64>hdr32(file, H_SIZE) * 4) + align16(n * 8) + t * align16(<u64>degree * 32)
    + align16(n * 8) + t * bufferBytes(capOf(file, c)) + bucketBytes(<u32>t) + copy);
}

// The bytes of one code record of the build's vectors (the projection's when the build projects).
function buildRecordBytes(file: usize): usize {
  if (projects(file)) return codeRecordBytes(CODES_L2, trackedComponents(file, PROJECT_COMPONENTS), 0);
  return codeRecordBytes(codesKindOf(hdr32(file, H_METRIC)), hdr32(file, H_DIMENSIONS), hdr32(file, H_STRIDE));
}

// The codes of the build's vectors (vec, stride, metric: after any projection), in rank order.
function vectorOfRank(r: u32): usize { return vec(r); }
function encodeCodes(): void {
  codeKind = codesKindOf(metric);
  codeToExact = 1;
  // the padding floats (stride past the dimensions) are zero and give zero codes
  const one = encodeRecords(codeKind, count, vectorOfRank, stride >> 2, stride, codes, record, codeNorms);
  if (codeKind == CODES_BITS) return;
  // dot: each record's extra coordinate in code units (for pruneDistance), in place of its inverse length
  if (codeKind == CODES_DOT) for (let r: u32 = 0; r < count; r++) store<f32>(codeNorms + (<usize>r << 2), load<f32>(norms + (<usize>r << 2)) * one);
  codeRadius = squaredRadius * (one * one);
  codeToExact = one == 0 || codeKind == CODES_COSINE ? 1 : codeKind == CODES_L1 ? 1 / one : 1 / (one * one);
}

// Replaces the build's vectors by the items' principal components (angular: of the unit vectors), compared by
// squared L2, in the area at `at`.
function project(file: usize, at: usize): void {
  const tracked = trackedComponents(file, PROJECT_COMPONENTS);
  const fullStride = <usize>hdr32(file, H_STRIDE);
  const projected = at;
  const pca = projected + <usize>align16(<u64>size * align16(<u64>tracked * 4)); // room for every slot (projectionBytes)
  const basis = pca + pcaScratchBytes(file, tracked);
  const offsets = basis + <usize>tracked * fullStride;
  const m = principalComponents(file, PROJECT_COMPONENTS, load<u32>(file + H_SEED), pca, basis, offsets, metric == METRIC_ANGULAR);
  const pStride = <usize>align16(<u64>m * 4); // the area has room for `tracked`
  const angularItems = metric == METRIC_ANGULAR;
  for (let r: u32 = 0; r < count; r++) {
    const id = idOf(r);
    const out = projected + <usize>id * pStride;
    memory.fill(out, 0, pStride);
    const v = vectorOf(file, id);
    let scaleBy: f32 = 1;
    if (angularItems) {
      const nn = sqrt<f32>(dot(v, v, fullStride));
      if (!(nn > 0)) continue;
      scaleBy = 1 / nn;
    }
    for (let j: u32 = 0; j < m; j++) {
      const y = dot(basis + <usize>j * fullStride, v, fullStride) * scaleBy - load<f32>(offsets + (<usize>j << 2));
      store<f32>(out + (<usize>j << 2), y);
    }
  }
  vectors = projected;
  stride = pStride;
  metric = METRIC_EUCLIDEAN;
}

function begin(file: usize, k: u32, c: u32, degree: u32, scratchAt: usize, threadCount: u32): void {
  state = scratchAt;
  const scratch = scratchAt + STATE_BYTES;
  threads = max<u32>(1, threadCount);
  bufferCap = <u32>capOf(file, c);
  metric = hdr32(file, H_METRIC);
  stride = <usize>hdr32(file, H_STRIDE);
  size = hdr32(file, H_SIZE);
  count = hdr32(file, H_COUNT);
  K = k; C = c; candStride = max<u32>(c, degree);
  const n = <u64>count;
  lists = scratch;
  fresh = lists + <usize>align16(n * <u64>K * 8);
  newCands = fresh + <usize>align16(n * 8);
  oldCands = newCands + <usize>align16(n * <u64>candStride * 4);
  newCounts = oldCands + <usize>align16(n * <u64>candStride * 4);
  oldCounts = newCounts + <usize>align16(n * 4);
  norms = oldCounts + <usize>align16(n * 4);
  ids = norms + <usize>align16(n * 4);
  rankOf = ids + <usize>align16(n * 4);
  worst = rankOf + <usize>align16(<u64>size * 4);
  memory.fill(worst, 0xFF, <usize>(n * 8));
  unionArea = worst + <usize>align16(n * 8);
  added = unionArea + <usize>(<u64>threads * align16(<u64>degree * 32));
  memory.fill(added, 0, <usize>(n * 8));
  updates = added + <usize>align16(n * 8);
  buckets = updates + <usize>(<u64>threads * bufferBytes(<u64>bufferCap));
  codes = buckets + <usize>bucketBytes(threads);
  record = buildRecordBytes(file);
  codeNorms = codes + <usize>align16(n * <u64>record);
  newTops = codeNorms + <usize>align16(n * 4);
  oldTops = newTops + <usize>align16(n * 4);
  const projectAt = oldTops + <usize>align16(n * 4);
  memory.fill(lists, 0xFF, <usize>(n * <u64>K * 8));
  memory.fill(fresh, 0, <usize>(n * 8));
  localityOrder(file);
  vectors = vectorOf(file, 0);
  if (projects(file)) project(file, projectAt);
  let maxNorm: f32 = 0;
  squaredRadius = 0;
  for (let r: u32 = 0; r < count; r++) {
    let x: f32 = 0;
    if (metric == METRIC_ANGULAR) { const nn = sqrt<f32>(dot(vec(r), vec(r), stride)); x = nn > 0 ? 1 / nn : 0; }
    else if (metric == METRIC_DOT) { x = dot(vec(r), vec(r), stride); maxNorm = max<f32>(maxNorm, x); }
    store<f32>(norms + (<usize>r << 2), x);
  }
  if (metric == METRIC_DOT) {
    squaredRadius = maxNorm;
    for (let r: u32 = 0; r < count; r++) {
      const gap = maxNorm - load<f32>(norms + (<usize>r << 2));
      store<f32>(norms + (<usize>r << 2), gap > 0 ? sqrt<f32>(gap) : 0);
    }
  }
  encodeCodes();
}

// Ranks the present items (ids, rankOf) in the order the first tree's leaves list them: close items share a leaf
// or a nearby one. Tree 0's nodes are 0 ..= its root (post-order); an item that is a one-item subtree is ranked
// when its parent split is met. Items no leaf of tree 0 lists (none in a built index) follow, ascending.
function ranked(file: usize, id: u32, r: u32): u32 {
  if (id >= size || !isPresent(file, id)) return r;
  const at = rankOf + (<usize>id << 2);
  if (load<u32>(at) != NO_NEIGHBOUR) return r;
  store<u32>(at, r);
  store<u32>(ids + (<usize>r << 2), id);
  return r + 1;
}
function localityOrder(file: usize): void {
  memory.fill(rankOf, 0xFF, <usize>size << 2);
  let r: u32 = 0;
  if (hdr32(file, H_TREES) > 0) {
    const root = load<i32>(file + <usize>hdr64(file, H_ROOTS_OFFSET));
    if (root < 0) r = ranked(file, <u32>~root, r);
    for (let node: i32 = 0; node <= root; node++) {
      const at = nodeAt(file, <u32>node);
      const tag = load<u32>(at);
      if (tag == SPLIT_TAG) {
        const c0 = load<i32>(at, NODE_CHILD0), c1 = load<i32>(at, NODE_CHILD1);
        if (c0 < 0) r = ranked(file, <u32>~c0, r);
        if (c1 < 0) r = ranked(file, <u32>~c1, r);
        continue;
      }
      for (let x: u32 = 0; x < tag; x++) r = ranked(file, load<u32>(at + NODE_LEAF_IDS + (<usize>x << 2)), r);
    }
  }
  for (let id: u32 = 0; id < size && r < count; id++) r = ranked(file, id, r);
}

// Puts (d, j) into item i's list if it is better than the worst there and j is not listed yet; marks it new.
// Returns 1 when the list changed.
function insert(i: u32, d: f32, j: u32): u32 { return insertKey(i, keyOf(d, j)); }
function insertKey(i: u32, key: u64): u32 {
  const p = listOf(i);
  if (key >= load<u64>(worst + (<usize>i << 3))) return 0;
  // The place: the first entry above the key (EMPTY entries are above every key; key < worst: the place is below
  // K). A binary search without branches (a select per halving: which half is taken is a coin toss the CPU could
  // not predict). A pair has one key (distances are symmetric and exact), so j listed already sits right below
  // that place.
  let s: u32 = 0, len: u32 = K;
  while (len > 1) { // the place is in [s, s + len]
    const half = len >> 1;
    s = select<u32>(s + half, s, load<u64>(p + (<usize>(s + half - 1) << 3)) <= key);
    len -= half;
  }
  s += <u32>(load<u64>(p + (<usize>s << 3)) <= key);
  if (s > 0 && load<u64>(p + (<usize>(s - 1) << 3)) == key) return 0;
  // shift the entries from s on down by one (the last drops out): a short loop, not memory.copy (a call per insert)
  for (let t: u32 = K - 1; t > s; t--) store<u64>(p + (<usize>t << 3), load<u64>(p + (<usize>(t - 1) << 3)));
  store<u64>(p + (<usize>s << 3), key);
  store<u64>(worst + (<usize>i << 3), load<u64>(p + (<usize>(K - 1) << 3)));
  const all: u64 = K == 64 ? EMPTY : (<u64>1 << <u64>K) - 1;
  const lowBits: u64 = s == 0 ? 0 : (<u64>1 << <u64>s) - 1;
  const fm = fresh + (<usize>i << 3);
  const m = load<u64>(fm);
  store<u64>(fm, ((m & lowBits) | ((m & ~lowBits) << 1) | (<u64>1 << <u64>s)) & all);
  const am = added + (<usize>i << 3);
  const a = load<u64>(am);
  store<u64>(am, ((a & lowBits) | ((a & ~lowBits) << 1) | (<u64>1 << <u64>s)) & all);
  return 1;
}

// Most pairs improve neither list: the worst-key test is made here, inline, and insert is called only for a pair
// that enters a list (insert's own time was a third of a 50k GloVe build's profile; same bytes either way).
@inline function tryPair(a: u32, b: u32, d: f32): u32 {
  const bits = <u64>orderedBits(d) << 32;
  let changed: u32 = 0;
  if ((bits | <u64>b) < load<u64>(worst + (<usize>a << 3))) changed += insert(a, d, b);
  if ((bits | <u64>a) < load<u64>(worst + (<usize>b << 3))) changed += insert(b, d, a);
  return changed;
}

// Seeding: the lists start from the leaves of the first `seedTrees` trees (tree t's nodes end at its root:
// post-order), nodes 0 ..= seedEnd. Every pair of a leaf, but big leaves (high dimensions: Annoy's K is dimensions
// + 2) would cost quadratic time: each item is paired with the next SEED_WINDOW items of its leaf, cyclically (a
// leaf lists its items in no particular order). The pairs are generated per chunk of nodes (seedChunk, a function
// of the file only) into the threads' buffers and applied as a join's are.
let fileNow: usize = 0;
let seedEnd: i32 = -1;
let seedChunk: u32 = 1;
function seedEndOf(file: usize, seedTrees: u32): i32 {
  const trees = hdr32(file, H_TREES);
  const roots = file + <usize>hdr64(file, H_ROOTS_OFFSET);
  let end: i32 = -1;
  for (let t: u32 = 0; t < min<u32>(seedTrees, trees); t++) end = max<i32>(end, load<i32>(roots + (<usize>t << 2)));
  return end;
}

// seed: the leaf pairs of nodes [lo, hi), into buffer t.
function seedLeaves(lo: u32, hi: u32, t: u32): void {
  const buffer = bufferOf(t);
  let n: u32 = 0;
  for (let node: u32 = lo; node < hi; node++) {
    const at0 = nodeAt(fileNow, node);
    const tag = load<u32>(at0);
    if (tag == SPLIT_TAG || tag < 2) continue;
    const at = at0 + NODE_LEAF_IDS;
    const span = min<u32>(SEED_WINDOW, tag >> 1); // y and tag - y are the same pair: half the cycle covers all
    for (let x: u32 = 0; x < tag; x++) {
      const a = load<u32>(rankOf + (<usize>load<u32>(at + (<usize>x << 2)) << 2));
      if (a == NO_NEIGHBOUR) continue; // a listed hole (Annoy's files)
      // a's partners four at a time (codeKernel4: a's record read once for the four)
      const ca = codeAt(a);
      let b0: u32 = 0, b1: u32 = 0, b2: u32 = 0, m: u32 = 0;
      for (let y: u32 = 1; y <= span; y++) {
        if (2 * y == tag && x >= y) break; // the pair (x, x + tag / 2) was made from the other side
        const b = load<u32>(rankOf + (<usize>load<u32>(at + (<usize>((x + y) % tag) << 2)) << 2));
        if (b == NO_NEIGHBOUR) continue;
        if (m < 3) {
          if (m == 0) b0 = b; else if (m == 1) b1 = b; else b2 = b;
          m++;
          continue;
        }
        const v = codeKernel4(codeKind, ca, codeAt(b0), codeAt(b1), codeAt(b2), codeAt(b), record);
        m = 0;
        n = offerPair(buffer, n, a, b0, codeDistanceOf(<f32>i32x4.extract_lane(v, 0), a, b0));
        n = offerPair(buffer, n, a, b1, codeDistanceOf(<f32>i32x4.extract_lane(v, 1), a, b1));
        n = offerPair(buffer, n, a, b2, codeDistanceOf(<f32>i32x4.extract_lane(v, 2), a, b2));
        n = offerPair(buffer, n, a, b, codeDistanceOf(<f32>i32x4.extract_lane(v, 3), a, b));
      }
      if (m > 0) n = offerPair(buffer, n, a, b0, codeDistance(a, b0));
      if (m > 1) n = offerPair(buffer, n, a, b1, codeDistance(a, b1));
      if (m > 2) n = offerPair(buffer, n, a, b2, codeDistance(a, b2));
    }
  }
  store<u32>(buffer, n);
  partition(t);
}

// Tops short lists up with hash-chosen items (one thread: each pick also enters the pick's list).
export function graphTopUp(): void {
  if (count < 2) return;
  for (let x: u32 = 0; x < count; x++) {
    const i = x;
    let tries: u32 = 0;
    while (idAt(listOf(i), K - 1) == NO_NEIGHBOUR && tries < 2 * K) {
      const pick = pairHash(seedNow, 0xFFFFFFFF - tries, i, i) % count;
      if (pick != i) tryPair(i, pick, codeDistance(i, pick));
      tries++;
    }
  }
}

// The nodes the seeding scans, and how many per chunk.
export function graphSeedNodes(): u32 { return <u32>(seedEnd + 1); }
export function graphSeedChunk(): u32 { return seedChunk; }

// Adds candidate j to item i's sampled candidates: a max-heap of the C smallest (hash, rank) keys, stored as ranks
// alone (the hash is recomputed when two entries are compared: pairHash is a few multiplies, and the heaps are
// then half the bytes).
let roundNow: u32 = 0;
@inline function candKey(i: u32, j: u32): u64 { return (<u64>pairHash(seedNow, roundNow, i, j) << 32) | <u64>j; }
// tops: count u32, each heap's top key's hash (kept beside the heap: most offers are refused by the top alone).
function addCandidate(area: usize, counts: usize, tops: usize, i: u32, j: u32, h: u32, cap: u32): void {
  const heap = area + ((<usize>i * <usize>candStride) << 2);
  const cp = counts + (<usize>i << 2);
  const n = load<u32>(cp);
  const key = (<u64>h << 32) | <u64>j;
  const tp = tops + (<usize>i << 2);
  if (n == cap && key >= ((<u64>load<u32>(tp) << 32) | <u64>load<u32>(heap))) return;
  if (holds(heap, n, j)) return;
  if (n < cap) {
    let x = n;
    while (x > 0) {
      const parent = (x - 1) >> 1;
      const pj = load<u32>(heap + (<usize>parent << 2));
      if (candKey(i, pj) >= key) break;
      store<u32>(heap + (<usize>x << 2), pj);
      x = parent;
    }
    store<u32>(heap + (<usize>x << 2), j);
    store<u32>(cp, n + 1);
    store<u32>(tp, x == 0 ? h : load<u32>(tp));
    return;
  }
  // replace the largest kept key
  let x: u32 = 0;
  while (true) {
    let child: u32 = 2 * x + 1;
    if (child >= n) break;
    let cj = load<u32>(heap + (<usize>child << 2));
    let ck = candKey(i, cj);
    if (child + 1 < n) {
      const rj = load<u32>(heap + (<usize>(child + 1) << 2));
      const rk = candKey(i, rj);
      if (rk > ck) { child++; ck = rk; cj = rj; }
    }
    if (ck <= key) break;
    store<u32>(heap + (<usize>x << 2), cj);
    x = child;
  }
  store<u32>(heap + (<usize>x << 2), j);
  const top = load<u32>(heap);
  store<u32>(tp, top == j ? h : pairHash(seedNow, roundNow, i, top));
}

// Whether the n ranks at p include j: four at a time (every offer that passes a full heap's top is checked).
@inline function holds(p: usize, n: u32, j: u32): bool {
  const want = i32x4.splat(j);
  let hit = i32x4.splat(0);
  let t: u32 = 0;
  for (; t + 4 <= n; t += 4) hit = v128.or(hit, i32x4.eq(v128.load(p + (<usize>t << 2)), want));
  for (; t < n; t++) if (load<u32>(p + (<usize>t << 2)) == j) return true;
  return v128.any_true(hit);
}

@inline function candAt(area: usize, i: u32, t: u32): u32 {
  return load<u32>(area + ((<usize>i * <usize>candStride + <usize>t) << 2));
}
// Pruning's reverse edges: `degree` (distance, rank) keys per item over both candidate areas (free by then; they
// are contiguous and hold candStride >= degree u64 per item).
@inline function reverseOf(i: u32): usize { return newCands + ((<usize>i * <usize>candStride) << 3); }

let sink: u32 = 0;

// The item of rank r.
@inline function idOf(r: u32): u32 { return load<u32>(ids + (<usize>r << 2)); }

// sample: the new and old candidates of the items in [lo, hi), from every list in one order (forward and reverse).
// Starts a round: this range's counts and added masks are reset.
function sample(r: u32, lo: u32, hi: u32): void {
  if (lo >= hi) return;
  roundNow = r;
  const first = lo, last = hi - 1;
  memory.fill(newCounts + (<usize>first << 2), 0, <usize>(last - first + 1) << 2);
  memory.fill(oldCounts + (<usize>first << 2), 0, <usize>(last - first + 1) << 2);
  memory.fill(added + (<usize>first << 3), 0, <usize>(last - first + 1) << 3);
  // New candidates first (the fresh entries only), then old ones, each in the order of one scan of every list,
  // so each heap sees its keys in the same order as a single pass would give it. An item's old candidates serve
  // only its own join, which runs only when it has new ones: in the last rounds most items have none, and their
  // old entries cost neither a hash nor a heap step.
  for (let i: u32 = 0; i < count; i++) {
    const iHere = i >= first && i <= last;
    const p = listOf(i);
    let m = load<u64>(fresh + (<usize>i << 3));
    while (m != 0) {
      const s = <u32>ctz<u64>(m);
      m &= m - 1;
      const j = idAt(p, s);
      const jHere = j >= first && j <= last;
      if (!iHere && !jHere) continue;
      const h = pairHash(seedNow, r, i, j);
      if (iHere) addCandidate(newCands, newCounts, newTops, i, j, h, C);
      if (jHere) addCandidate(newCands, newCounts, newTops, j, i, h, C);
    }
  }
  for (let i: u32 = 0; i < count; i++) {
    const iJoins = i >= first && i <= last && load<u32>(newCounts + (<usize>i << 2)) != 0;
    const p = listOf(i);
    const m = load<u64>(fresh + (<usize>i << 3));
    for (let s: u32 = 0; s < K; s++) {
      const j = idAt(p, s);
      if (j == NO_NEIGHBOUR) break;
      if (((m >> <u64>s) & 1) != 0) continue;
      const jJoins = j >= first && j <= last && load<u32>(newCounts + (<usize>j << 2)) != 0;
      if (!iJoins && !jJoins) continue;
      const h = pairHash(seedNow, r, i, j);
      if (iJoins) addCandidate(oldCands, oldCounts, oldTops, i, j, h, C);
      if (jJoins) addCandidate(oldCands, oldCounts, oldTops, j, i, h, C);
    }
  }
}

// mark: entries sampled as i's new candidates are joined this round: they are old from here on.
function mark(lo: u32, hi: u32): void {
  for (let x: u32 = lo; x < hi; x++) {
    const i = x;
    const p = listOf(i);
    const fm = fresh + (<usize>i << 3);
    let m = load<u64>(fm);
    if (m == 0) continue;
    const n = load<u32>(newCounts + (<usize>i << 2));
    for (let s: u32 = 0; s < K; s++) {
      if (((m >> <u64>s) & 1) == 0) continue;
      const j = idAt(p, s);
      for (let t: u32 = 0; t < n; t++) {
        if (candAt(newCands, i, t) == j) { m &= ~(<u64>1 << <u64>s); break; }
      }
    }
    store<u64>(fm, m);
  }
}

@inline function generatedAt(t: u32): usize { return buckets + ((<usize>threads * (2 * <usize>threads + 1) + <usize>t) << 2); }
// Where thread t's last generate stopped: the first centre it did not join.
export function graphGenerated(t: u32): u32 { return load<u32>(generatedAt(t)); }

@inline function bufferOf(t: u32): usize { return updates + <usize>(<u64>t * bufferBytes(<u64>bufferCap)); }

// An update for `dest` when it beats the list's worst key as the chunk began (apply checks again).
@inline function offer(buffer: usize, n: u32, dest: u32, key: u64): u32 {
  if (key >= load<u64>(worst + (<usize>dest << 3))) return n;
  const at = buffer + 16 + <usize>n * UPDATE_BYTES;
  store<u64>(at, key);
  store<u32>(at, dest, 8);
  return n + 1;
}

// generate: the local joins of the centres [lo, hi), or of as many of them from lo on as buffer t surely holds,
// into buffer t; graphGenerated(t) then says where it stopped. Reads the lists only (each list's worst key, to
// drop the updates that cannot enter it).
// How the centres are cut into generate calls changes nothing: a list keeps the best keys it is offered whatever
// their order, and an update dropped because it is not below the list's worst key then could never have entered
// later (the worst key only falls). So one thread joins GRAPH_CHUNK centres at a time (their lists and codes stay
// in the cache), and threads join until their buffers are full (graph.ts: fewer waits for each other).
function generate(lo: u32, hi: u32, t: u32): void {
  const buffer = bufferOf(t);
  let n: u32 = 0;
  let touched: u32 = 0;
  let x: u32 = lo;
  for (; x < hi; x++) {
    const i = x;
    const nNew = load<u32>(newCounts + (<usize>i << 2));
    if (nNew == 0) continue;
    const nOld = load<u32>(oldCounts + (<usize>i << 2));
    // the most updates this centre can make: each of its new-new and new-old pairs may enter both lists
    if (x > lo && <u64>n + 2 * (<u64>nNew * <u64>(nNew - 1) / 2 + <u64>nNew * <u64>nOld) > <u64>bufferCap) break;
    const news = newCands + ((<usize>i * <usize>candStride) << 2), olds = oldCands + ((<usize>i * <usize>candStride) << 2);
    for (let a: u32 = 0; a < nNew; a++) touched ^= load<u32>(codeAt(load<u32>(news + (<usize>a << 2))));
    for (let a: u32 = 0; a < nOld; a++) touched ^= load<u32>(codeAt(load<u32>(olds + (<usize>a << 2))));
    for (let a: u32 = 0; a < nNew; a++) {
      const p = load<u32>(news + (<usize>a << 2));
      n = joinRow(buffer, n, p, news + (<usize>(a + 1) << 2), nNew - 1 - a);
      n = joinRow(buffer, n, p, olds, nOld);
    }
  }
  store<u32>(generatedAt(t), x);
  store<u32>(buffer, n);
  graphOffers += <u64>n;
  partition(t);
  sink = touched;
}

// The updates of the pairs of rank p with each of the m ranks at qs (but p itself), into the buffer from its n-th
// update on; returns its updates. Four at a time: p's record is read once for the four (codeKernel4).
@inline function joinRow(buffer: usize, n: u32, p: u32, qs: usize, m: u32): u32 {
  const cp = codeAt(p);
  graphPairs += <u64>m;
  let b: u32 = 0;
  for (; b + 4 <= m; b += 4) {
    const at = qs + (<usize>b << 2);
    const q0 = load<u32>(at), q1 = load<u32>(at, 4), q2 = load<u32>(at, 8), q3 = load<u32>(at, 12);
    const x = codeKernel4(codeKind, cp, codeAt(q0), codeAt(q1), codeAt(q2), codeAt(q3), record);
    if (q0 != p) n = offerPair(buffer, n, p, q0, codeDistanceOf(<f32>i32x4.extract_lane(x, 0), p, q0));
    if (q1 != p) n = offerPair(buffer, n, p, q1, codeDistanceOf(<f32>i32x4.extract_lane(x, 1), p, q1));
    if (q2 != p) n = offerPair(buffer, n, p, q2, codeDistanceOf(<f32>i32x4.extract_lane(x, 2), p, q2));
    if (q3 != p) n = offerPair(buffer, n, p, q3, codeDistanceOf(<f32>i32x4.extract_lane(x, 3), p, q3));
  }
  for (; b < m; b++) {
    const q = load<u32>(qs + (<usize>b << 2));
    if (q != p) n = offerPair(buffer, n, p, q, codeDistance(p, q));
  }
  return n;
}
@inline function offerPair(buffer: usize, n: u32, p: u32, q: u32, d: f32): u32 {
  const bits = <u64>orderedBits(d) << 32;
  n = offer(buffer, n, p, bits | <u64>q);
  return offer(buffer, n, q, bits | <u64>p);
}

// apply: every buffer's updates for the destinations of [lo, hi) (buffers of threads that generated nothing this
// chunk hold 0 updates). When the threads split all ranks between them (graph.ts: thread t gets the t-th of
// `threads` equal parts), thread t applies instead the updates of its bucket (bucketOf) of every buffer
// (partition): the threads still share every destination out between them, and none scans the others' updates.
function apply(lo: u32, hi: u32, t: u32): void {
  if (lo >= hi) return;
  if (threads > 1 && t < threads && lo == bucketStart(t) && hi == bucketStart(t + 1)) {
    for (let u: u32 = 0; u < threads; u++) {
      const buffer = bufferOf(u);
      const starts = buckets + ((<usize>u * <usize>(threads + 1)) << 2);
      applyRun(buffer, load<u32>(starts + (<usize>t << 2)), load<u32>(starts + (<usize>(t + 1) << 2)), 0, 0xFFFFFFFF);
    }
    return;
  }
  for (let u: u32 = 0; u < threads; u++) {
    const buffer = bufferOf(u);
    applyRun(buffer, 0, load<u32>(buffer), lo, hi - 1);
  }
}

@inline function applyRun(buffer: usize, from: u32, to: u32, first: u32, last: u32): void {
  for (let u: u32 = from; u < to; u++) {
    const at = buffer + 16 + <usize>u * UPDATE_BYTES;
    const dest = load<u32>(at, 8);
    if (dest < first || dest > last) continue;
    const key = load<u64>(at);
    if (key < load<u64>(worst + (<usize>dest << 3))) insertKey(dest, key);
  }
}

// Thread b's part of the ranks [0, count) starts here (graph.ts splits every step's range the same way).
@inline function bucketStart(b: u32): u32 { return <u32>((<u64>count * <u64>b) / <u64>threads); }
// The thread that applies the updates for rank `dest`: blocks of BUCKET_BLOCK ranks dealt out in turn. Not
// contiguous parts: a chunk's centres are neighbours in the locality order, so nearly all of a chunk's updates go
// to a few nearby ranks, and contiguous parts would give one thread almost all of each chunk's work.
const BUCKET_BLOCK: u32 = 32;
@inline function bucketOf(dest: u32): u32 { return (dest / BUCKET_BLOCK) % threads; }

// Sorts buffer t's updates by the thread whose destinations they are (in place, American flag sort), so that each
// thread's apply reads its own bucket of every buffer instead of scanning them all. The order within a bucket
// changes; a list keeps the best keys whatever the order, so the result does not.
function partition(t: u32): void {
  const buffer = bufferOf(t);
  const n = load<u32>(buffer);
  const starts = buckets + ((<usize>t * <usize>(threads + 1)) << 2);
  if (threads == 1) { store<u32>(starts, 0); store<u32>(starts, n, 4); return; }
  // counts, then starts; `next`: each bucket's fill point
  const next = buckets + ((<usize>threads * <usize>(threads + 1) + <usize>t * <usize>threads) << 2);
  for (let b: u32 = 0; b <= threads; b++) store<u32>(starts + (<usize>b << 2), 0);
  for (let u: u32 = 0; u < n; u++) {
    const b = bucketOf(load<u32>(buffer + 16 + <usize>u * UPDATE_BYTES, 8));
    const c = starts + (<usize>(b + 1) << 2);
    store<u32>(c, load<u32>(c) + 1);
  }
  for (let b: u32 = 0; b < threads; b++) {
    const c = starts + (<usize>(b + 1) << 2);
    store<u32>(c, load<u32>(c) + load<u32>(starts + (<usize>b << 2)));
    store<u32>(next + (<usize>b << 2), load<u32>(starts + (<usize>b << 2)));
  }
  for (let b: u32 = 0; b < threads; b++) {
    const end = load<u32>(starts + (<usize>(b + 1) << 2));
    let x = load<u32>(next + (<usize>b << 2));
    while (x < end) {
      const at = buffer + 16 + <usize>x * UPDATE_BYTES;
      const d = bucketOf(load<u32>(at, 8));
      if (d == b) { x++; continue; }
      const np = next + (<usize>d << 2);
      const y = load<u32>(np);
      store<u32>(np, y + 1);
      const other = buffer + 16 + <usize>y * UPDATE_BYTES;
      const k = load<u64>(at), dd = load<u32>(at, 8);
      store<u64>(at, load<u64>(other)); store<u32>(at, load<u32>(other, 8), 8);
      store<u64>(other, k); store<u32>(other, dd, 8);
    }
    store<u32>(next + (<usize>b << 2), x);
  }
}

// The list entries that came in during the round and are still there: the same for any order of the updates.
function addedEntries(): u32 {
  let n: u64 = 0;
  for (let x: u32 = 0; x < count; x++) n += popcnt<u64>(load<u64>(added + (<usize>x << 3)));
  return <u32>n;
}

export const STEP_SAMPLE: u32 = 0, STEP_MARK: u32 = 1, STEP_GENERATE: u32 = 2, STEP_APPLY: u32 = 3, STEP_FORWARD: u32 = 4, STEP_UNION: u32 = 5, STEP_SEED: u32 = 6;

// One step over the item range [lo, hi) by thread `t` (round r for sample). Any split of a step's range gives the
// same result.
export function graphStep(step: u32, r: u32, lo: u32, hi: u32, t: u32): void {
  if (step == STEP_SAMPLE) sample(r, lo, hi);
  else if (step == STEP_MARK) mark(lo, hi);
  else if (step == STEP_GENERATE) generate(lo, hi, t);
  else if (step == STEP_APPLY) apply(lo, hi, t);
  else if (step == STEP_FORWARD) forward(lo, hi);
  else if (step == STEP_UNION) unite(lo, hi, t);
  else if (step == STEP_SEED) seedLeaves(lo, hi, t);
}

// Keeps from the `n` (distance, id) keys of item i at `from` (ascending) those no kept neighbour is closer to than
// the item is (by pruneDistance), at most `cap`, into `to`; returns how many.
// known: bit s set when key s is one of the item's diversified forward edges (union only; s < 64): two of those
// were compared by forward already and neither drops the other, so the test is skipped (the same rows, fewer
// distances: most of a union is forward edges).
// Whether kept neighbour c drops j in pruning's code comparison, from their records' kernel value x.
@inline function drops(x: f32, c: u32, j: u32, bound: f32): bool { return pruneDistance(codeDistanceOf(x, c, j), c, j, true) < bound; }
function diversify(i: u32, from: usize, n: u32, to: usize, cap: u32, known: u64): u32 {
  let kept: u32 = 0;
  let keptKnown: u64 = 0; // bit t set when kept entry t is a known one
  for (let s: u32 = 0; s < n && kept < cap; s++) {
    const key = load<u64>(from + (<usize>s << 3));
    const j = <u32>key;
    const dij = pruneDistance(floatOfOrderedBits(<u32>(key >> 32)), i, j, false);
    let good = true;
    const isKnown = s < 64 && ((known >> <u64>s) & 1) != 0;
    if (PRUNE_BY_CODES) {
      const bound = dij / (alpha * codeToExact); // alpha * d(c, j) < d(i, j), d(c, j) in code units
      // j against the kept entries four at a time (codeKernel4 reads j's record once for the four): the answer is
      // whether any of them drops j, whatever the order they are compared in
      const cj = codeAt(j);
      let c0: u32 = 0, c1: u32 = 0, c2: u32 = 0, m: u32 = 0;
      for (let t: u32 = 0; t < kept; t++) {
        if (isKnown && t < 64 && ((keptKnown >> <u64>t) & 1) != 0) continue;
        const c = <u32>load<u64>(to + (<usize>t << 3));
        if (c == j) { good = false; break; }
        if (m < 3) {
          if (m == 0) c0 = c; else if (m == 1) c1 = c; else c2 = c;
          m++;
          continue;
        }
        const x = codeKernel4(codeKind, cj, codeAt(c0), codeAt(c1), codeAt(c2), codeAt(c), record);
        m = 0;
        if (drops(<f32>i32x4.extract_lane(x, 0), c0, j, bound) || drops(<f32>i32x4.extract_lane(x, 1), c1, j, bound)
          || drops(<f32>i32x4.extract_lane(x, 2), c2, j, bound) || drops(<f32>i32x4.extract_lane(x, 3), c, j, bound)) { good = false; break; }
      }
      if (good && m > 0) good = !drops(codeKernelOf(c0, j), c0, j, bound) && !(m > 1 && drops(codeKernelOf(c1, j), c1, j, bound))
        && !(m > 2 && drops(codeKernelOf(c2, j), c2, j, bound));
    } else {
      const vj = vec(j);
      for (let t: u32 = 0; t < kept; t++) {
        const c = <u32>load<u64>(to + (<usize>t << 3));
        if (c == j) { good = false; break; }
        if (alpha * pruneDistance(pairDistance(c, j, vec(c), vj), c, j, false) < dij) { good = false; break; }
      }
    }
    if (good) {
      if (isKnown && kept < 64) keptKnown |= <u64>1 << <u64>kept;
      store<u64>(to + (<usize>(kept++) << 3), key);
    }
  }
  return kept;
}

// Inserts key into a sorted list of at most cap keys at p holding n; returns the new n.
function insertSorted(p: usize, n: u32, cap: u32, key: u64): u32 {
  if (n == cap && key >= load<u64>(p + (<usize>(cap - 1) << 3))) return n;
  let s = n == cap ? cap - 1 : n;
  while (s > 0 && load<u64>(p + (<usize>(s - 1) << 3)) > key) {
    store<u64>(p + (<usize>s << 3), load<u64>(p + (<usize>(s - 1) << 3)));
    s--;
  }
  store<u64>(p + (<usize>s << 3), key);
  return n == cap ? n : n + 1;
}

// Builds the graph of `degree` neighbours per item into `graph` (size * degree u32) on this thread, step after
// step over all items: exactly what threads sharing the work compute (graphStep). k: list length of the
// descent; c: candidates sampled per item and round; seedTrees: trees whose leaves seed the lists; rounds: most
// NN-descent rounds; merge: 0 diversifies forward and reverse edges together (the library), 1 (lab only) fills
// the diversified forward edges up with reverse ones; relax: the diversification's alpha.
export function buildGraphWith(file: usize, graph: usize, degree: u32, k: u32, c: u32, seedTrees: u32, rounds: u32, seedValue: u32, merge: u32, relax: f32, scratch: usize): void {
  graphBeginWith(file, graph, degree, k, c, seedTrees, rounds, seedValue, merge, relax, scratch, 1);
  const nodes = graphSeedNodes();
  for (let x: u32 = 0; x < nodes; x += seedChunk) {
    graphStep(STEP_SEED, 0, x, min<u32>(nodes, x + seedChunk), 0);
    graphStep(STEP_APPLY, 0, 0, count, 0);
  }
  graphTopUp();
  for (let r: u32 = 0; ; r++) {
    graphStep(STEP_SAMPLE, r, 0, count, 0);
    graphStep(STEP_MARK, r, 0, count, 0);
    for (let x: u32 = 0; x < count; x = graphGenerated(0)) {
      graphStep(STEP_GENERATE, r, x, min<u32>(count, x + GRAPH_CHUNK), 0);
      graphStep(STEP_APPLY, r, 0, count, 0);
    }
    if (graphEndRound(r) == 0) break;
  }
  graphStep(STEP_FORWARD, 0, 0, count, 0);
  graphReverse();
  graphStep(STEP_UNION, 0, 0, count, 0);
  graphInDegree();
}

// Sets up a build (the state at `scratch`, for graphAttach); returns the items taking part. The seeding comes next.
export function graphBeginWith(file: usize, graph: usize, degree: u32, k: u32, c: u32, seedTrees: u32, rounds: u32, seedValue: u32, merge: u32, relax: f32, scratch: usize, threadCount: u32): u32 {
  begin(file, k, c, degree, scratch, threadCount);
  alpha = relax;
  graphOut = graph;
  degreeNow = degree;
  roundsMost = rounds;
  seedNow = seedValue;
  mergeNow = merge;
  graphRounds = 0;
  graphUpdates = 0;
  fileNow = file;
  seedEnd = seedEndOf(file, seedTrees);
  seedChunk = <u32>max<u64>(1, <u64>bufferCap / updatesPerLeaf(file));
  nearestHoles(file);
  saveState();
  return count;
}

// Ends round r: true (1) when another round is due (this round changed enough entries, and rounds remain).
export function graphEndRound(r: u32): u32 {
  const changed = addedEntries();
  graphRounds = r + 1;
  graphUpdates = changed;
  return r + 1 < roundsMost && <f64>changed >= DELTA * <f64>K * <f64>count ? 1 : 0;
}

export function graphChunk(): u32 { return GRAPH_CHUNK; }

function saveState(): void {
  store<u32>(state, metric); store<u32>(state, <u32>stride, 4); store<u32>(state, size, 8); store<u32>(state, count, 12);
  store<u32>(state, <u32>lists, 16); store<u32>(state, <u32>fresh, 20); store<u32>(state, <u32>newCands, 24); store<u32>(state, <u32>oldCands, 28);
  store<u32>(state, <u32>newCounts, 32); store<u32>(state, <u32>oldCounts, 36); store<u32>(state, <u32>norms, 40); store<f32>(state, squaredRadius, 44);
  store<u32>(state, <u32>worst, 48); store<u32>(state, <u32>ids, 52); store<u32>(state, <u32>unionArea, 56); store<u32>(state, K, 60);
  store<u32>(state, C, 64); store<f32>(state, alpha, 68); store<u32>(state, candStride, 72); store<u32>(state, <u32>vectors, 76);
  store<u32>(state, <u32>added, 80); store<u32>(state, threads, 84); store<u32>(state, bufferCap, 88); store<u32>(state, <u32>updates, 92);
  store<u32>(state, <u32>graphOut, 96); store<u32>(state, degreeNow, 100); store<u32>(state, roundsMost, 104); store<u32>(state, seedNow, 108);
  store<u32>(state, mergeNow, 112); store<u32>(state, <u32>fileNow, 116); store<i32>(state, seedEnd, 120); store<u32>(state, seedChunk, 124);
  store<u32>(state, <u32>rankOf, 128); store<u32>(state, <u32>buckets, 132);
  store<u32>(state, <u32>codes, 136); store<u32>(state, <u32>record, 140); store<u32>(state, codeKind, 144); store<u32>(state, <u32>codeNorms, 148);
  store<f32>(state, codeRadius, 152); store<u32>(state, <u32>newTops, 156); store<u32>(state, <u32>oldTops, 160); store<f32>(state, codeToExact, 164);
}

// Points this instance's globals at the build state at `at` (another thread's graphBeginWith wrote it).
export function graphAttach(at: usize): void {
  state = at;
  metric = load<u32>(at); stride = <usize>load<u32>(at, 4); size = load<u32>(at, 8); count = load<u32>(at, 12);
  lists = <usize>load<u32>(at, 16); fresh = <usize>load<u32>(at, 20); newCands = <usize>load<u32>(at, 24); oldCands = <usize>load<u32>(at, 28);
  newCounts = <usize>load<u32>(at, 32); oldCounts = <usize>load<u32>(at, 36); norms = <usize>load<u32>(at, 40); squaredRadius = load<f32>(at, 44);
  worst = <usize>load<u32>(at, 48); ids = <usize>load<u32>(at, 52); unionArea = <usize>load<u32>(at, 56); K = load<u32>(at, 60);
  C = load<u32>(at, 64); alpha = load<f32>(at, 68); candStride = load<u32>(at, 72); vectors = <usize>load<u32>(at, 76);
  added = <usize>load<u32>(at, 80); threads = load<u32>(at, 84); bufferCap = load<u32>(at, 88); updates = <usize>load<u32>(at, 92);
  graphOut = <usize>load<u32>(at, 96); degreeNow = load<u32>(at, 100); roundsMost = load<u32>(at, 104); seedNow = load<u32>(at, 108);
  mergeNow = load<u32>(at, 112); fileNow = <usize>load<u32>(at, 116); seedEnd = load<i32>(at, 120); seedChunk = load<u32>(at, 124);
  rankOf = <usize>load<u32>(at, 128); buckets = <usize>load<u32>(at, 132);
  codes = <usize>load<u32>(at, 136); record = <usize>load<u32>(at, 140); codeKind = load<u32>(at, 144); codeNorms = <usize>load<u32>(at, 148);
  codeRadius = load<f32>(at, 152); newTops = <usize>load<u32>(at, 156); oldTops = <usize>load<u32>(at, 160); codeToExact = load<f32>(at, 164);
}

@inline function listed(row: usize, n: u32, j: u32): bool {
  for (let u: u32 = 0; u < n; u++) if (load<u32>(row + (<usize>u << 2)) == j) return true;
  return false;
}

// Merges the sorted key runs at a (na keys) and b (nb keys) into `to`, each id once; returns how many.
// unionFromA: bit s set when merged key s (s < 64) came from run a.
let unionFromA: u64 = 0;
function unionSorted(a: usize, na: u32, b: usize, nb: u32, to: usize): u32 {
  let n: u32 = 0, x: u32 = 0, y: u32 = 0;
  unionFromA = 0;
  while (x < na || y < nb) {
    const ka = x < na ? load<u64>(a + (<usize>x << 3)) : EMPTY;
    const kb = y < nb ? load<u64>(b + (<usize>y << 3)) : EMPTY;
    const key = ka <= kb ? ka : kb;
    const fromA = ka <= kb;
    if (fromA) x++; else y++;
    // a pair has one key in both runs (symmetric distances), so a repeated id sits right after itself
    if (n > 0 && load<u64>(to + (<usize>(n - 1) << 3)) == key) {
      if (fromA && n - 1 < 64) unionFromA |= <u64>1 << <u64>(n - 1);
      continue;
    }
    if (fromA && n < 64) unionFromA |= <u64>1 << <u64>n;
    store<u64>(to + (<usize>(n++) << 3), key);
  }
  return n;
}

// The final rows. Each item's list is diversified (forward edges); every forward edge i -> j offers i to j as a
// reverse edge (the nearest `degree` offers kept); then each item's forward and reverse edges together, nearest
// first, are diversified again under the degree cap. The union matters: an item's true nearest neighbour that
// NN-descent missed is often one of its reverse edges, and as the nearest candidate of the union it is always kept
// (filling the row with forward edges first and reverse ones after would drop it once the forward edges fill the
// row, which relaxed diversification makes common). merge 1 (lab only): forward edges first, then reverse ones in
// the room left.

// The list of rank i (n keys at p) keyed again by the exact distances (the stored vectors, or the projection's),
// ascending: NN-descent ranked by the codes, and the pruning's rule compares distances, so it needs the exact ones.
function rekey(i: u32, p: usize, n: u32): void {
  const vi = vec(i);
  for (let s: u32 = 0; s < n; s++) {
    const j = idAt(p, s);
    const key = keyOf(pairDistance(i, j, vi, vec(j)), j);
    let t = s;
    while (t > 0 && load<u64>(p + (<usize>(t - 1) << 3)) > key) {
      store<u64>(p + (<usize>t << 3), load<u64>(p + (<usize>(t - 1) << 3)));
      t--;
    }
    store<u64>(p + (<usize>t << 3), key);
  }
}

// forward: the diversified lists of [lo, hi).
function forward(lo: u32, hi: u32): void {
  for (let x: u32 = lo; x < hi; x++) {
    const i = x;
    const p = listOf(i);
    let n: u32 = 0;
    while (n < K && idAt(p, n) != NO_NEIGHBOUR) n++;
    rekey(i, p, n);
    writeNearest(i, p, n);
    // in place: the s-th key is read before the kept ones (at most s) are written
    store<u32>(newCounts + (<usize>i << 2), diversify(i, p, n, p, degreeNow, 0));
  }
}

// The nearest section's row of rank i (layout.ts SECTION_NEAREST): the first S of its exactly keyed list (n keys at
// p), as ids. A row is whole words, so threads writing their own ranges never share a word.
function writeNearest(i: u32, p: usize, n: u32): void {
  const s = nearestCount(fileNow);
  if (s == 0) return;
  const bits = nearestBitsFor(size);
  packStart(sectionAt(fileNow, SECTION_NEAREST) + ((<usize>idOf(i) * <usize>nearestRowWordsFor(s, size)) << 2));
  for (let t: u32 = 0; t < s; t++) packPut(t < n ? idOf(idAt(p, t)) : (<u32>1 << bits) - 1, bits);
  packEnd();
}
// The rows of the holes: none listed (one thread, before the steps).
function nearestHoles(file: usize): void {
  const s = nearestCount(file);
  if (s == 0) return;
  const bits = nearestBitsFor(size), words = <usize>nearestRowWordsFor(s, size);
  for (let id: u32 = 0; id < size; id++) {
    if (isPresent(file, id)) continue;
    packStart(sectionAt(file, SECTION_NEAREST) + ((<usize>id * words) << 2));
    for (let t: u32 = 0; t < s; t++) packPut((<u32>1 << bits) - 1, bits);
    packEnd();
  }
}

// The reverse edges (a scatter: one thread). Also empties every row (holes keep no neighbours).
export function graphReverse(): void {
  const degree = degreeNow;
  memory.fill(graphOut, 0xFF, (<usize>size * <usize>degree) << 2);
  memory.fill(oldCounts, 0, <usize>count << 2);
  for (let x: u32 = 0; x < count; x++) {
    const i = x;
    const fw = listOf(i);
    const n = load<u32>(newCounts + (<usize>i << 2));
    for (let t: u32 = 0; t < n; t++) {
      const key = load<u64>(fw + (<usize>t << 3));
      const j = <u32>key;
      const rp = reverseOf(j);
      const cp = oldCounts + (<usize>j << 2);
      const m = load<u32>(cp);
      const rkey = (key & 0xFFFFFFFF00000000) | <u64>i;
      if (m < degree) {
        // appended unsorted until the run is full (most never are), then sorted once and kept sorted
        store<u64>(rp + (<usize>m << 3), rkey);
        store<u32>(cp, m + 1);
        if (m + 1 == degree) sortKeys(rp, degree);
      } else insertSorted(rp, m, degree, rkey);
    }
  }
  // the runs that never filled, sorted in one pass over the items (each run's lines at hand, not scattered)
  for (let j: u32 = 0; j < count; j++) {
    const m = load<u32>(oldCounts + (<usize>j << 2));
    if (m < degree) sortKeys(reverseOf(j), m);
  }
}

// Sorts the n distinct keys at p ascending (insertion sort: n is at most the degree).
function sortKeys(p: usize, n: u32): void {
  for (let s: u32 = 1; s < n; s++) {
    const key = load<u64>(p + (<usize>s << 3));
    let t = s;
    while (t > 0 && load<u64>(p + (<usize>(t - 1) << 3)) > key) {
      store<u64>(p + (<usize>t << 3), load<u64>(p + (<usize>(t - 1) << 3)));
      t--;
    }
    store<u64>(p + (<usize>t << 3), key);
  }
}

// union: the rows of [lo, hi), in thread t's union area.
function unite(lo: u32, hi: u32, thread: u32): void {
  const degree = degreeNow;
  const union = unionArea + <usize>thread * <usize>align16(<u64>degree * 32);
  const kept = union + (<usize>(2 * degree) << 3);
  for (let x: u32 = lo; x < hi; x++) {
    const i = x;
    const fw = listOf(i);
    const rv = reverseOf(i);
    const nf = load<u32>(newCounts + (<usize>i << 2));
    const nr = load<u32>(oldCounts + (<usize>i << 2));
    const row = graphOut + ((<usize>idOf(i) * <usize>degree) << 2);
    let out: u32 = 0;
    if (mergeNow == 1) {
      for (let t: u32 = 0; t < nf; t++) store<u32>(row + (<usize>(out++) << 2), idOf(<u32>load<u64>(fw + (<usize>t << 3))));
      for (let t: u32 = 0; t < nr && out < degree; t++) {
        const j = idOf(<u32>load<u64>(rv + (<usize>t << 3)));
        if (!listed(row, out, j)) store<u32>(row + (<usize>(out++) << 2), j);
      }
      continue;
    }
    const n = unionSorted(fw, nf, rv, nr, union);
    const m = diversify(i, union, n, kept, degree, unionFromA);
    for (let t: u32 = 0; t < m; t++) store<u32>(row + (<usize>t << 2), idOf(<u32>load<u64>(kept + (<usize>t << 3))));
  }
}

// Every item gets a way in: one no row lists is added to its nearest neighbour's row (in the last slot when the
// row is full). Without this, an item whose nearest neighbour pruned it could be found by no walk. One thread.
export function graphInDegree(): void {
  const degree = degreeNow;
  const graph = graphOut;
  const indegree = newCounts; // by rank
  memory.fill(indegree, 0, <usize>count << 2);
  for (let x: u32 = 0; x < count; x++) {
    const row = graph + ((<usize>idOf(x) * <usize>degree) << 2);
    for (let t: u32 = 0; t < degree; t++) {
      const j = load<u32>(row + (<usize>t << 2));
      if (j == NO_NEIGHBOUR) break;
      const c = indegree + (<usize>load<u32>(rankOf + (<usize>j << 2)) << 2);
      store<u32>(c, load<u32>(c) + 1);
    }
  }
  for (let i: u32 = 0; i < count; i++) {
    if (load<u32>(indegree + (<usize>i << 2)) != 0) continue;
    const near = idAt(listOf(i), 0);
    if (near == NO_NEIGHBOUR) continue;
    const row = graph + ((<usize>idOf(near) * <usize>degree) << 2);
    let t: u32 = 0;
    while (t < degree && load<u32>(row + (<usize>t << 2)) != NO_NEIGHBOUR) t++;
    if (t == degree) {
      t = degree - 1;
      const dropped = load<u32>(row + (<usize>t << 2));
      const c = indegree + (<usize>load<u32>(rankOf + (<usize>dropped << 2)) << 2);
      store<u32>(c, load<u32>(c) - 1);
    }
    store<u32>(row + (<usize>t << 2), idOf(i));
    store<u32>(indegree + (<usize>i << 2), 1);
  }
}

// The settings the library builds with (measured on glove-100 and fashion-mnist: bench/lab/graph-lab.mjs).
export const GRAPH_LIST: u32 = 32;       // K: neighbours NN-descent keeps per item
// C: candidates sampled per item and round. On 100k GloVe rows (alpha 1.44, K 32) 32 instead of 16 raised recall@10
// at ef 40 / 80 / 160 / 320 from 0.805 / 0.879 / 0.932 / 0.973 to 0.817 / 0.892 / 0.948 / 0.980 for 13% more build
// CPU time (NN-descent converged in 6 rounds instead of 8).
export const GRAPH_CANDIDATES: u32 = 32;
export const GRAPH_SEED_TREES: u32 = 8;
export const GRAPH_ROUNDS: u32 = 12;
// Relaxed diversification (DiskANN's alpha; applied to the internal distances, squared for angular and euclidean,
// so 1.44 is DiskANN's 1.2): a neighbour is dropped only when a kept one is clearly closer to it. On 100k GloVe rows
// (bench/lab/graph-lab.mjs n=100000) recall@10 at ef 20 / 40 / 80 / 160 was 0.616 / 0.739 / 0.838 / 0.912 with 1
// (mean degree 12.6), 0.708 / 0.805 / 0.879 / 0.932 with 1.44 (27.9), 0.685 / 0.783 / 0.867 / 0.925 with 2 (31.0).
export const GRAPH_ALPHA: f32 = 1.44;
export const GRAPH_MERGE: u32 = 0;

@inline function listLength(degree: u32): u32 { return min<u32>(64, max<u32>(GRAPH_LIST, degree)); }

export function buildScratchBytesForGraph(file: usize, threadCount: u32): usize {
  const degree = graphDegree(file);
  return graphScratchBytes(file, listLength(degree), GRAPH_CANDIDATES, degree, threadCount);
}

// Builds the graph section of `file` (its header gives the degree) with the library's settings, on this thread.
export function buildGraph(file: usize, scratch: usize): void {
  const degree = graphDegree(file);
  buildGraphWith(file, graphOf(file), degree, listLength(degree), GRAPH_CANDIDATES, GRAPH_SEED_TREES, GRAPH_ROUNDS,
    load<u32>(file + H_SEED), GRAPH_MERGE, GRAPH_ALPHA, scratch);
}

// Starts the same build for `threadCount` threads that run its steps (graphStep) between them; returns the items.
export function graphBegin(file: usize, scratch: usize, threadCount: u32): u32 {
  const degree = graphDegree(file);
  return graphBeginWith(file, graphOf(file), degree, listLength(degree), GRAPH_CANDIDATES, GRAPH_SEED_TREES, GRAPH_ROUNDS,
    load<u32>(file + H_SEED), GRAPH_MERGE, GRAPH_ALPHA, scratch, threadCount);
}
