// Every item's nearest other items at once (Index.searchAll on a graph index), from neighbourhood joins over the
// stored graph rather than one walk per item: the rows of items that list one another are close, so the pairs
// among an item and its graph neighbours are good candidates for both ends of the pair.
//   round 0     the graph join: for each item p, every pair (a, b) of {p} and p's graph neighbours updates the
//               best lists of a and of b;
//   rounds 1..  NN-descent on those lists ("a neighbour of my neighbour is likely my neighbour"): each item's
//               sampled new and old list entries, forward and reverse, are joined pairwise, new with new and new
//               with old, until a round leaves few new entries.
// Each list keeps the `width` best (rank, position) keys (width is searchAll's ef): a strict total order, so a list
// holds the best `width` of every key ever offered to it, whatever the order they came in.
//
// Where the time goes is memory, not arithmetic: a join touches a few dozen random items per centre, and a
// float32 vector is 6-7 cache lines (glove: 400 bytes; 100k of them do not fit the L3 cache). So the joins run on a
// compact copy made at the start, one record per taking-part item, in the first tree's leaf order (the items'
// positions): int8 codes (angular: each vector scaled to +-127 on its own and ranked by the cosine of the codes;
// euclidean, manhattan and dot: one scale for all, ranked by the integer distance of the codes), hamming's bits as
// they are. A record is 1/4 of a float32 vector, the copy fits the cache, and neighbours in the leaf order sit near
// each other. Every state array is indexed by position, so removed items and holes are simply absent. Any storage
// kind decodes into the same codes. The joins' ranks are approximate: each row is re-ranked at the end from the
// stored vectors with the metric's own distance over the whole list (width entries, best k kept), so a row's
// distances are exactly index.distance and its order is (distance, id).
//
// Parallel and deterministic: the items are processed in chunks of a fixed size (a property of the parameters,
// never of the thread count). Within a chunk, `generate` computes the pairs of a range of centres against the lists
// as they were when the chunk began (read only) into that thread's update buffer; then `apply` offers every
// buffer's updates to the lists of a range of destination positions. A list's content depends only on the set of
// keys offered to it, so one thread or many, in any split, give the same lists, and so the same rows. The sampling
// before each descent round (`prepare`, `settle`) and the rows split the same way, by destination.
import {
  H_SIZE, H_TREES, H_ROOTS_OFFSET, H_STRIDE, H_METRIC, H_DIMENSIONS, SPLIT_TAG, NODE_LEAF_IDS, NODE_CHILD0,
  NODE_CHILD1, NO_NEIGHBOUR, MAX_GRAPH_DEGREE, METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_MANHATTAN, METRIC_DOT, METRIC_HAMMING,
  SLOT_ITEMS, LEAF_REF,
  hdr32, hdr64, nodeAt, graphOf, graphDegree, isPresent, decodedBytes, align16, slotOffset, vectorOf, itemStride,
} from './layout';
import { leafAt, leafBits, countBits, idBits } from './compact';
import { touch } from './search';
import { orderedBits } from './heap';
import { CODES_COSINE, CODES_DOT, CODES_BITS, codesKindOf, codeRecordBytes, codeKernel, encodeRecords } from './pair-codes';
import { itemF32 } from './storage';

const EMPTY: u64 = 0xFFFFFFFFFFFFFFFF;
const NONE: u32 = 0xFFFFFFFF;
// Sampled candidates per item and kind (new, old) in an NN-descent round.
const MAX_CANDIDATES: u32 = 24;
// Updates one chunk may produce, at most (the chunk's centres are fewer when each can make more pairs). Smaller
// chunks see the lists' worst keys sooner, so fewer updates pass (1 << 18 was 1.14x faster than 1 << 20).
const CHUNK_PAIRS: u64 = 1 << 18;
// An update: (a, b, rank bits), 12 bytes.
const UPDATE_BYTES: usize = 12;

// The state lives in the scratch area; its first 64 bytes say where everything is, so that every thread's instance
// can attach to the same state (a pool's workers) with only the scratch address.
const S_FILE: usize = 0, S_SIZE: usize = 4, S_COUNT: usize = 8, S_WIDTH: usize = 12, S_CANDS: usize = 16,
  S_CHUNK: usize = 20, S_BUFFERS: usize = 24, S_BUFFER_CAP: usize = 28, S_KIND: usize = 32, S_RECORD: usize = 36,
  S_ROW_K: usize = 40;
const STATE_BYTES: usize = 64;

let file: usize = 0;
let size: u32 = 0;
let count: u32 = 0; // items that get a row: present, not removed (positions 0..count-1)
let width: u32 = 0;
let cands: u32 = 0;
let chunk: u32 = 0;
let buffers: u32 = 0;
let bufferCap: u32 = 0;
let kind: u32 = 0;
let record: usize = 0;  // bytes per code record (a multiple of 16)
let rowK: u32 = 0;      // the rows area's k
let order: usize = 0;   // count u32: position -> id (the first tree's leaf order)
let positions: usize = 0; // size u32: id -> position, NONE for an item that takes no part
let codes: usize = 0;   // count * record bytes
let scales: usize = 0;  // count f32: CODES_COSINE's 1 / |codes|
// count * width u64 keys (rank bits << 32 | position << 1 | new), ascending, EMPTY past the last. The lowest bit
// says the entry came in since it was last joined (in the key, not an array of flags beside it: an insert touches
// one fewer cache line); a position is in a list once, so the bit never decides an order.
let lists: usize = 0;
let worst: usize = 0;   // count u64: each list's last key (a compact copy: every pair checks it)
let newCands: usize = 0; // count * cands u32 positions: each item's sample of new candidates
let oldCands: usize = 0;
let newCounts: usize = 0; // count * (u32 how many, u32 how many offered): the samples' counts
let oldCounts: usize = 0;
let updates: usize = 0; // buffers * (16 + bufferCap * 12): each buffer's count, then its updates
let rowsOut: usize = 0; // size * rowK u32 ids, size * rowK f32 distances, size u32 counts (items taking part only)
let decoded: usize = 0; // one decoded vector (begin's encoding)

@inline function a64(n: u64): u64 { return (n + 63) & ~(<u64>63); }

// Pairs one centre can make in a round, at most: the graph join's (degree + 1 choose 2), or a descent round's
// new-with-new and new-with-old over `cands` new and `cands` old candidates.
function pairsPerCentre(degree: u32, c: u32): u64 {
  const g = <u64>(degree + 1) * <u64>degree / 2;
  const d = <u64>c * <u64>(c - 1) / 2 + <u64>c * <u64>c;
  return max<u64>(g, d);
}
function chunkOf(degree: u32, c: u32): u32 {
  return <u32>max<u64>(1, CHUNK_PAIRS / pairsPerCentre(degree, c));
}
// Centres one thread's part of a chunk holds: a pool's parts are POOL_PART times larger (fewer round trips to the
// workers, each a barrier; x1, x4 and x16 measured within noise of each other on a loaded machine).
const POOL_PART: u32 = 4;
function partCentres(degree: u32, c: u32, threads: u32): u32 { return chunkOf(degree, c) * (threads > 1 ? POOL_PART : 1); }
function candidatesOf(w: u32): u32 {
  return min<u32>(MAX_CANDIDATES, max<u32>(2 * w, 8));
}
function recordOf(f: usize): usize {
  return codeRecordBytes(codesKindOf(hdr32(f, H_METRIC)), hdr32(f, H_DIMENSIONS), hdr32(f, H_STRIDE));
}
// A buffer: its count, room for a centre's graph neighbours (round 0), then its updates.
const NEAR_BYTES: usize = <usize>MAX_GRAPH_DEGREE << 2;
// The rows (ids, distances, counts) are written after the last round, so they reuse the candidates' room when
// they fit there (k < cands): no bytes of their own.
function rowsBytes(n: u64, k: u32): u64 { return a64(n * <u64>k * 8 + n * 4); }
function rowsApart(n: u64, c: u32, k: u32): u64 { return rowsBytes(n, k) <= 2 * a64(n * <u64>c * 4) ? 0 : rowsBytes(n, k); }
function bufferBytes(cap: u64): u64 { return a64(16 + <u64>NEAR_BYTES + cap * <u64>UPDATE_BYTES); }

// The scratch a run needs with `threads` update buffers (one per thread generating at once) and rows of k.
// (Sized for every item of the file; only the items taking part use theirs.)
export function searchAllScratchBytes(f: usize, w: u32, threads: u32, k: u32): u64 {
  const n = <u64>hdr32(f, H_SIZE);
  const c = candidatesOf(w);
  const cap = <u64>partCentres(graphDegree(f), c, threads) * pairsPerCentre(graphDegree(f), c);
  return <u64>STATE_BYTES + a64(n * 4) + a64(n * 4) + a64(n * <u64>recordOf(f)) + a64(n * 4)
    + a64(n * <u64>w * 8) + a64(n * 8) + 2 * a64(n * <u64>c * 4) + 2 * a64(n * 8)
    + <u64>threads * bufferBytes(cap) + rowsApart(n, c, k) + a64(decodedBytes(hdr32(f, H_DIMENSIONS)));
}

// Points this instance's globals at the state in `scratch` (written by begin).
export function searchAllAttach(scratch: usize): void {
  file = <usize>load<u32>(scratch + S_FILE);
  size = load<u32>(scratch + S_SIZE);
  count = load<u32>(scratch + S_COUNT);
  width = load<u32>(scratch + S_WIDTH);
  cands = load<u32>(scratch + S_CANDS);
  chunk = load<u32>(scratch + S_CHUNK);
  buffers = load<u32>(scratch + S_BUFFERS);
  bufferCap = load<u32>(scratch + S_BUFFER_CAP);
  kind = load<u32>(scratch + S_KIND);
  record = <usize>load<u32>(scratch + S_RECORD);
  rowK = load<u32>(scratch + S_ROW_K);
  const n = <u64>size;
  let at = scratch + STATE_BYTES;
  order = at; at += <usize>a64(n * 4);
  positions = at; at += <usize>a64(n * 4);
  codes = at; at += <usize>a64(n * <u64>record);
  scales = at; at += <usize>a64(n * 4);
  lists = at; at += <usize>a64(n * <u64>width * 8);
  worst = at; at += <usize>a64(n * 8);
  newCands = at; at += <usize>a64(n * <u64>cands * 4);
  oldCands = at; at += <usize>a64(n * <u64>cands * 4);
  newCounts = at; at += <usize>a64(n * 8);
  oldCounts = at; at += <usize>a64(n * 8);
  updates = at; at += <usize>(<u64>buffers * bufferBytes(<u64>bufferCap));
  rowsOut = rowsApart(n, cands, rowK) == 0 ? newCands : at; at += <usize>rowsApart(n, cands, rowK);
  decoded = at;
}

@inline function isHiddenIn(hidden: usize, id: u32): bool {
  return hidden != 0 && ((load<u32>(hidden + ((<usize>id >> 5) << 2)) >> (id & 31)) & 1) != 0;
}
@inline function listOf(p: u32): usize { return lists + ((<usize>p * <usize>width) << 3); }
@inline function codeOf(p: u32): usize { return codes + <usize>p * record; }
@inline function bufferOf(t: u32): usize { return updates + <usize>(<u64>t * bufferBytes(<u64>bufferCap)); }

// Sets up the state for the index at `f`: the order, the codes, empty lists. hidden: the removed ids' bitmap
// (0: none); they get no row and appear in none. Returns how many items take part.
export function searchAllBegin(f: usize, scratch: usize, w: u32, threads: u32, hidden: usize, k: u32): u32 {
  const c = candidatesOf(w);
  const degree = graphDegree(f);
  const metric = hdr32(f, H_METRIC);
  store<u32>(scratch + S_FILE, <u32>f);
  store<u32>(scratch + S_SIZE, hdr32(f, H_SIZE));
  store<u32>(scratch + S_WIDTH, w);
  store<u32>(scratch + S_CANDS, c);
  // A chunk is one part per thread. The rows do not depend on the chunks: a pair the generation filter drops could
  // never enter either list (the worst keys only get better), and a list keeps the best keys offered in any order.
  store<u32>(scratch + S_CHUNK, partCentres(degree, c, threads) * threads);
  store<u32>(scratch + S_BUFFERS, threads);
  store<u32>(scratch + S_BUFFER_CAP, <u32>(<u64>partCentres(degree, c, threads) * pairsPerCentre(degree, c)));
  store<u32>(scratch + S_KIND, codesKindOf(metric));
  store<u32>(scratch + S_RECORD, <u32>recordOf(f));
  store<u32>(scratch + S_ROW_K, k);
  store<u32>(scratch + S_COUNT, 0);
  searchAllAttach(scratch);
  memory.fill(positions, 0xFF, <usize>size << 2);
  // The first tree's leaves, left to right (depth first, the candidates' heap area as the stack), then any item
  // the tree did not list.
  let m: u32 = 0;
  if (hdr32(file, H_TREES) > 0) {
    const stack = newCands;
    let top: u32 = 0;
    store<i32>(stack, load<i32>(file + <usize>hdr64(file, H_ROOTS_OFFSET)));
    top = 1;
    while (top > 0) {
      const ref = load<i32>(stack + (<usize>(--top) << 2));
      if (ref < 0) { m = place(<u32>~ref, m, hidden); continue; }
      if (ref >= LEAF_REF) { // compact trees: packed ids (compact.ts)
        const leaf = leafAt(file, ref), cBits = countBits(file), iBits = idBits(file);
        const n = leafBits(leaf, 0, cBits);
        for (let t: u32 = 0; t < n; t++) m = place(leafBits(leaf, <u64>cBits + <u64>t * <u64>iBits, iBits), m, hidden);
        continue;
      }
      const node = nodeAt(file, <u32>ref);
      const tag = load<u32>(node);
      if (tag == SPLIT_TAG) {
        store<i32>(stack + (<usize>(top++) << 2), load<i32>(node + NODE_CHILD1));
        store<i32>(stack + (<usize>(top++) << 2), load<i32>(node + NODE_CHILD0));
        continue;
      }
      for (let t: u32 = 0; t < tag; t++) m = place(load<u32>(node + NODE_LEAF_IDS + (<usize>t << 2)), m, hidden);
    }
  }
  for (let id: u32 = 0; id < size; id++) m = place(id, m, hidden);
  count = m;
  store<u32>(scratch + S_COUNT, m);
  encode();
  const n = <usize>count;
  memory.fill(lists, 0xFF, (n * <usize>width) << 3);
  memory.fill(worst, 0xFF, n << 3);
  return m;
}

@inline function place(id: u32, m: u32, hidden: usize): u32 {
  if (id >= size || !isPresent(file, id) || isHiddenIn(hidden, id)) return m;
  const at = positions + (<usize>id << 2);
  if (load<u32>(at) != NONE) return m;
  store<u32>(at, m);
  store<u32>(order + (<usize>m << 2), id);
  return m + 1;
}

// The compact copy, in position order (any storage kind decodes to f32 first).
function orderedItem(p: u32): usize { return itemF32(file, load<u32>(order + (<usize>p << 2)), decoded); }
function encode(): void {
  // one scale for all (the largest magnitude), or each vector its own (cosine)
  encodeRecords(kind, count, orderedItem, <usize>hdr32(file, H_DIMENSIONS), <usize>hdr32(file, H_STRIDE), codes, record, scales);
}

// The rank bits of the pair's approximate distance, symmetric to the bit (a pair has one key in both lists).
@inline function rankOf(a: u32, b: u32): u32 {
  const va = codeOf(a), vb = codeOf(b);
  const x = <f32>codeKernel(kind, va, vb, record);
  // scales multiplied first: a * b == b * a exactly, so the rank is the same from either end
  if (kind == CODES_COSINE) return orderedBits(-x * (load<f32>(scales + (<usize>a << 2)) * load<f32>(scales + (<usize>b << 2))));
  if (kind == CODES_DOT) return orderedBits(-x);
  return orderedBits(x);
}

// Starts the memory loads of position j's record and worst key (wasm has no prefetch: bare loads in a loop of
// nothing else keep many misses in flight before the pairs need them).
@inline function warm(j: u32): u32 {
  const c = codeOf(j);
  return load<u32>(c) ^ load<u32>(c + record - 4) ^ load<u32>(worst + (<usize>j << 3));
}
let sink: u32 = 0;

let out: usize = 0;
let outN: u32 = 0;
@inline function offer(a: u32, b: u32): void {
  const wa = load<u64>(worst + (<usize>a << 3)), wb = load<u64>(worst + (<usize>b << 3));
  const r = rankOf(a, b);
  const ka = (<u64>r << 32) | (<u64>b << 1) | 1, kb = (<u64>r << 32) | (<u64>a << 1) | 1;
  if (ka >= wa && kb >= wb) return;
  const u = out + 16 + NEAR_BYTES + <usize>outN * UPDATE_BYTES;
  store<u32>(u, a);
  store<u32>(u, b, 4);
  store<u32>(u, r, 8);
  outN++;
}

// The pairs of centres at positions [first, last) of round `round` into update buffer `thread`; returns how many.
export function searchAllGenerate(round: u32, first: u32, last: u32, thread: u32): u32 {
  out = bufferOf(thread);
  outN = 0;
  const graph = graphOf(file), degree = graphDegree(file);
  const near = out + 16; // round 0: the centre's neighbours' positions
  for (let p = first; p < last; p++) {
    if (round == 0) {
      // every pair of {p} and its graph neighbours that take part
      const row = graph + ((<usize>load<u32>(order + (<usize>p << 2)) * <usize>degree) << 2);
      let n: u32 = 0;
      let warmed = warm(p);
      for (let t: u32 = 0; t < degree; t++) {
        const j = load<u32>(row + (<usize>t << 2));
        if (j == NO_NEIGHBOUR) break;
        const q = load<u32>(positions + (<usize>j << 2));
        if (q == NONE || q == p) continue;
        warmed ^= warm(q);
        store<u32>(near + (<usize>(n++) << 2), q);
      }
      sink = warmed;
      for (let t: u32 = 0; t < n; t++) {
        const b = load<u32>(near + (<usize>t << 2));
        offer(p, b);
        for (let s: u32 = 0; s < t; s++) {
          const a = load<u32>(near + (<usize>s << 2));
          if (a != b) offer(a, b);
        }
      }
      continue;
    }
    const nn = load<u32>(newCounts + (<usize>p << 3)), no = load<u32>(oldCounts + (<usize>p << 3));
    const np = newCands + ((<usize>p * <usize>cands) << 2), op = oldCands + ((<usize>p * <usize>cands) << 2);
    let warmed: u32 = 0;
    for (let s: u32 = 0; s < nn; s++) warmed ^= warm(load<u32>(np + (<usize>s << 2)));
    for (let s: u32 = 0; s < no; s++) warmed ^= warm(load<u32>(op + (<usize>s << 2)));
    sink = warmed;
    for (let s: u32 = 0; s < nn; s++) {
      const a = load<u32>(np + (<usize>s << 2));
      for (let t = s + 1; t < nn; t++) offer(a, load<u32>(np + (<usize>t << 2)));
      for (let t: u32 = 0; t < no; t++) {
        const b = load<u32>(op + (<usize>t << 2));
        if (a != b) offer(a, b);
      }
    }
  }
  store<u32>(bufferOf(thread), outN);
  return outN;
}

// Puts key (new) into position i's list if it is better than the worst there and not listed yet.
function insert(i: u32, key: u64): void {
  if (key >= load<u64>(worst + (<usize>i << 3))) return;
  const p = listOf(i);
  let s: u32 = width - 1;
  while (s > 0 && load<u64>(p + (<usize>(s - 1) << 3)) > key) s--;
  // Listed already? Then with this very rank (a pair's rank is the same from both ends and every time), which sorts
  // just before where the key would go: no scan of the list.
  if (s > 0 && (load<u64>(p + (<usize>(s - 1) << 3)) | 1) == key) return;
  for (let t: u32 = width - 1; t > s; t--) store<u64>(p + (<usize>t << 3), load<u64>(p + (<usize>(t - 1) << 3)));
  store<u64>(p + (<usize>s << 3), key);
  store<u64>(worst + (<usize>i << 3), load<u64>(p + (<usize>(width - 1) << 3)));
}

// Offers every buffer's updates to the lists of positions in [lo, hi).
export function searchAllApply(lo: u32, hi: u32): void {
  for (let t: u32 = 0; t < buffers; t++) {
    const b = bufferOf(t);
    const n = load<u32>(b);
    const at = b + 16 + NEAR_BYTES;
    for (let x: u32 = 0; x < n; x++) {
      const u = at + <usize>x * UPDATE_BYTES;
      const a = load<u32>(u), c = load<u32>(u, 4), r = <u64>load<u32>(u, 8);
      if (a >= lo && a < hi) insert(a, (r << 32) | (<u64>c << 1) | 1);
      if (c >= lo && c < hi) insert(c, (r << 32) | (<u64>a << 1) | 1);
    }
  }
}

@inline function mix(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
  return x ^ (x >> 31);
}
@inline function pairHash(round: u32, a: u32, b: u32): u32 {
  const lo = min<u32>(a, b), hi = max<u32>(a, b);
  return <u32>(mix(<u64>round ^ mix((<u64>lo << 32) | <u64>hi ^ 0x9E3779B97F4A7C15)) >> 32);
}

// Offers candidate j to item i's sample (reservoir sampling, the slot chosen by the pair's hash h). The offers to
// one item come in the same order however the items are split into parts (every part reads every list in position
// order, keeping its own items' offers), so the samples are the same for any split.
function addCandidate(area: usize, counts: usize, i: u32, j: u32, h: u32): void {
  const at = area + ((<usize>i * <usize>cands) << 2);
  const cp = counts + (<usize>i << 3);
  const n = load<u32>(cp);
  for (let t: u32 = 0; t < n; t++) if (load<u32>(at + (<usize>t << 2)) == j) return;
  const seen = load<u32>(cp, 4) + 1;
  store<u32>(cp, seen, 4);
  if (n < cands) { store<u32>(at + (<usize>n << 2), j); store<u32>(cp, n + 1); return; }
  const slot = <u32>((<u64>h * <u64>seen) >> 32);
  if (slot < cands) store<u32>(at + (<usize>slot << 2), j);
}

// Before descent round `round` (>= 1), for the positions in [lo, hi): their sampled new and old candidates, forward
// and reverse (a hash of the pair picks them: the same for every schedule and split). Every list is read, only the
// candidates of [lo, hi) are written. Returns how many entries of the lists in [lo, hi) are new (summed over the
// parts: 0 means the lists cannot change any more). `settle` must follow on every part before the round.
export function searchAllPrepare(round: u32, lo: u32, hi: u32): u32 {
  memory.fill(newCounts + (<usize>lo << 3), 0, <usize>(hi - lo) << 3);
  memory.fill(oldCounts + (<usize>lo << 3), 0, <usize>(hi - lo) << 3);
  let fresh0: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const p = listOf(i);
    const own = i >= lo && i < hi;
    for (let s: u32 = 0; s < width; s++) {
      const e = load<u64>(p + (<usize>s << 3));
      if (e == EMPTY) break;
      const j = <u32>e >> 1;
      const back = j >= lo && j < hi;
      if (!own && !back) continue;
      const h = pairHash(round, i, j);
      if ((e & 1) != 0) {
        if (own) { fresh0++; addCandidate(newCands, newCounts, i, j, h); }
        if (back) addCandidate(newCands, newCounts, j, i, h);
      } else {
        if (own) addCandidate(oldCands, oldCounts, i, j, h);
        if (back) addCandidate(oldCands, oldCounts, j, i, h);
      }
    }
  }
  return fresh0;
}

// After every part's prepare: the list entries of [lo, hi) sampled as new candidates are old from here on.
export function searchAllSettle(lo: u32, hi: u32): void {
  for (let i = lo; i < hi; i++) {
    const p = listOf(i);
    const n = load<u32>(newCounts + (<usize>i << 3));
    const np = newCands + ((<usize>i * <usize>cands) << 2);
    for (let s: u32 = 0; s < width; s++) {
      const e = load<u64>(p + (<usize>s << 3));
      if (e == EMPTY) break;
      if ((e & 1) == 0) continue;
      const j = <u32>e >> 1;
      for (let t: u32 = 0; t < n; t++) {
        if (load<u32>(np + (<usize>t << 2)) == j) { store<u64>(p + (<usize>s << 3), e & ~(<u64>1)); break; }
      }
    }
  }
}

// How many of the lists' first `k` entries (the rows) are new (came in since they were last joined).
export function searchAllFresh(k: u32): u32 {
  const w = min<u32>(k, width);
  let n: u32 = 0;
  for (let p: u32 = 0; p < count; p++) {
    const l = listOf(p);
    for (let s: u32 = 0; s < w; s++) {
      const e = load<u64>(l + (<usize>s << 3));
      if (e != EMPTY) n += <u32>(e & 1);
    }
  }
  return n;
}

// The rows of the items at positions [lo, hi) into the rows area: each item's whole list re-ranked from the stored
// vectors with the metric's own distance (the joins ranked by the codes), its best min(k, width) kept, best first
// by (rank, id), reported as the user's distance (index.distance's). slot: this thread's scratch slot (where items
// stored other than as float32 are decoded).
// Starts the loads of every stored vector row x's re-rank reads (its item's and its list's): the rows' phase took
// 230 ms against 305 ms without (100,000 glove items, interleaved).
function warmRow(x: u32): u32 {
  const bytes = itemStride(file);
  let h = touch(vectorOf(file, load<u32>(order + (<usize>x << 2))), bytes);
  const p = listOf(x);
  for (let t: u32 = 0; t < width; t++) {
    const e = load<u64>(p + (<usize>t << 3));
    if (e == EMPTY) break;
    h ^= touch(vectorOf(file, load<u32>(order + (<usize>(<u32>e >> 1) << 2))), bytes);
  }
  return h;
}
export function searchAllRowsWith<M>(slot: usize, lo: u32, hi: u32): void {
  const metric = changetype<M>(0);
  const k = rowK;
  const stride = <usize>hdr32(file, H_STRIDE);
  const items = slot + slotOffset(file, SLOT_ITEMS), second = items + <usize>decodedBytes(hdr32(file, H_DIMENSIONS));
  const n = <usize>size;
  if (lo < hi) sink = warmRow(lo);
  for (let x = lo; x < hi; x++) {
    // the next row's stored vectors are read ahead, while this row's distances are computed
    if (x + 1 < hi) sink = warmRow(x + 1);
    const id = load<u32>(order + (<usize>x << 2));
    const ids = rowsOut + ((<usize>id * <usize>rowK) << 2);
    const distances = rowsOut + ((n * <usize>rowK) << 2) + ((<usize>id * <usize>rowK) << 2);
    const p = listOf(x);
    const q = itemF32(file, id, items), qq = metric.queryNorm(q, stride);
    let c: u32 = 0;
    for (let t: u32 = 0; t < width; t++) {
      const e = load<u64>(p + (<usize>t << 3));
      if (e == EMPTY) break;
      const j = load<u32>(order + (<usize>(<u32>e >> 1) << 2));
      c = offerToRow(ids, distances, c, k, j, metric.rank(metric.distance(q, itemF32(file, j, second), stride, qq)));
    }
    for (let t: u32 = 0; t < c; t++) store<f32>(distances + (<usize>t << 2), metric.userOfRank(load<f32>(distances + (<usize>t << 2))));
    store<u32>(rowsOut + ((n * <usize>rowK) << 3) + (<usize>id << 2), c);
  }
}

// Offers item j at rank r to a row of c (rank, id)-ordered entries that keeps the best k; returns the row's count.
// Shared by the joins' rows (searchAllRowsWith) and the rows read from the stored nearest neighbours (nearest.ts).
@inline export function offerToRow(ids: usize, distances: usize, c: u32, k: u32, j: u32, r: f32): u32 {
  const key = (<u64>orderedBits(r) << 32) | <u64>j;
  if (c == k) {
    const last = (<u64>orderedBits(load<f32>(distances + (<usize>(c - 1) << 2))) << 32) | <u64>load<u32>(ids + (<usize>(c - 1) << 2));
    if (key >= last) return c;
  } else c++;
  let s = c - 1;
  while (s > 0) {
    const prev = (<u64>orderedBits(load<f32>(distances + (<usize>(s - 1) << 2))) << 32) | <u64>load<u32>(ids + (<usize>(s - 1) << 2));
    if (prev <= key) break;
    store<u32>(ids + (<usize>s << 2), load<u32>(ids + (<usize>(s - 1) << 2)));
    store<f32>(distances + (<usize>s << 2), load<f32>(distances + (<usize>(s - 1) << 2)));
    s--;
  }
  store<u32>(ids + (<usize>s << 2), j);
  store<f32>(distances + (<usize>s << 2), r);
  return c;
}

export function searchAllChunk(): u32 { return chunk; }
// Where the rows are (ids: size * k u32, then distances: size * k f32, then counts: size u32).
export function searchAllRowsAt(): usize { return rowsOut; }
