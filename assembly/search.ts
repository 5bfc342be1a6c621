// Search: one priority queue over every tree's root, descending towards the query until searchK candidates
// are collected (Annoy's search_k, counting repeats as Annoy does), then an exact re-rank of the distinct
// candidates. Everything lives in the caller's scratch slot: the query path allocates nothing, so many
// threads can search one shared index at once. Written once over the metric M (metrics/index.ts picks M once per
// call), as Annoy's _get_all_nns is over its D: every per-candidate operation is M's own, inlined, with no branch
// on the metric.
import {
  H_DIMENSIONS, H_STRIDE, H_TREES, H_ROOTS_OFFSET,
  SPLIT_TAG, NODE_CHILD0, NODE_CHILD1, NODE_LEAF_IDS,
  SLOT_QUERY_IN, SLOT_QUERY, SLOT_QUERY_CODE, H_CODES_KIND, CODES_NONE, CODES_PCA, codeOf, codeStride, SLOT_OUT_IDS, SLOT_OUT_DISTANCES, SLOT_VISITED, SLOT_CANDIDATES, SLOT_TOP_K, SLOT_HEAP,
  H_PRESENT_OFFSET, hdr32, hdr64, nodeAt, slotOffset, itemOfRef, SLOT_ITEMS, itemStride, decodedBytes,
  LEAF_REF, SLOT_PLANE, compactPlanes,
} from './layout';
import { decodePlane, leafAt, leafBits, countBits, idBits } from './compact';
import { itemF32, recordOf } from './storage';
import { heapPush, heapPop, siftDown, orderedBits, floatOfOrderedBits } from './heap';
import * as codes from './codes';

// Larger priority first; on equal priority Annoy's order: the larger node id, and nodes before items (Annoy
// numbers items below nodes), the larger item id first. Low word: node n -> 2^31 + n, item i -> i.
@inline function queueKey(priority: f32, ref: i32): u64 {
  const low: u32 = ref >= 0 ? <u32>ref | 0x80000000 : ~ref;
  return (<u64>orderedBits(priority) << 32) | <u64>low;
}
@inline function refOfKey(key: u64): i32 {
  const low = <u32>key;
  return (low & 0x80000000) != 0 ? <i32>(low & 0x7FFFFFFF) : ~<i32>low;
}
@inline function priorityOfKey(key: u64): f32 { return floatOfOrderedBits(<u32>(key >> 32)); }

// wasm has no prefetch instruction: reading one word of every cache line of a candidate starts its memory loads, and
// a loop of nothing else keeps many candidates' misses in flight at once (the re-rank and screenCandidates).
let sink: u32 = 0;
@inline export function touch(v: usize, bytes: usize): u32 {
  let x: u32 = load<u32>(v + bytes - 4); // the last line, which a start inside a line leaves one word short of
  for (let o: usize = 0; o < bytes; o += 64) x ^= load<u32>(v + o);
  return x;
}

// Search state for one query (module globals: one query at a time per instance).
let visited: usize = 0;
let present: usize = 0;
let cands: usize = 0;
let nCands: u32 = 0;
let collected: u32 = 0;
// Filtered search (src/filter/): `allow`, when not 0, is a bitmap of the ids a query may return; `hidden`, when not
// 0, the removed ids' bitmap. An id they rule out is skipped before it counts towards searchK, so searchK counts
// allowed candidates and a filter does not cut recall.
let allow: usize = 0;
let hidden: usize = 0;
// Whether the bitmaps rule id out: not set in allowMap (when not 0), or set in hiddenMap (when not 0). The one test
// of both walks: the trees' collect here, the graph walk's results (graph-search.ts).
@inline export function ruledOutBy(allowMap: usize, hiddenMap: usize, id: u32): bool {
  const word = (<usize>id >> 5) << 2;
  return (allowMap != 0 && ((load<u32>(allowMap + word) >> (id & 31)) & 1) == 0)
    || (hiddenMap != 0 && ((load<u32>(hiddenMap + word) >> (id & 31)) & 1) != 0);
}
@inline function ruledOut(id: u32): bool { return ruledOutBy(allow, hidden, id); }

// A leaf may list holes (Annoy files: old versions put them in trees, and a root leaf is padded with id 0). Annoy
// counts them towards search_k and drops them at the re-rank; so do we, before they take a candidate slot.
@inline function collect(id: u32): void {
  if ((allow | hidden) != 0 && ruledOut(id)) return;
  collected++;
  if (((load<u32>(present + ((<usize>id >> 5) << 2)) >> (id & 31)) & 1) == 0) return;
  const w = visited + ((<usize>id >> 5) << 2);
  const bits = load<u32>(w);
  const mask: u32 = 1 << (id & 31);
  if ((bits & mask) == 0) {
    store<u32>(w, bits | mask);
    store<u32>(cands + (<usize>nCands << 2), id);
    nCands++;
  }
}

// Copies the query into the kernels' form (M's packing): from item `fromItem` when >= 0, else from queryIn.
export function prepareQuery<M>(file: usize, slot: usize, fromItem: i32): usize {
  const q = slot + slotOffset(file, SLOT_QUERY);
  const stride = <usize>hdr32(file, H_STRIDE);
  if (fromItem >= 0) {
    memory.copy(q, itemF32(file, <u32>fromItem, slot + slotOffset(file, SLOT_ITEMS)), stride);
    return q;
  }
  const input = slot + slotOffset(file, SLOT_QUERY_IN);
  const dims = hdr32(file, H_DIMENSIONS);
  memory.fill(q, 0, stride);
  changetype<M>(0).packQuery(q, input, dims);
  return q;
}

// rerank (searchWith): with screening codes, how many of the candidates best by code get the exact distance (0: all of them).
// With RERANK_GROWS set (SearchOptions.rerank's default) the low bits are a floor, and at least a share of the
// distinct candidates is re-ranked: a fixed count caps recall as searchK grows (pca on fashion-mnist: 50 of ~10,000
// candidates lost 0.012 of recall@10), a share keeps screening's loss small at every searchK. pca's codes are lossy
// (m of the dimensions), so they keep one in 8; int8's rank nearly as the exact distances do, one in 64 suffices.
const RERANK_GROWS: u32 = 0x80000000;
const PCA_SHARE: u32 = 8;
const INT8_SHARE: u32 = 64;

// Descends every tree towards the query `q` until searchK candidates are collected; the distinct present ones are
// listed in the slot's candidates area (and marked in its visited bitmap, which the caller clears). Returns how many.
// allowMap, hiddenMap: the filter's and the removed ids' bitmaps (0: none); the ids they rule out are not collected.
export function collectFromTrees<M>(file: usize, slot: usize, q: usize, searchK: u32, allowMap: usize = 0, hiddenMap: usize = 0): u32 {
  const metric = changetype<M>(0);
  const stride = <usize>hdr32(file, H_STRIDE);
  allow = allowMap;
  hidden = hiddenMap;
  visited = slot + slotOffset(file, SLOT_VISITED);
  present = file + <usize>hdr64(file, H_PRESENT_OFFSET);
  cands = slot + slotOffset(file, SLOT_CANDIDATES);
  nCands = 0;
  collected = 0;

  // Descend.
  const heap = slot + slotOffset(file, SLOT_HEAP);
  const trees = hdr32(file, H_TREES);
  const roots = file + <usize>hdr64(file, H_ROOTS_OFFSET);
  const start = metric.startPriority();
  // Compact trees (compact.ts): a split's plane is decoded into the slot's plane area; leaves are packed ids.
  const planes = compactPlanes(file);
  const plane = slot + slotOffset(file, SLOT_PLANE);
  const dims = hdr32(file, H_DIMENSIONS);
  const cBits = countBits(file), iBits = idBits(file);
  let size: u32 = 0;
  for (let t: u32 = 0; t < trees; t++) heapPush(heap, size++, queueKey(start, load<i32>(roots + (<usize>t << 2))));
  while (size > 0 && collected < searchK) {
    const top = load<u64>(heap);
    heapPop(heap, size--);
    const ref = refOfKey(top);
    if (ref < 0) { collect(itemOfRef(ref)); continue; }
    if (ref >= LEAF_REF) {
      const leaf = leafAt(file, ref);
      const n = leafBits(leaf, 0, cBits);
      let p: u64 = cBits;
      for (let i: u32 = 0; i < n; i++) {
        collect(leafBits(leaf, p, iBits));
        p += iBits;
      }
      continue;
    }
    const node = nodeAt(file, <u32>ref);
    const tag = load<u32>(node);
    if (tag != SPLIT_TAG) {
      for (let i: u32 = 0; i < tag; i++) collect(load<u32>(node + NODE_LEAF_IDS + (<usize>i << 2)));
      continue;
    }
    const d = priorityOfKey(top);
    const m = metric.margin(planes ? decodePlane(node, plane, dims) : node, q, stride);
    heapPush(heap, size++, queueKey(metric.childPriority(d, m, 1), load<i32>(node + NODE_CHILD1)));
    heapPush(heap, size++, queueKey(metric.childPriority(d, m, 0), load<i32>(node + NODE_CHILD0)));
  }
  return nCands;
}

// Returns the number of results written to the slot's outIds / outDistances (best first).
// allowMap, hiddenMap: the filter's and the removed ids' bitmaps (0: none).
// S: the storage policy (storage.ts), chosen once per call beside M.
export function searchWith<M, S>(file: usize, slot: usize, fromItem: i32, k: u32, searchK: u32, rerank: u32, allowMap: usize, hiddenMap: usize): u32 {
  const q = prepareQuery<M>(file, slot, fromItem);
  collectFromTrees<M>(file, slot, q, searchK, allowMap, hiddenMap);
  return rankCandidates<M, S>(file, slot, q, k, nCands, rerank);
}

// Ranks the `n` distinct candidates in the slot's candidate list (search's walk, or scan.ts) and writes the best k
// to the slot's output; returns how many. rerank as above (0: every candidate gets its exact distance).
export function rankCandidates<M, S>(file: usize, slot: usize, q: usize, k: u32, n: u32, rerank: u32): u32 {
  const metric = changetype<M>(0);
  const storage = changetype<S>(0);
  const stride = <usize>hdr32(file, H_STRIDE);
  const record = itemStride(file), lanes = stride >> 2;
  const decoded = slot + slotOffset(file, SLOT_ITEMS);
  const qq = metric.queryNorm(q, stride);
  visited = slot + slotOffset(file, SLOT_VISITED);
  cands = slot + slotOffset(file, SLOT_CANDIDATES);
  nCands = n;

  const kind = hdr32(file, H_CODES_KIND);
  let rr = rerank;
  if ((rerank & RERANK_GROWS) != 0) {
    const share: u32 = kind == CODES_PCA ? PCA_SHARE : INT8_SHARE;
    rr = max<u32>(rerank & ~RERANK_GROWS, (nCands + share - 1) / share);
  }
  if (rr != 0 && rr < nCands && kind != CODES_NONE) screenCandidates<M>(file, slot, q, rr);

  // Re-rank the distinct candidates exactly, in two passes. First every distance, with no data-dependent
  // branch in the loop, so the CPU overlaps the cache misses of many candidates' vectors (the re-rank is bound
  // by memory latency, not arithmetic); the ranks go to the output area, unused until the end. Then the best k
  // by (rank, id) through a max-heap.
  const outIds = slot + slotOffset(file, SLOT_OUT_IDS);
  const outDists = slot + slotOffset(file, SLOT_OUT_DISTANCES);
  // In chunks that stay in the L2 cache, each first touched by a pass of bare loads (as screenCandidates does).
  const chunk = max<u32>(16, <u32>((<usize>256 << 10) / record));
  let touched: u32 = 0;
  for (let start: u32 = 0; start < nCands; start += chunk) {
    const end = min<u32>(nCands, start + chunk);
    for (let i = start; i < end; i++) touched ^= touch(recordOf(file, load<u32>(cands + (<usize>i << 2)), record), record);
    for (let i = start; i < end; i++) {
      const id = load<u32>(cands + (<usize>i << 2));
      const v = storage.item(file, id, decoded, record, lanes);
      store<f32>(outDists + (<usize>i << 2), metric.rank(metric.distance(q, v, stride, qq)));
      store<u32>(visited + ((<usize>id >> 5) << 2), 0); // forget the candidate for the next query
    }
  }
  sink = touched;
  const topK = slot + slotOffset(file, SLOT_TOP_K);
  let kept: u32 = 0;
  for (let i: u32 = 0; i < nCands; i++) {
    const key = (<u64>orderedBits(load<f32>(outDists + (<usize>i << 2))) << 32) | <u64>load<u32>(cands + (<usize>i << 2));
    if (kept < k) heapPush(topK, kept++, key);
    else if (key < load<u64>(topK)) siftDown(topK, kept, key);
  }
  return writeResults<M>(topK, kept, outIds, outDists);
}

// Empties a max-heap of `kept` (rank, id) keys into the slot's results, best first; returns kept.
export function writeResults<M>(heap: usize, kept: u32, outIds: usize, outDists: usize): u32 {
  const metric = changetype<M>(0);
  for (let n = kept; n > 0; n--) {
    const key = load<u64>(heap);
    heapPop(heap, n);
    store<u32>(outIds + (<usize>(n - 1) << 2), <u32>key);
    store<f32>(outDists + (<usize>(n - 1) << 2), metric.userOfRank(floatOfOrderedBits(<u32>(key >> 32))));
  }
  return kept;
}

// Keeps the `keep` candidates whose int8 codes screen best (codes.ts), ties by smaller id, and forgets the rest.
function screenCandidates<M>(file: usize, slot: usize, q: usize, keep: u32): void {
  const qc = slot + slotOffset(file, SLOT_QUERY_CODE);
  const bytes = codeStride(file);
  const rule = changetype<M>(0).screeningRule(hdr32(file, H_CODES_KIND));
  codes.encode<M>(file, q, qc, true, qc);
  const best = slot + slotOffset(file, SLOT_TOP_K);
  let kept: u32 = 0;
  // Candidates go in chunks. Each chunk's codes are first only touched: a loop of nothing but independent loads keeps
  // many more cache misses in flight than the screening loop can (its arithmetic fills the CPU's window); a chunk's
  // codes (<= 256 KiB) then stay in the L2 cache for the screening pass.
  const chunk = max<u32>(16, <u32>((<usize>256 << 10) / bytes));
  let touched: u32 = 0;
  for (let start: u32 = 0; start < nCands; start += chunk) {
    const end = min<u32>(nCands, start + chunk);
    for (let i = start; i < end; i++) touched ^= touch(codeOf(file, load<u32>(cands + (<usize>i << 2))), bytes);
    for (let i = start; i < end; i++) {
      const id = load<u32>(cands + (<usize>i << 2));
      const key = (<u64>(<u32>codes.screen(rule, qc, codeOf(file, id), bytes) ^ 0x80000000) << 32) | <u64>id;
      if (kept < keep) heapPush(best, kept++, key);
      else if (key < load<u64>(best)) siftDown(best, kept, key);
      store<u32>(visited + ((<usize>id >> 5) << 2), 0);
    }
  }
  sink = touched;
  for (let i: u32 = 0; i < kept; i++) store<u32>(cands + (<usize>i << 2), <u32>load<u64>(best + (<usize>i << 3)));
  nCands = kept;
}

// Item `id`'s stored vector as the user's f32 values, into the slot's queryIn.
export function itemValuesWith<M>(file: usize, slot: usize, id: u32): void {
  const v = itemF32(file, id, slot + slotOffset(file, SLOT_ITEMS));
  changetype<M>(0).unpack(v, slot + slotOffset(file, SLOT_QUERY_IN), hdr32(file, H_DIMENSIONS));
}

// The user-facing distance between two stored items.
// slot: a scratch slot (for items stored other than as float32, decoded there).
export function itemDistanceWith<M>(file: usize, slot: usize, i: u32, j: u32): f32 {
  const metric = changetype<M>(0);
  const stride = <usize>hdr32(file, H_STRIDE);
  const items = slot + slotOffset(file, SLOT_ITEMS);
  const a = itemF32(file, i, items), b = itemF32(file, j, items + (<usize>decodedBytes(hdr32(file, H_DIMENSIONS))));
  const aa = metric.queryNorm(a, stride);
  return metric.toUser(metric.distance(a, b, stride, aa));
}

// The user-facing distance from the query in the slot's queryIn to item `id` (as search would report it).
export function queryDistanceWith<M>(file: usize, slot: usize, id: u32): f32 {
  const metric = changetype<M>(0);
  const stride = <usize>hdr32(file, H_STRIDE);
  const q = prepareQuery<M>(file, slot, -1);
  const qq = metric.queryNorm(q, stride);
  return metric.toUser(metric.distance(q, itemF32(file, id, slot + slotOffset(file, SLOT_ITEMS)), stride, qq));
}
