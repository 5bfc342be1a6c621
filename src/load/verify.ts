// The checks after a file is in memory: checksum, then structure (assembly/validate.ts), each failure a
// CORRUPT_INDEX that says what failed. A file that passes becomes an IndexImage.
import { AnnoyError } from '../errors.js';
import { PROBLEM, readHeader } from '../format/layout.js';
import { IndexImage, type MemoryPlan } from '../index/image.js';
import { Core } from '../runtime/wasm.js';
import type { AnnoyShape } from './options.js';

const STRUCTURE_PROBLEMS: Record<number, (detail: number) => string> = {
  [PROBLEM.BAD_VECTOR]: (d) => `item ${d}'s vector holds NaN/Infinity, a squared norm that overflows float32, or non-zero padding`,
  [PROBLEM.BAD_PRESENT]: (d) => `the present-items bitmap is inconsistent (near id ${d})`,
  [PROBLEM.BAD_NODE]: (d) => `node ${d} is malformed (tag, leaf count, plane or split bit)`,
  [PROBLEM.BAD_REF]: (d) => `node ${d} refers to a node that is not earlier, to a node twice, or to an id past the items (or, as a child, never added)`,
  [PROBLEM.BAD_ROOT]: (d) => `the root of tree ${d} is not a valid node or item`,
  [PROBLEM.BAD_CODES]: (d) => `pca screening basis row ${d} is not finite, of unit length and zero padded`,
  [PROBLEM.BAD_GRAPH]: (d) => `the graph row of item ${d} lists an id past the items, a hole, the item itself, or an id after its end (or the section's padding is not zero)`,
  [PROBLEM.BAD_NEAREST]: (d) => `the stored nearest neighbours of item ${d} list an id past the items, a hole, the item itself, an id twice or after the row's end (or a hole's row lists one, or unused bits or the section's padding are not zero)`,
  [PROBLEM.BAD_LEAVES]: (d) => `compact trees: the leaf stream is inconsistent near split or tree ${d} (a leaf out of order or past the stream, a count or id out of range, an id not present, or non-zero padding)`,
  [PROBLEM.BAD_KEYS]: (d) => `the string keys section is inconsistent near id ${d} (offsets, UTF-8, or keys out of order or repeated)`,
  [PROBLEM.BAD_REMOVED]: (d) => `the removed-items section marks an id that was never added, or not as many ids as it says (near ${d})`,
};

// What the same failures mean in a converted Annoy file.
const ANNOY_PROBLEMS: Record<number, (detail: number, shape: AnnoyShape) => string> = {
  [PROBLEM.BAD_VECTOR]: (d, { metric }) => `item ${d}'s vector holds ${metric === 'hamming' ? 'bits past the dimensions' : 'NaN, Infinity or a squared norm that overflows float32'}`,
  [PROBLEM.BAD_NODE]: (d) => `a split (node ${d} once converted) holds NaN or Infinity, or tests a bit past the dimensions`,
};

/** The structure check's finding (assembly/validate.ts), as words; undefined when the file passes. */
export function structureProblem(core: Core, slot: number, annoy?: AnnoyShape): string | undefined {
  const problem = core.exports.validate(core.base, slot);
  if (problem === 0) return undefined;
  const detail = (core.exports.validateDetail.value as number) >>> 0;
  return (annoy && ANNOY_PROBLEMS[problem]?.(detail, annoy)) ?? STRUCTURE_PROBLEMS[problem]?.(detail) ?? `structure check ${problem} failed`;
}

/**
 * The checks of a file copied whole to core.base (its header already checked against its length): checksum, then
 * structure; then its image, with the plan's scratch slots.
 */
export function verify(core: Core, fileBytes: number, plan: MemoryPlan): IndexImage {
  // The header again, as copied: a file rewritten between the first read and the copy must still match its length.
  const header = readHeader(core.bytes.subarray(core.base, core.base + fileBytes), fileBytes);
  const { slot } = IndexImage.reserve(core, plan.slots); // a stream of unknown length reserves only now
  const sum = BigInt.asUintN(64, core.exports.checksum(core.base, fileBytes));
  if (sum !== header.checksum) {
    throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: checksum mismatch (stored ${header.checksum.toString(16)}, computed ${sum.toString(16)}): the file is damaged`);
  }
  const problem = structureProblem(core, slot);
  if (problem) throw new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${problem}`);
  return IndexImage.open(core, plan.slots);
}
