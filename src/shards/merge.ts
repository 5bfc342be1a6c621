// Merging per-shard top-k lists into one exact top-k: order by the returned distance (dot: largest first),
// ties by the smaller global id, as one index orders its own results.
import type { Metric } from '../metric.js';
import { BatchResult, type SearchResult } from '../index/results.js';

export interface ShardHits extends SearchResult { idOffset: number }

export function mergeTopK(metric: Metric, parts: ShardHits[], k: number): SearchResult {
  const sign = metric === 'dot' ? -1 : 1;
  const hits: { id: number; d: number }[] = [];
  for (const p of parts) for (let i = 0; i < p.ids.length; i++) hits.push({ id: p.ids[i] + p.idOffset, d: p.distances[i] });
  hits.sort((a, b) => sign * (a.d - b.d) || a.id - b.id);
  const n = Math.min(k, hits.length);
  const ids = new Uint32Array(n), distances = new Float32Array(n);
  for (let i = 0; i < n; i++) { ids[i] = hits[i].id; distances[i] = hits[i].d; }
  return { ids, distances };
}

/** Per-shard answers to the same batch (rows of k, with counts), merged row by row. */
export function mergeRows(metric: Metric, parts: (Pick<BatchResult, 'ids' | 'distances' | 'counts'> & { idOffset: number })[], k: number): BatchResult {
  const rows = parts[0].counts.length;
  const out = BatchResult.empty(rows, k);
  for (let r = 0; r < rows; r++) {
    out.setRow(r, mergeTopK(metric, parts.map((p) => ({
      ids: p.ids.subarray(r * k, r * k + p.counts[r]), distances: p.distances.subarray(r * k, r * k + p.counts[r]), idOffset: p.idOffset,
    })), k));
  }
  return out;
}
