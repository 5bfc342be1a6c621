// What every loader takes: the file's format (and, for Annoy's headerless files, its shape), and for downloads
// progress and cancellation.
import { AnnoyError, show } from '../errors.js';
import { checkOptions } from '../checks.js';
import { MAX_DIMENSIONS } from '../format/layout.js';
import { metricCode, type Metric } from '../metric.js';

export interface LoadOptions {
  /** 'annoy-wasm' (the default) is this library's format; 'annoy' is Annoy's .ann file, which needs the two below. */
  format?: 'annoy-wasm' | 'annoy';
  /** Annoy files: the f the index was built with (hamming: bits). */
  dimensions?: number;
  /** Annoy files: the metric the index was built with. */
  metric?: Metric;
}
/** Bytes of a download so far, and in all when known (from the file's header, or the Content-Length). */
export interface LoadProgress { loaded: number; total: number | undefined }
export interface URLLoadOptions extends LoadOptions {
  /** Called as the body streams in (once per chunk), and once at the end with loaded === total. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts the download (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** The shape an Annoy file does not record. */
export interface AnnoyShape { dimensions: number; metric: Metric }

/** Checks load options; returns what an Annoy file needs, or undefined for this library's format. */
export function checkLoadOptions(options: LoadOptions | undefined): AnnoyShape | undefined {
  const o = checkOptions(options, ['format', 'dimensions', 'metric'], 'load');
  if (o.format === undefined || o.format === 'annoy-wasm') {
    if (o.dimensions !== undefined || o.metric !== undefined) {
      throw new AnnoyError('INVALID_ARGUMENT', "dimensions and metric are options of format 'annoy' (an annoy-wasm file records its own)");
    }
    return undefined;
  }
  if (o.format !== 'annoy') throw new AnnoyError('INVALID_ARGUMENT', `format ${show(o.format)} is not 'annoy-wasm' or 'annoy'`);
  const { dimensions, metric } = o;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
    throw new AnnoyError('INVALID_ARGUMENT', `an Annoy file needs { dimensions }: the f it was built with, an integer in [1, ${MAX_DIMENSIONS}] (got ${show(dimensions)})`);
  }
  if (metric === undefined) throw new AnnoyError('INVALID_ARGUMENT', 'an Annoy file needs { metric }: the metric it was built with (Annoy files do not record it)');
  metricCode(metric);
  return { dimensions, metric: metric as Metric };
}
