// Every item's nearest other items at once (Index.searchAll on a graph index), from neighbourhood joins over the
// stored graph rather than one walk per item: the rows of items that list one another are close, so the pairs
// among an item and its graph neighbours are good candidates for both ends of the pair.
//   round 0     the graph join: for each item p, every pair (a, b) of {p} and p's graph neighbours updates the
//               best lists of a and of b;
//   rounds 1..  NN-descent on those lists ("a neighbour of my neighbour is likely my neighbour"): each item's
//               sampled new and old list entries, forward and reverse, are joined pairwise, new with new and new
//               with old, until a round leaves few new entries.
// Each list keeps the `width` best (rank, id) keys (width is searchAll's ef): a strict total order, so a list holds
// the best `width` of every key ever offered to it, whatever the order they came in.
//
// Parallel and deterministic: the items are processed in chunks of a fixed size (a property of the parameters,
// never of the thread count). Within a chunk, `generate` computes the pairs of a range of centres against the lists
// as they were when the chunk began (read only) into that thread's update buffer; then `apply` offers every
// buffer's updates to the lists of a range of destination ids. A list's content depends only on the set of keys
// offered to it, so one thread or many, in any split, give the same lists, and so the same rows.
//
// Items are taken in the order of the first tree's leaves, so consecutive centres have nearby neighbourhoods and
// their vectors are still in the cache.
import {
  H_SIZE, H_TREES, H_ROOTS_OFFSET, H_STRIDE, SPLIT_TAG, NODE_LEAF_IDS, NODE_CHILD0, NODE_CHILD1, NO_NEIGHBOUR,
  hdr32, hdr64, vectorOf, nodeAt, graphOf, graphDegree, isPresent,
} from './layout';
import { orderedBits, heapPush, siftDown } from './heap';
import { dot } from './simd';
import { touch } from './search';
import { fromParts } from './metrics/angular';

const EMPTY: u64 = 0xFFFFFFFFFFFFFFFF;
// Sampled candidates per item and kind (new, old) in an NN-descent round.
const MAX_CANDIDATES: u32 = 24;
// Updates one chunk may produce, at most (the chunk's centres are fewer when each can make more pairs).
const CHUNK_PAIRS: u64 = 1 << 20;
// An update: (a, b, rank bits), 12 bytes.
const UPDATE_BYTES: usize = 12;

// The state lives in the scratch area; its first 64 bytes say where everything is, so that every thread's instance
// can attach to the same state (a pool's workers) with only the scratch address.
const S_FILE: usize = 0, S_SIZE: usize = 4, S_COUNT: usize = 8, S_WIDTH: usize = 12, S_CANDS: usize = 16,
  S_CHUNK: usize = 20, S_BUFFERS: usize = 24, S_BUFFER_CAP: usize = 28, S_HIDDEN: usize = 32, S_ROUND: usize = 36;
const STATE_BYTES: usize = 64;

let file: usize = 0;
let size: u32 = 0;
let count: u32 = 0; // items that get a row: present, not removed
let width: u32 = 0;
let cands: u32 = 0;
let chunk: u32 = 0;
let buffers: u32 = 0;
let bufferCap: u32 = 0;
let hidden: usize = 0;
let stride: usize = 0;
let order: usize = 0;   // count u32: the items, in the first tree's leaf order
let norms: usize = 0;   // size f32: each item's queryNorm (what the metric's distance needs of its first operand)
let lists: usize = 0;   // size * width u64 keys (rank bits, id), ascending, EMPTY past the last
let fresh: usize = 0;   // size * width u8: 1 when the entry came in since it was last joined
let worst: usize = 0;   // size u64: each list's last key (a compact copy: every pair checks it)
let newCands: usize = 0; // size * cands u64 (hash, id) max-heaps
let oldCands: usize = 0;
let newCounts: usize = 0; // size u32
let oldCounts: usize = 0;
let updates: usize = 0; // buffers * (4 + bufferCap * 12): each buffer's count, then its updates
let placed: usize = 0;  // size bits: scratch for the order

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
function candidatesOf(w: u32): u32 { return min<u32>(MAX_CANDIDATES, max<u32>(2 * w, 8)); }

// The scratch a run needs with `threads` update buffers (one per thread generating at once).
export function searchAllScratchBytes(f: usize, w: u32, threads: u32): u64 {
  const n = <u64>hdr32(f, H_SIZE);
  const c = candidatesOf(w);
  const cap = <u64>chunkOf(graphDegree(f), c) * pairsPerCentre(graphDegree(f), c);
  return <u64>STATE_BYTES + a64(n * 4) + a64(n * 4) + a64(n * <u64>w * 8) + a64(n * <u64>w) + a64(n * 8)
    + 2 * a64(n * <u64>c * 8) + 2 * a64(n * 4) + <u64>threads * a64(16 + cap * <u64>UPDATE_BYTES) + a64((n + 7) >> 3);
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
  hidden = <usize>load<u32>(scratch + S_HIDDEN);
  stride = <usize>hdr32(file, H_STRIDE);
  const n = <u64>size;
  let at = scratch + STATE_BYTES;
  order = at; at += <usize>a64(n * 4);
  norms = at; at += <usize>a64(n * 4);
  lists = at; at += <usize>a64(n * <u64>width * 8);
  fresh = at; at += <usize>a64(n * <u64>width);
  worst = at; at += <usize>a64(n * 8);
  newCands = at; at += <usize>a64(n * <u64>cands * 8);
  oldCands = at; at += <usize>a64(n * <u64>cands * 8);
  newCounts = at; at += <usize>a64(n * 4);
  oldCounts = at; at += <usize>a64(n * 4);
  updates = at; at += <usize>(<u64>buffers * a64(16 + <u64>bufferCap * <u64>UPDATE_BYTES));
  placed = at;
}

@inline function isHidden(id: u32): bool {
  return hidden != 0 && ((load<u32>(hidden + ((<usize>id >> 5) << 2)) >> (id & 31)) & 1) != 0;
}
@inline function takesPart(id: u32): bool { return isPresent(file, id) && !isHidden(id); }
@inline function listOf(i: u32): usize { return lists + ((<usize>i * <usize>width) << 3); }
@inline function bufferOf(t: u32): usize { return updates + <usize>(<u64>t * a64(16 + <u64>bufferCap * <u64>UPDATE_BYTES)); }

// Sets up the state for the index at `f`: the order, the norms, empty lists. hiddenMap: the removed ids' bitmap
// (0: none); they get no row and appear in none. Returns how many items take part.
export function searchAllBeginWith<M>(f: usize, scratch: usize, w: u32, threads: u32, hiddenMap: usize): u32 {
  const metric = changetype<M>(0);
  const c = candidatesOf(w);
  const degree = graphDegree(f);
  store<u32>(scratch + S_FILE, <u32>f);
  store<u32>(scratch + S_SIZE, hdr32(f, H_SIZE));
  store<u32>(scratch + S_WIDTH, w);
  store<u32>(scratch + S_CANDS, c);
  store<u32>(scratch + S_CHUNK, chunkOf(degree, c));
  store<u32>(scratch + S_BUFFERS, threads);
  store<u32>(scratch + S_BUFFER_CAP, <u32>(<u64>chunkOf(degree, c) * pairsPerCentre(degree, c)));
  store<u32>(scratch + S_HIDDEN, <u32>hiddenMap);
  store<u32>(scratch + S_COUNT, 0);
  searchAllAttach(scratch);
  const n = <usize>size;
  memory.fill(lists, 0xFF, (n * <usize>width) << 3);
  memory.fill(worst, 0xFF, n << 3);
  memory.fill(fresh, 0, n * <usize>width);
  memory.fill(placed, 0, (n + 7) >> 3);
  for (let id: u32 = 0; id < size; id++) {
    store<f32>(norms + (<usize>id << 2), takesPart(id) ? metric.queryNorm(vectorOf(file, id), stride) : 0);
  }
  // The first tree's leaves, left to right (depth first, the heap area of the candidates as the stack), then any
  // item the tree did not list.
  let m: u32 = 0;
  if (hdr32(file, H_TREES) > 0) {
    const stack = newCands;
    let top: u32 = 0;
    store<i32>(stack, load<i32>(file + <usize>hdr64(file, H_ROOTS_OFFSET)));
    top = 1;
    while (top > 0) {
      const ref = load<i32>(stack + (<usize>(--top) << 2));
      if (ref < 0) { m = place(<u32>~ref, m); continue; }
      const node = nodeAt(file, <u32>ref);
      const tag = load<u32>(node);
      if (tag == SPLIT_TAG) {
        store<i32>(stack + (<usize>(top++) << 2), load<i32>(node + NODE_CHILD1));
        store<i32>(stack + (<usize>(top++) << 2), load<i32>(node + NODE_CHILD0));
        continue;
      }
      for (let t: u32 = 0; t < tag; t++) m = place(load<u32>(node + NODE_LEAF_IDS + (<usize>t << 2)), m);
    }
  }
  for (let id: u32 = 0; id < size; id++) m = place(id, m);
  count = m;
  store<u32>(scratch + S_COUNT, m);
  return m;
}

@inline function place(id: u32, m: u32): u32 {
  if (id >= size || !takesPart(id)) return m;
  const w = placed + (<usize>id >> 3);
  const bit = <u8>(<u32>1 << (id & 7));
  if ((load<u8>(w) & bit) != 0) return m;
  store<u8>(w, load<u8>(w) | bit);
  store<u32>(order + (<usize>m << 2), id);
  return m + 1;
}

// The rank bits item j has in item i's list, or 0xFFFFFFFF (no distance has those bits) when it is not there.
@inline function rankIn(i: u32, j: u32): u32 {
  const p = listOf(i);
  for (let s: u32 = 0; s < width; s++) {
    const e = load<u64>(p + (<usize>s << 3));
    if (e == EMPTY) break;
    if (<u32>e == j) return <u32>(e >> 32);
  }
  return 0xFFFFFFFF;
}

// The rank bits of the pair's distance, symmetric to the bit (a pair has one key in both lists). Angular (the
// metric with unit codes) takes the plain dot kernel and the stored squared norms, about twice as fast as the
// metric's one-pass distance, which sums in another order: the rows' distances are recomputed by the metric at the
// end (searchAllRowWith), so what they report is exactly what search reports.
@inline function rankOf<M>(a: u32, b: u32): u32 {
  const metric = changetype<M>(0);
  const va = vectorOf(file, a), vb = vectorOf(file, b);
  if (metric.unitCodes()) {
    return orderedBits(metric.rank(fromParts(dot(va, vb, stride), load<f32>(norms + (<usize>b << 2)), load<f32>(norms + (<usize>a << 2)))));
  }
  return orderedBits(metric.rank(metric.distance(va, vb, stride, load<f32>(norms + (<usize>a << 2)))));
}

// Starts the memory loads of item j's vector, list and worst key (wasm has no prefetch: bare loads in a loop of
// nothing else keep many misses in flight before the pairs need them).
@inline function warm(j: u32): u32 {
  return touch(vectorOf(file, j), stride) ^ load<u32>(listOf(j)) ^ load<u32>(worst + (<usize>j << 3));
}
let sink: u32 = 0;

let out: usize = 0;
let outN: u32 = 0;
@inline function offer<M>(a: u32, b: u32): void {
  if (a == b) return;
  const wa = load<u64>(worst + (<usize>a << 3)), wb = load<u64>(worst + (<usize>b << 3));
  // A pair one list holds already needs no distance: its key there has the rank (distances are symmetric).
  const r = rankOf<M>(a, b);
  const ka = (<u64>r << 32) | <u64>b, kb = (<u64>r << 32) | <u64>a;
  if (ka >= wa && kb >= wb) return;
  const u = out + 4 + <usize>outN * UPDATE_BYTES;
  store<u32>(u, a);
  store<u32>(u, b, 4);
  store<u32>(u, r, 8);
  outN++;
}

// The pairs of centres order[first..last) of round `round` into update buffer `thread`; returns how many.
export function searchAllGenerateWith<M>(round: u32, first: u32, last: u32, thread: u32): u32 {
  out = bufferOf(thread);
  outN = 0;
  const graph = graphOf(file), degree = graphDegree(file);
  for (let x = first; x < last; x++) {
    const p = load<u32>(order + (<usize>x << 2));
    if (round == 0) {
      // every pair of {p} and its graph neighbours that take part
      const row = graph + ((<usize>p * <usize>degree) << 2);
      let warmed = warm(p);
      for (let t: u32 = 0; t < degree; t++) {
        const j = load<u32>(row + (<usize>t << 2));
        if (j == NO_NEIGHBOUR) break;
        warmed ^= warm(j);
      }
      sink = warmed;
      for (let t: u32 = 0; t < degree; t++) {
        const j = load<u32>(row + (<usize>t << 2));
        if (j == NO_NEIGHBOUR) break;
        if (isHidden(j)) continue;
        offer<M>(p, j);
        for (let s: u32 = 0; s < t; s++) {
          const i = load<u32>(row + (<usize>s << 2));
          if (!isHidden(i)) offer<M>(i, j);
        }
      }
      continue;
    }
    const nn = load<u32>(newCounts + (<usize>p << 2)), no = load<u32>(oldCounts + (<usize>p << 2));
    const np = newCands + ((<usize>p * <usize>cands) << 3), op = oldCands + ((<usize>p * <usize>cands) << 3);
    let warmed: u32 = 0;
    for (let s: u32 = 0; s < nn; s++) warmed ^= warm(<u32>load<u64>(np + (<usize>s << 3)));
    for (let s: u32 = 0; s < no; s++) warmed ^= warm(<u32>load<u64>(op + (<usize>s << 3)));
    sink = warmed;
    for (let s: u32 = 0; s < nn; s++) {
      const a = <u32>load<u64>(np + (<usize>s << 3));
      for (let t = s + 1; t < nn; t++) offer<M>(a, <u32>load<u64>(np + (<usize>t << 3)));
      for (let t: u32 = 0; t < no; t++) offer<M>(a, <u32>load<u64>(op + (<usize>t << 3)));
    }
  }
  store<u32>(bufferOf(thread), outN);
  return outN;
}

// Puts key into item i's list if it is better than the worst there and its id is not listed yet; marks it new.
function insert(i: u32, key: u64): void {
  if (key >= load<u64>(worst + (<usize>i << 3))) return;
  const p = listOf(i), f = fresh + <usize>i * <usize>width;
  const j = <u32>key;
  let s: u32 = width - 1;
  while (s > 0 && load<u64>(p + (<usize>(s - 1) << 3)) > key) s--;
  // j listed already (the same key: distances are symmetric; or, defensively, any key)
  for (let t: u32 = 0; t < width; t++) {
    const e = load<u64>(p + (<usize>t << 3));
    if (e == EMPTY) break;
    if (<u32>e == j) return;
  }
  for (let t: u32 = width - 1; t > s; t--) {
    store<u64>(p + (<usize>t << 3), load<u64>(p + (<usize>(t - 1) << 3)));
    store<u8>(f + <usize>t, load<u8>(f + <usize>(t - 1)));
  }
  store<u64>(p + (<usize>s << 3), key);
  store<u8>(f + <usize>s, 1);
  store<u64>(worst + (<usize>i << 3), load<u64>(p + (<usize>(width - 1) << 3)));
}

// Offers every buffer's updates to the lists of ids in [lo, hi).
export function searchAllApply(lo: u32, hi: u32): void {
  for (let t: u32 = 0; t < buffers; t++) {
    const b = bufferOf(t);
    const n = load<u32>(b);
    for (let x: u32 = 0; x < n; x++) {
      const u = b + 4 + <usize>x * UPDATE_BYTES;
      const a = load<u32>(u), c = load<u32>(u, 4), r = <u64>load<u32>(u, 8);
      if (a >= lo && a < hi) insert(a, (r << 32) | <u64>c);
      if (c >= lo && c < hi) insert(c, (r << 32) | <u64>a);
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

function addCandidate(area: usize, counts: usize, i: u32, j: u32, h: u32): void {
  const heap = area + ((<usize>i * <usize>cands) << 3);
  const cp = counts + (<usize>i << 2);
  const n = load<u32>(cp);
  const key = (<u64>h << 32) | <u64>j;
  if (n == cands && key >= load<u64>(heap)) return;
  for (let t: u32 = 0; t < n; t++) if (load<u64>(heap + (<usize>t << 3)) == key) return;
  if (n < cands) { heapPush(heap, n, key); store<u32>(cp, n + 1); return; }
  siftDown(heap, n, key);
}

// Before descent round `round` (>= 1): each item's sampled new and old candidates, forward and reverse (a hash of
// the pair picks them: the same for every schedule); the new ones sampled are old from here on. Returns how many
// list entries were new (0: the lists cannot change any more).
export function searchAllPrepare(round: u32): u32 {
  memory.fill(newCounts, 0, <usize>size << 2);
  memory.fill(oldCounts, 0, <usize>size << 2);
  let fresh0: u32 = 0;
  for (let x: u32 = 0; x < count; x++) {
    const i = load<u32>(order + (<usize>x << 2));
    const p = listOf(i), f = fresh + <usize>i * <usize>width;
    for (let s: u32 = 0; s < width; s++) {
      const e = load<u64>(p + (<usize>s << 3));
      if (e == EMPTY) break;
      const j = <u32>e;
      const h = pairHash(round, i, j);
      if (load<u8>(f + <usize>s) != 0) {
        fresh0++;
        addCandidate(newCands, newCounts, i, j, h);
        addCandidate(newCands, newCounts, j, i, h);
      } else {
        addCandidate(oldCands, oldCounts, i, j, h);
        addCandidate(oldCands, oldCounts, j, i, h);
      }
    }
  }
  for (let x: u32 = 0; x < count; x++) {
    const i = load<u32>(order + (<usize>x << 2));
    const p = listOf(i), f = fresh + <usize>i * <usize>width;
    const n = load<u32>(newCounts + (<usize>i << 2));
    const np = newCands + ((<usize>i * <usize>cands) << 3);
    for (let s: u32 = 0; s < width; s++) {
      if (load<u8>(f + <usize>s) == 0) continue;
      const j = <u32>load<u64>(p + (<usize>s << 3));
      for (let t: u32 = 0; t < n; t++) {
        if (<u32>load<u64>(np + (<usize>t << 3)) == j) { store<u8>(f + <usize>s, 0); break; }
      }
    }
  }
  return fresh0;
}

// How many of the lists' first `k` entries (the rows) are new (came in since they were last joined).
export function searchAllFresh(k: u32): u32 {
  const w = min<u32>(k, width);
  let n: u32 = 0;
  for (let x: u32 = 0; x < count; x++) {
    const f = fresh + <usize>load<u32>(order + (<usize>x << 2)) * <usize>width;
    for (let s: u32 = 0; s < w; s++) n += load<u8>(f + <usize>s);
  }
  return n;
}

// Item `id`'s row: its best min(k, width) other items, best first by (rank, id) with the metric's own distances
// (the joins ranked by an equal-valued but differently summed distance for angular), into ids / distances (the
// user's distance); returns how many.
export function searchAllRowWith<M>(id: u32, k: u32, ids: usize, distances: usize): u32 {
  const metric = changetype<M>(0);
  const p = listOf(id);
  const q = vectorOf(file, id), qq = load<f32>(norms + (<usize>id << 2));
  let n: u32 = 0;
  for (; n < k && n < width; n++) {
    const e = load<u64>(p + (<usize>n << 3));
    if (e == EMPTY) break;
    const j = <u32>e;
    const r = metric.rank(metric.distance(q, vectorOf(file, j), stride, qq));
    const key = (<u64>orderedBits(r) << 32) | <u64>j;
    // insertion by (rank, id): the order can differ from the join's only between near-equal distances
    let s = n;
    while (s > 0) {
      const prev = (<u64>orderedBits(load<f32>(distances + (<usize>(s - 1) << 2))) << 32) | <u64>load<u32>(ids + (<usize>(s - 1) << 2));
      if (prev <= key) break;
      store<u32>(ids + (<usize>s << 2), load<u32>(ids + (<usize>(s - 1) << 2)));
      store<f32>(distances + (<usize>s << 2), load<f32>(distances + (<usize>(s - 1) << 2)));
      s--;
    }
    store<u32>(ids + (<usize>s << 2), j);
    store<f32>(distances + (<usize>s << 2), r);
  }
  for (let t: u32 = 0; t < n; t++) store<f32>(distances + (<usize>t << 2), metric.userOfRank(load<f32>(distances + (<usize>t << 2))));
  return n;
}

export function searchAllChunk(): u32 { return chunk; }
