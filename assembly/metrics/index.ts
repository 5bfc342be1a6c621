// The metric policies, and the one place a file's metric code becomes one of them.
//
// A metric is a class whose methods use no instance state: the tree code is written once as generic functions
// over it (search.ts searchWith<M>, build.ts buildTreeWith<M> and twoMeans<M>, codes.ts, validate.ts), as
// Annoy's _get_all_nns and two_means are over its D::. Generic code calls the methods on changetype<M>(0), which
// compiles to direct calls that inline: each entry point below is specialised per metric and chosen once per call
// (per query, per tree, per load), so no candidate, node or item pays a branch on the metric (hnswlib picks its
// distance kernel once, likewise).
//
// Every metric (angular.ts, euclidean.ts, manhattan.ts, dot.ts, hamming.ts) has:
//   search  queryNorm(q, bytes)           what distance needs of the query, once per query (angular: |q|^2)
//           distance(q, v, bytes, qq)     the internal distance that ranks results (ascending): angular 2 - 2cos,
//                                         euclidean squared L2, manhattan L1, dot -q.v, hamming differing bits
//           toUser(d)                     the distance users see, from the internal one
//           rank(d), userOfRank(r)        what results are ranked by: the user's distance (negated for dot), so that
//                                         results whose returned distances are equal are ordered by id, even where
//                                         their internal values differed (a slightly negative 2 - 2cos, two squared
//                                         distances with one f32 square root)
//           packQuery(q, input, dims)     the user's f32 query into the stored vectors' form (hamming: bits)
//           unpack(v, out, dims)          a stored vector back into the user's f32 values (getItem)
//           startPriority()               the roots' queue priority (Annoy's pq_initial_value)
//           margin(node, q, bytes)        the query against a split (a signed margin; hamming: the bit tested)
//           childPriority(d, m, child)    a child's queue priority from its parent's d (Annoy's pq_distance)
//   build   prepareBuild(file, extras)    once per build (dot: each item's extra coordinate; Annoy's preprocess)
//           side(split, id)               which child an item goes to (Annoy's side)
//           createSplit(split, lo, hi)    a split for the items work[lo, hi) (Annoy's create_split)
//           onSphere(), hasExtra(),       two-means' flavour (hyperplane metrics): on unit vectors or not, items with
//           meansDistance(...)            an extra coordinate, the distance items are clustered by
//   codes   unitCodes(), queryOwnScale(), rangeCodes(), screeningRule(kind): which screening scheme (codes.ts)
//   files   vectorOk(v, dims, bytes), splitOk(node, dims, bytes): what a loaded file may hold (validate.ts)
import { H_METRIC, METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_MANHATTAN, METRIC_DOT, hdr32 } from '../layout';
import { Angular } from './angular';
import { Euclidean } from './euclidean';
import { Manhattan } from './manhattan';
import { Dot } from './dot';
import { Hamming } from './hamming';
import { searchGraphWith } from '../graph-search';
import { searchAllRowsWith } from '../search-all';
import { searchAllStoredWith } from '../nearest';
import { graphDegree } from '../layout';
import { storageOf, STORAGE_FLOAT16, STORAGE_BFLOAT16, STORAGE_INT8 } from '../layout';
import { Float32Storage, Float16Storage, Bfloat16Storage, Int8Storage } from '../storage';
import { searchWith, itemDistanceWith, queryDistanceWith, itemValuesWith } from '../search';
import { scanWith } from '../scan';
import { prepareBuildWith, buildTreeWith } from '../build';
import { prepareScreeningWith, encodeCodesWith, encodeCodesFromWith } from '../codes';
import { validateWith } from '../validate';

// One query: a graph index walks its graph (ef: the candidates the walk keeps; searchK: the tree candidates it
// starts from, 0 with an item: that item), any other searches its trees (Annoy's search_k). allow, hidden: the
// filter's and the removed ids' bitmaps (0: none): the ids they rule out are never returned.
// The storage kind is the dispatch's second dimension (storage.ts): each metric's search is specialised per storage
// too, so neither is a branch per candidate. Hamming is stored as bits only (the facade refuses other storage).
export function search(file: usize, slot: usize, fromItem: i32, k: u32, searchK: u32, rerank: u32, ef: u32, allow: usize, hidden: usize): u32 {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) return searchStored<Angular>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
  if (metric == METRIC_EUCLIDEAN) return searchStored<Euclidean>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
  if (metric == METRIC_MANHATTAN) return searchStored<Manhattan>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
  if (metric == METRIC_DOT) return searchStored<Dot>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
  return searchOver<Hamming, Float32Storage>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
}

function searchStored<M>(file: usize, slot: usize, fromItem: i32, k: u32, searchK: u32, rerank: u32, ef: u32, allow: usize, hidden: usize): u32 {
  const kind = storageOf(file);
  if (kind == STORAGE_FLOAT16) return searchOver<M, Float16Storage>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
  if (kind == STORAGE_BFLOAT16) return searchOver<M, Bfloat16Storage>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
  if (kind == STORAGE_INT8) return searchOver<M, Int8Storage>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
  return searchOver<M, Float32Storage>(file, slot, fromItem, k, searchK, rerank, ef, allow, hidden);
}

@inline function searchOver<M, S>(file: usize, slot: usize, fromItem: i32, k: u32, searchK: u32, rerank: u32, ef: u32, allow: usize, hidden: usize): u32 {
  if (graphDegree(file) != 0) return searchGraphWith<M, S>(file, slot, fromItem, k, ef, searchK, rerank, allow, hidden);
  return searchWith<M, S>(file, slot, fromItem, k, searchK, rerank, allow, hidden);
}

// The exact scan of a filter's allowed ids (scan.ts).
export function scan(file: usize, slot: usize, fromItem: i32, k: u32, allow: usize, hidden: usize): u32 {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) return scanStored<Angular>(file, slot, fromItem, k, allow, hidden);
  if (metric == METRIC_EUCLIDEAN) return scanStored<Euclidean>(file, slot, fromItem, k, allow, hidden);
  if (metric == METRIC_MANHATTAN) return scanStored<Manhattan>(file, slot, fromItem, k, allow, hidden);
  if (metric == METRIC_DOT) return scanStored<Dot>(file, slot, fromItem, k, allow, hidden);
  return scanWith<Hamming, Float32Storage>(file, slot, fromItem, k, allow, hidden);
}

function scanStored<M>(file: usize, slot: usize, fromItem: i32, k: u32, allow: usize, hidden: usize): u32 {
  const kind = storageOf(file);
  if (kind == STORAGE_FLOAT16) return scanWith<M, Float16Storage>(file, slot, fromItem, k, allow, hidden);
  if (kind == STORAGE_BFLOAT16) return scanWith<M, Bfloat16Storage>(file, slot, fromItem, k, allow, hidden);
  if (kind == STORAGE_INT8) return scanWith<M, Int8Storage>(file, slot, fromItem, k, allow, hidden);
  return scanWith<M, Float32Storage>(file, slot, fromItem, k, allow, hidden);
}

// The user-facing distance between two stored items.
export function itemDistance(file: usize, slot: usize, i: u32, j: u32): f32 {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) return itemDistanceWith<Angular>(file, slot, i, j);
  if (metric == METRIC_EUCLIDEAN) return itemDistanceWith<Euclidean>(file, slot, i, j);
  if (metric == METRIC_MANHATTAN) return itemDistanceWith<Manhattan>(file, slot, i, j);
  if (metric == METRIC_DOT) return itemDistanceWith<Dot>(file, slot, i, j);
  return itemDistanceWith<Hamming>(file, slot, i, j);
}

// The user-facing distance from the query in the slot's queryIn to item `id` (as search would report it).
export function queryDistance(file: usize, slot: usize, id: u32): f32 {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) return queryDistanceWith<Angular>(file, slot, id);
  if (metric == METRIC_EUCLIDEAN) return queryDistanceWith<Euclidean>(file, slot, id);
  if (metric == METRIC_MANHATTAN) return queryDistanceWith<Manhattan>(file, slot, id);
  if (metric == METRIC_DOT) return queryDistanceWith<Dot>(file, slot, id);
  return queryDistanceWith<Hamming>(file, slot, id);
}

// Item `id`'s stored vector as the user's values, into the slot's queryIn (getItem).
export function itemValues(file: usize, slot: usize, id: u32): void {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) itemValuesWith<Angular>(file, slot, id);
  else if (metric == METRIC_EUCLIDEAN) itemValuesWith<Euclidean>(file, slot, id);
  else if (metric == METRIC_MANHATTAN) itemValuesWith<Manhattan>(file, slot, id);
  else if (metric == METRIC_DOT) itemValuesWith<Dot>(file, slot, id);
  else itemValuesWith<Hamming>(file, slot, id);
}

// Once per build, before any instance begins (build.ts).
export function prepareBuild(file: usize, extrasAt: usize): void {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) prepareBuildWith<Angular>(file, extrasAt);
  else if (metric == METRIC_EUCLIDEAN) prepareBuildWith<Euclidean>(file, extrasAt);
  else if (metric == METRIC_MANHATTAN) prepareBuildWith<Manhattan>(file, extrasAt);
  else if (metric == METRIC_DOT) prepareBuildWith<Dot>(file, extrasAt);
  else prepareBuildWith<Hamming>(file, extrasAt);
}

// One tree (build.ts).
export function buildTree(file: usize, seed: u32, tree: u32, nodes: usize, end: usize): i32 {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) return buildTreeWith<Angular>(file, seed, tree, nodes, end);
  if (metric == METRIC_EUCLIDEAN) return buildTreeWith<Euclidean>(file, seed, tree, nodes, end);
  if (metric == METRIC_MANHATTAN) return buildTreeWith<Manhattan>(file, seed, tree, nodes, end);
  if (metric == METRIC_DOT) return buildTreeWith<Dot>(file, seed, tree, nodes, end);
  return buildTreeWith<Hamming>(file, seed, tree, nodes, end);
}

// The screening parameters of a build (codes.ts).
export function prepareScreening(file: usize, asked: u32, scratch: usize): u32 {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) return prepareScreeningWith<Angular>(file, asked, scratch);
  if (metric == METRIC_EUCLIDEAN) return prepareScreeningWith<Euclidean>(file, asked, scratch);
  if (metric == METRIC_MANHATTAN) return prepareScreeningWith<Manhattan>(file, asked, scratch);
  if (metric == METRIC_DOT) return prepareScreeningWith<Dot>(file, asked, scratch);
  return prepareScreeningWith<Hamming>(file, asked, scratch);
}

// Every item's screening code (codes.ts).
export function encodeCodes(file: usize, slot: usize): void {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) encodeCodesWith<Angular>(file, slot);
  else if (metric == METRIC_EUCLIDEAN) encodeCodesWith<Euclidean>(file, slot);
  else if (metric == METRIC_MANHATTAN) encodeCodesWith<Manhattan>(file, slot);
  else if (metric == METRIC_DOT) encodeCodesWith<Dot>(file, slot);
  else encodeCodesWith<Hamming>(file, slot);
}

// Every item's code from the tree build's projections (codes.ts).
export function encodeCodesFrom(file: usize, projections: usize, out: usize, work: usize): void {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) encodeCodesFromWith<Angular>(file, projections, out, work);
  else if (metric == METRIC_EUCLIDEAN) encodeCodesFromWith<Euclidean>(file, projections, out, work);
  else if (metric == METRIC_MANHATTAN) encodeCodesFromWith<Manhattan>(file, projections, out, work);
  else if (metric == METRIC_DOT) encodeCodesFromWith<Dot>(file, projections, out, work);
  else encodeCodesFromWith<Hamming>(file, projections, out, work);
}

// The structure checks of a loaded file (validate.ts). The host has checked the metric code is one of the five.
export function validate(file: usize, slot: usize): i32 {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) return validateWith<Angular>(file, slot);
  if (metric == METRIC_EUCLIDEAN) return validateWith<Euclidean>(file, slot);
  if (metric == METRIC_MANHATTAN) return validateWith<Manhattan>(file, slot);
  if (metric == METRIC_DOT) return validateWith<Dot>(file, slot);
  return validateWith<Hamming>(file, slot);
}

// Every item's neighbours at once on a graph index (search-all.ts): the rows of positions [lo, hi), re-ranked by
// the metric (the joins themselves rank by codes and need no metric dispatch).
// searchAll's rows from the file's stored nearest neighbours (nearest.ts).
export function searchAllStored(file: usize, slot: usize, rows: usize, k: u32, hidden: usize, lo: u32, hi: u32): void {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) searchAllStoredWith<Angular>(file, slot, rows, k, hidden, lo, hi);
  else if (metric == METRIC_EUCLIDEAN) searchAllStoredWith<Euclidean>(file, slot, rows, k, hidden, lo, hi);
  else if (metric == METRIC_MANHATTAN) searchAllStoredWith<Manhattan>(file, slot, rows, k, hidden, lo, hi);
  else if (metric == METRIC_DOT) searchAllStoredWith<Dot>(file, slot, rows, k, hidden, lo, hi);
  else searchAllStoredWith<Hamming>(file, slot, rows, k, hidden, lo, hi);
}

export function searchAllRows(file: usize, slot: usize, lo: u32, hi: u32): void {
  const metric = hdr32(file, H_METRIC);
  if (metric == METRIC_ANGULAR) searchAllRowsWith<Angular>(slot, lo, hi);
  else if (metric == METRIC_EUCLIDEAN) searchAllRowsWith<Euclidean>(slot, lo, hi);
  else if (metric == METRIC_MANHATTAN) searchAllRowsWith<Manhattan>(slot, lo, hi);
  else if (metric == METRIC_DOT) searchAllRowsWith<Dot>(slot, lo, hi);
  else searchAllRowsWith<Hamming>(slot, lo, hi);
}
