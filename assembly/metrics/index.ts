// One switch per operation over the five metric policies, so the tree code is written once.
import { METRIC_ANGULAR, METRIC_EUCLIDEAN, METRIC_MANHATTAN, METRIC_DOT } from '../layout';
import * as angular from './angular';
import * as euclidean from './euclidean';
import * as manhattan from './manhattan';
import * as dot from './dot';
import * as hamming from './hamming';

// The internal distance that ranks results (ascending): angular 2 - 2cos, euclidean squared L2, manhattan L1,
// dot -q.v, hamming differing bits. qq is the query's squared norm (angular only).
@inline export function distance(metric: u32, q: usize, v: usize, bytes: usize, qq: f32): f32 {
  if (metric == METRIC_ANGULAR) return angular.distance(q, v, bytes, qq);
  if (metric == METRIC_EUCLIDEAN) return euclidean.distance(q, v, bytes);
  if (metric == METRIC_MANHATTAN) return manhattan.distance(q, v, bytes);
  if (metric == METRIC_DOT) return dot.distance(q, v, bytes);
  return hamming.distance(q, v, bytes);
}

// The distance users see, from the internal one.
@inline export function toUser(metric: u32, d: f32): f32 {
  if (metric == METRIC_ANGULAR) return angular.toUser(d);
  if (metric == METRIC_EUCLIDEAN) return euclidean.toUser(d);
  if (metric == METRIC_MANHATTAN) return manhattan.toUser(d);
  if (metric == METRIC_DOT) return dot.toUser(d);
  return hamming.toUser(d);
}

// What results are ranked by (ascending): the user's distance (negated for dot), so that results whose
// returned distances are equal are ordered by id, even where their internal values differed (a slightly
// negative 2 - 2cos, two squared distances with one f32 square root).
@inline export function rank(metric: u32, d: f32): f32 {
  return metric == METRIC_DOT ? d : toUser(metric, d);
}
@inline export function userOfRank(metric: u32, r: f32): f32 {
  return metric == METRIC_DOT ? -r : r;
}

// Signed margin of a query against a float split (> 0: child 1's side).
@inline export function margin(metric: u32, node: usize, q: usize, bytes: usize): f32 {
  if (metric == METRIC_EUCLIDEAN || metric == METRIC_MANHATTAN) return euclidean.margin(node, q, bytes);
  return angular.margin(node, q, bytes); // angular and dot: the plane through the origin
}
