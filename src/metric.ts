import { AnnoyError, show } from './errors.js';

export type Metric = 'angular' | 'euclidean' | 'manhattan' | 'dot' | 'hamming';

/** Metric names in the order of their codes in the file header (assembly/layout.ts METRIC_*). */
export const METRICS: readonly Metric[] = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];

export function metricCode(metric: unknown): number {
  const code = METRICS.indexOf(metric as Metric);
  if (code < 0) {
    throw new AnnoyError('INVALID_ARGUMENT', `unknown metric ${show(metric)}: expected one of ${METRICS.join(', ')}`);
  }
  return code;
}
