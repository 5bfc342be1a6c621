// Manhattan: L1. Splits like euclidean (bisecting plane of two centroids), but the centroids are found with
// L1 distances.
import { l1 } from '../simd';
export { margin, setPlane } from './euclidean';

@inline export function distance(q: usize, v: usize, bytes: usize): f32 { return l1(q, v, bytes); }

@inline export function toUser(d: f32): f32 { return max<f32>(d, 0); }
