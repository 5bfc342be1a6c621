// Screening parameters (assembly/codes.ts): checking the options, the header fields they start from, and computing
// them for an index in memory. Used when an index is built (IndexBuilder) and when one gains or changes screening
// later (Index.withScreening: an Annoy file, say). The codes themselves are computed by Index.fromCore, as on every
// load, from these parameters.
import { AnnoyError, show } from './errors.js';
import {
  CODES, H, MAX_AUTO_COMPONENTS, MAX_PCA_DIMENSIONS, MAX_SCREENING_DIMENSIONS, PCA_METRICS, sectionsFor, writeHeader,
  type Codes as Screening, type Header,
} from './format/layout.js';
import type { Metric } from './metric.js';
import type { Core } from './runtime/wasm.js';

export type { Screening };

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
 * Computes the parameters into the file at core.base, whose header (from screeningFields) is written and whose
 * codes section is zero: the header's scale and bias, and for pca the basis and the number of components kept.
 * Updates `header` and the header in memory; the caller seals the checksum.
 */
export function computeScreening(core: Core, header: Header, asked: number): void {
  const base = core.base;
  const s = sectionsFor(header);
  const scratch = Math.ceil((base + s.memoryBytes) / 64) * 64; // past anything the codes section or the codes may take
  core.ensure(scratch + (core.exports.screeningScratchBytes(base, asked) >>> 0), 'the screening codes');
  header.codeDimensions = core.exports.prepareScreening(base, asked, scratch) >>> 0;
  const dv = new DataView(core.memory.buffer, base);
  header.codeScale = dv.getFloat32(H.CODE_SCALE, true);
  header.codeBias = dv.getFloat32(H.CODE_BIAS, true);
  core.bytes.fill(0, base + sectionsFor(header).fileBytes, base + s.fileBytes); // basis rows beyond the m kept
  writeHeader(core.bytes.subarray(base), header);
}
