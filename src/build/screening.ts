// Screening parameters (assembly/codes.ts): checking the options, the header fields they start from, and computing
// them for an index in memory. Used when an index is built (IndexBuilder) and when one gains or changes screening
// later (Index.withScreening: an Annoy file, say). The codes themselves are computed by IndexImage.open, as on every
// load, from these parameters.
import { AnnoyError, show } from '../errors.js';
import { checkOptions } from '../checks.js';
import {
  CODES, HEADER_BYTES, MAX_AUTO_COMPONENTS, MAX_PCA_DIMENSIONS, MAX_SCREENING_DIMENSIONS, PCA_METRICS, readHeaderFields,
  sectionsFor, writeHeader, type Codes as Screening, type Header,
} from '../format/layout.js';
import { IndexImage } from '../index/image.js';
import type { Metric } from '../metric.js';
import { Core } from '../runtime/wasm.js';

export type { Screening };

/** What IndexBuilder's `screening` option takes: a kind of codes, or 'auto' (the default) to choose one from the data. */
export type ScreeningChoice = Screening | 'auto';

/**
 * At this many dimensions or fewer a float32 vector fits in one 64-byte cache line: a code saves no memory read, only
 * adds work, so 'auto' picks none. (Above it int8 pays: on glove projected to 25 dimensions it lifted queries/s from
 * 1.82x to 2.06x native Annoy's, bench/results/scaling-2026-11-22T02-45-36-842Z.md.)
 */
export const AUTO_MAX_PLAIN_DIMENSIONS = 16;
/** 'auto' picks pca when the components holding 90% of the variance are at most this share of the dimensions. */
export const AUTO_PCA_SHARE = 0.25;

/**
 * The screening 'auto' tries first, before the data is seen: pca where it may apply (its components are then chosen
 * from the data, and autoFallback decides whether they are few enough), else int8 where it applies, else none.
 */
export function autoScreening(metric: Metric, dimensions: number): Screening {
  if (metric === 'hamming' || dimensions <= AUTO_MAX_PLAIN_DIMENSIONS) return 'none';
  if (PCA_METRICS.includes(metric) && dimensions <= MAX_PCA_DIMENSIONS) return 'pca';
  return dimensions <= MAX_SCREENING_DIMENSIONS ? 'int8' : 'none';
}

/**
 * After 'auto' computed pca's components: the screening to use instead when they are too many (the variance is
 * spread over the dimensions, as glove-100's: 80 of 100 for 90%), or null to keep pca (fashion-mnist: 80 of 784).
 */
export function autoFallback(dimensions: number, components: number): Screening | null {
  if (components <= AUTO_PCA_SHARE * dimensions) return null;
  return dimensions <= MAX_SCREENING_DIMENSIONS ? 'int8' : 'none';
}

/** The options checked; `asked` is what the core takes: pca's components (0: chosen by variance), int8 the dimensions. */
export function checkScreening(metric: Metric, dimensions: number, screening: unknown, screeningDimensions: unknown): { screening: Screening; asked: number } {
  if (!CODES.includes(screening as Screening)) throw new AnnoyError('INVALID_ARGUMENT', `screening ${show(screening)} is not 'none', 'int8' or 'pca'`);
  if (screening !== 'none') {
    const why = metric === 'hamming' ? 'hamming vectors are already one bit a dimension'
      : screening === 'pca' && !PCA_METRICS.includes(metric) ? `pca screening is for ${PCA_METRICS.join(', ')} (principal components keep squared L2 distances and dot products, not ${metric}'s)`
      : screening === 'int8' && dimensions > MAX_SCREENING_DIMENSIONS ? `int8 screening goes up to ${MAX_SCREENING_DIMENSIONS} dimensions`
      : screening === 'pca' && dimensions > MAX_PCA_DIMENSIONS ? `pca screening goes up to ${MAX_PCA_DIMENSIONS} dimensions (its covariance matrix grows with their square)`
      : undefined;
    if (why) throw new AnnoyError('INVALID_ARGUMENT', `screening ${show(screening)} does not fit ${dimensions}-d ${metric}: ${why}`);
  }
  if (screeningDimensions !== undefined && (screening !== 'pca' || typeof screeningDimensions !== 'number' || !Number.isInteger(screeningDimensions) || screeningDimensions < 1 || screeningDimensions > dimensions)) {
    throw new AnnoyError('INVALID_ARGUMENT', screening !== 'pca'
      ? `screeningDimensions ${show(screeningDimensions)} is for screening: 'pca' only`
      : `screeningDimensions ${show(screeningDimensions)} is not an integer in [1, ${dimensions}]`);
  }
  const asked = screening === 'int8' ? dimensions : screening === 'pca' ? (screeningDimensions as number | undefined) ?? 0 : 0;
  return { screening: screening as Screening, asked };
}

/** Header fields before the parameters are computed (pca: room for the most components the core may keep). */
export function screeningFields(screening: Screening, asked: number, dimensions: number): Pick<Header, 'codes' | 'codeScale' | 'codeBias' | 'codeDimensions'> {
  return {
    codes: screening, codeScale: screening === 'none' ? 0 : 1, codeBias: 0,
    codeDimensions: screening === 'pca' ? Math.min(dimensions, asked || MAX_AUTO_COMPONENTS) : asked,
  };
}

/**
 * Computes the parameters into the file at core.base, whose header (with screeningFields) is in memory and whose
 * codes section is zero: the header's scale and bias, and for pca the basis and the number of components kept, which
 * settles the codes section's length. The caller seals the checksum.
 */
export function computeScreening(core: Core, asked: number): void {
  const base = core.base;
  const before = sectionsFor(readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES)));
  const scratch = Math.ceil((base + before.memoryBytes) / 64) * 64; // past anything the codes section or the codes may take
  core.ensure(scratch + (core.exports.screeningScratchBytes(base, asked) >>> 0), 'the screening codes');
  core.exports.prepareScreening(base, asked, scratch); // writes scale, bias and m into the header
  const header = readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES));
  writeHeader(core.bytes.subarray(base), header); // the sections that follow from m
  core.bytes.fill(0, base + sectionsFor(header).fileBytes, base + before.fileBytes); // basis rows beyond the m kept
}

/**
 * The same index with other screening, in memory of its own: everything before the codes section (vectors, present,
 * nodes, roots) does not depend on screening and is copied; the parameters are computed as a build computes them.
 */
export function withScreening(from: IndexImage, options: unknown): IndexImage {
  const o = checkOptions(options, ['screening', 'screeningDimensions'], 'withScreening');
  const { metric, dimensions } = from.header;
  const { screening, asked } = checkScreening(metric, dimensions, o.screening, o.screeningDimensions);
  const header: Header = { ...from.header, ...screeningFields(screening, asked, dimensions), checksum: 0n };
  const s = sectionsFor(header);
  const core = new Core(HEADER_BYTES, false);
  core.ensure(core.base + s.fileBytes, `a copy of this ${s.fileBytes}-byte index`);
  core.bytes.set(from.file.subarray(0, s.codesOffset), core.base);
  writeHeader(core.bytes.subarray(core.base), header);
  if (screening !== 'none') computeScreening(core, asked);
  core.exports.seal(core.base, sectionsFor(readHeaderFields(core.bytes.subarray(core.base, core.base + HEADER_BYTES))).fileBytes);
  return IndexImage.open(core, 1);
}
