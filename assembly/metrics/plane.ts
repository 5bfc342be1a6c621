// What the four metrics that split by a hyperplane share (angular, euclidean, manhattan, dot), Annoy's way: a
// child's queue priority is the smaller of its parent's and the query's signed margin towards it (the roots start
// at +infinity), an item exactly on the plane goes to a random side, and a query is used as the user gave it.
import { NODE_OFFSET, NODE_PLANE } from '../layout';
import { dot } from '../simd';
import { flip } from '../random';
import { floatsOk, finite } from '../validate';

export const PLANE_START: f32 = Infinity;

// child 1 lies on the plane's positive side.
@inline export function planePriority(d: f32, margin: f32, child: u32): f32 {
  return min<f32>(d, child == 1 ? margin : -margin);
}

@inline export function sideOfMargin(m: f32): u32 {
  if (m > 0) return 1;
  if (m < 0) return 0;
  return flip();
}

@inline export function copyQuery(q: usize, input: usize, dims: u32): void { memory.copy(q, input, <usize>dims << 2); }

// Stored floats are finite and zero padded, and the squared norm fits f32: the API refuses a vector whose squared
// norm overflows (NOT_FINITE), since distances to it are not numbers.
export function floatVectorOk(v: usize, dims: u32, stride: usize): bool {
  return floatsOk(v, <usize>dims << 2, stride) && dot(v, v, stride) < Infinity;
}

// A plane's normal is finite and zero padded; withOffset: its offset too (the metrics that use one).
export function planeOk(node: usize, dims: u32, stride: usize, withOffset: bool): bool {
  if (!floatsOk(node + NODE_PLANE, <usize>dims << 2, stride)) return false;
  return !withOffset || finite(load<u32>(node + NODE_OFFSET));
}
