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

// Signed margin of a query against a float split (> 0: child 1's side).
@inline export function margin(metric: u32, node: usize, q: usize, bytes: usize): f32 {
  if (metric == METRIC_EUCLIDEAN || metric == METRIC_MANHATTAN) return euclidean.margin(node, q, bytes);
  return angular.margin(node, q, bytes); // angular and dot: the plane through the origin
}
