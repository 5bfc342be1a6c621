// Loading Annoy's .ann files: converted into this library's layout in fresh wasm memory (format/annoy.ts), then
// the same structure check as every file, with messages in Annoy's terms.
import { AnnoyError } from '../errors.js';
import { readAnnoy } from '../format/annoy.js';
import { HEADER_BYTES, sectionsFor, writeHeader } from '../format/layout.js';
import { IndexImage, type MemoryPlan } from '../index/image.js';
import { Core } from '../runtime/wasm.js';
import type { AnnoyShape } from './options.js';
import { structureProblem } from './verify.js';

export function loadAnnoy(bytes: Uint8Array, shape: AnnoyShape, plan: MemoryPlan): IndexImage {
  const { header, fill } = readAnnoy(bytes, shape.dimensions, shape.metric);
  const fileBytes = sectionsFor(header).fileBytes;
  const core = new Core(HEADER_BYTES, plan.shared);
  writeHeader(core.bytes.subarray(core.base), header);
  const { slot } = IndexImage.reserve(core, plan.slots);
  fill(core.bytes.subarray(core.base, core.base + fileBytes));
  core.exports.seal(core.base, fileBytes);
  const problem = structureProblem(core, slot, shape);
  if (problem) {
    throw new AnnoyError('CORRUPT_INDEX', `not a valid Annoy index of ${shape.dimensions}-d ${shape.metric} nodes: ${problem}: check dimensions and metric (hamming dimensions count bits), or the file is damaged`);
  }
  return IndexImage.open(core, plan.slots);
}
