// Exact distances in float64, as the README defines them (the same values the index reports, to float32
// precision): used by `bench` for brute-force ground truth, independently of the wasm search.
import type { Metric } from '../metric.js';

export function exactDistance(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let s = 0;
  switch (metric) {
    case 'angular': {
      let aa = 0, bb = 0;
      for (let i = 0; i < n; i++) { s += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
      return aa > 0 && bb > 0 ? Math.sqrt(Math.max(0, 2 - (2 * s) / Math.sqrt(aa * bb))) : Math.SQRT2;
    }
    case 'euclidean':
      for (let i = 0; i < n; i++) s += (a[i] - b[i]) ** 2;
      return Math.sqrt(s);
    case 'manhattan':
      for (let i = 0; i < n; i++) s += Math.abs(a[i] - b[i]);
      return s;
    case 'dot':
      for (let i = 0; i < n; i++) s += a[i] * b[i];
      return s;
    case 'hamming':
      for (let i = 0; i < n; i++) if ((a[i] !== 0) !== (b[i] !== 0)) s++;
      return s;
  }
}

/** Whether distance `d` ranks before `e` (dot: larger first). */
export const better = (metric: Metric, d: number, e: number) => (metric === 'dot' ? d > e : d < e);

/** The k best (id, distance) pairs seen so far, best first; ties keep the smaller id. */
export class TopK {
  readonly ids: number[] = [];
  readonly distances: number[] = [];
  constructor(readonly k: number, readonly metric: Metric) {}

  offer(id: number, d: number): void {
    const { ids, distances, k } = this;
    if (ids.length === k && !better(this.metric, d, distances[k - 1])) return;
    let i = ids.length === k ? k - 1 : ids.length;
    while (i > 0 && better(this.metric, d, distances[i - 1])) {
      ids[i] = ids[i - 1];
      distances[i] = distances[i - 1];
      i--;
    }
    ids[i] = id;
    distances[i] = d;
  }
}
