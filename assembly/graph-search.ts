// Search on the neighbour graph: the trees give a few starting candidates (searchK of them), then a best-first
// walk: take the nearest unexpanded candidate, look at its graph neighbours, keep the `ef` best seen; stop when
// the nearest unexpanded one is farther than the ef-th best. With screening codes the walk compares codes (a
// quarter of the bytes, or fewer with pca) and the ef best by code get the exact distance at the end.
//
// Filters and removed items (allow, hidden: their bitmaps, 0 for none): a ruled-out id is still walked through, a
// stepping stone (skipping it would cut the graph apart around it), but never enters the ef best, which hold allowed
// ids only; so `ef` counts allowed candidates, and the walk goes on until the ef allowed best are settled (hnswlib's
// filtered search does the same). A candidate joins the walk's queue when it beats the ef-th allowed best (or fewer
// than ef are known yet).
//
// Scratch: the slot's visited bitmap (cleared from the list of visited ids, the candidates area), topK (the ef
// best, a max-heap of (distance, id) keys) and the graph queue (a min-heap, keys stored inverted in a max-heap).
import {
  H_STRIDE, H_CODES_KIND, CODES_NONE,
  SLOT_VISITED, SLOT_CANDIDATES, SLOT_TOP_K, SLOT_QUERY_CODE, SLOT_OUT_IDS, SLOT_OUT_DISTANCES,
  SLOT_WALK, NO_NEIGHBOUR, hdr32, codeOf, codeStride, slotOffset, graphOf, graphDegree, SLOT_ITEMS, itemStride,
} from './layout';
import { recordOf } from './storage';
import { heapPush, heapPop, siftDown, orderedBits, floatOfOrderedBits } from './heap';
import { prepareQuery, collectFromTrees, touch, writeResults, ruledOutBy } from './search';
import * as codes from './codes';

// Per-query state (module globals: one query at a time per instance).
let stride: usize = 0;
let q: usize = 0;
let qq: f32 = 0;
let screened = false;
let qc: usize = 0;
let codeBytes: usize = 0;
let rule: u32 = 0;
let theFile: usize = 0;
let record: usize = 0;
let decoded: usize = 0;
let allow: usize = 0;
let hidden: usize = 0;

@inline function ruledOut(id: u32): bool { return (allow | hidden) != 0 && ruledOutBy(allow, hidden, id); }

// Item id's f32 vector (decoded by the storage policy S into the slot when it is not float32).
@inline function itemOf<S>(id: u32): usize {
  return changetype<S>(0).item(theFile, id, decoded, record, stride >> 2);
}

@inline function keyOf<M, S>(id: u32): u64 {
  if (screened) {
    const s = codes.screen(rule, qc, codeOf(theFile, id), codeBytes);
    return (<u64>(<u32>s ^ 0x80000000) << 32) | <u64>id;
  }
  return (<u64>orderedBits(changetype<M>(0).distance(q, itemOf<S>(id), stride, qq)) << 32) | <u64>id;
}

@inline function touchItem(id: u32): u32 {
  return screened ? touch(codeOf(theFile, id), codeBytes) : touch(recordOf(theFile, id, record), record);
}

let sink: u32 = 0;

// Returns the number of results written to the slot's outIds / outDistances (best first). ef >= k.
// searchK: tree candidates to start from (0 with fromItem >= 0: start from that item).
// rerank != 0 walks on the screening codes (when the index has them). allowMap, hiddenMap: the filter's and the
// removed ids' bitmaps (0: none).
export function searchGraphWith<M, S>(file: usize, slot: usize, fromItem: i32, k: u32, ef: u32, searchK: u32, rerank: u32, allowMap: usize, hiddenMap: usize): u32 {
  const metric = changetype<M>(0);
  theFile = file;
  allow = allowMap;
  hidden = hiddenMap;
  const graph = graphOf(file);
  const degree = graphDegree(file);
  const queue = slot + slotOffset(file, SLOT_WALK);
  ef = max<u32>(ef, k);
  stride = <usize>hdr32(file, H_STRIDE);
  record = itemStride(file);
  decoded = slot + slotOffset(file, SLOT_ITEMS);
  q = prepareQuery<M>(file, slot, fromItem);
  qq = metric.queryNorm(q, stride);
  screened = rerank != 0 && hdr32(file, H_CODES_KIND) != CODES_NONE;
  if (screened) {
    qc = slot + slotOffset(file, SLOT_QUERY_CODE);
    codeBytes = codeStride(file);
    rule = metric.screeningRule(hdr32(file, H_CODES_KIND));
    codes.encode<M>(file, q, qc, true, qc);
  }
  const visited = slot + slotOffset(file, SLOT_VISITED);
  const seen = slot + slotOffset(file, SLOT_CANDIDATES);
  const best = slot + slotOffset(file, SLOT_TOP_K);
  // searchK 0 with an item: start from the item itself (its neighbours are the first expanded): every item's
  // neighbours in bulk need no tree descent.
  let nSeen: u32;
  if (searchK == 0 && fromItem >= 0) {
    const id = <u32>fromItem;
    const w = visited + ((<usize>id >> 5) << 2);
    store<u32>(w, load<u32>(w) | (<u32>1 << (id & 31)));
    store<u32>(seen, id);
    nSeen = 1;
  } else {
    nSeen = collectFromTrees<M>(file, slot, q, searchK);
    // A leaf can hold many more items than asked for (Annoy's K is dimensions + 2): start from searchK of them.
    for (let i = searchK; i < nSeen; i++) {
      const id = load<u32>(seen + (<usize>i << 2));
      const w = visited + ((<usize>id >> 5) << 2);
      store<u32>(w, load<u32>(w) & ~(<u32>1 << (id & 31)));
    }
    if (nSeen > searchK) nSeen = searchK;
  }

  // The starting candidates.
  let touched: u32 = 0;
  for (let i: u32 = 0; i < nSeen; i++) touched ^= touchItem(load<u32>(seen + (<usize>i << 2)));
  let nBest: u32 = 0, nQueue: u32 = 0;

  // The walk. seen[first..nSeen) are the items not yet offered (the starting candidates first): each joins the
  // queue if it could still improve the ef best, which it enters only if allowed.
  let first: u32 = 0;
  while (true) {
    for (let i = first; i < nSeen; i++) {
      const id = load<u32>(seen + (<usize>i << 2));
      const key = keyOf<M, S>(id);
      if (nBest == ef && key >= load<u64>(best)) continue;
      heapPush(queue, nQueue++, ~key);
      if (ruledOut(id)) continue;
      if (nBest < ef) heapPush(best, nBest++, key);
      else siftDown(best, nBest, key);
    }
    if (nQueue == 0) break;
    const top = ~load<u64>(queue);
    heapPop(queue, nQueue--);
    if (nBest == ef && top > load<u64>(best)) break;
    const row = graph + ((<usize><u32>top * <usize>degree) << 2);
    // The unvisited neighbours join the visited list; their vectors are touched before any distance.
    first = nSeen;
    for (let t: u32 = 0; t < degree; t++) {
      const j = load<u32>(row + (<usize>t << 2));
      if (j == NO_NEIGHBOUR) break;
      const w = visited + ((<usize>j >> 5) << 2);
      const bits = load<u32>(w);
      const mask: u32 = 1 << (j & 31);
      if ((bits & mask) != 0) continue;
      store<u32>(w, bits | mask);
      store<u32>(seen + (<usize>(nSeen++) << 2), j);
      touched ^= touchItem(j);
    }
  }
  sink = touched;
  for (let i: u32 = 0; i < nSeen; i++) store<u32>(visited + ((<usize>load<u32>(seen + (<usize>i << 2)) >> 5) << 2), 0);

  // The k best by (user distance, id), exact distances, through a max-heap in the (now free) queue.
  const outIds = slot + slotOffset(file, SLOT_OUT_IDS);
  const outDists = slot + slotOffset(file, SLOT_OUT_DISTANCES);
  let kept: u32 = 0;
  for (let i: u32 = 0; i < nBest; i++) {
    const b = load<u64>(best + (<usize>i << 3));
    const id = <u32>b;
    const d: f32 = screened
      ? metric.distance(q, itemOf<S>(id), stride, qq)
      : floatOfOrderedBits(<u32>(b >> 32));
    const key = (<u64>orderedBits(metric.rank(d)) << 32) | <u64>id;
    if (kept < k) heapPush(queue, kept++, key);
    else if (key < load<u64>(queue)) siftDown(queue, kept, key);
  }
  return writeResults<M>(queue, kept, outIds, outDists);
}
