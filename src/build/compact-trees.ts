// Compact trees (assembly/compact.ts): a build's forest made compact after everything that reads full records (the
// graph's seeding) is done, and a compact index's forest made full again for an Annoy file. Both re-lay the file
// in place the way convertStorage does: the sections after the nodes move to where the new layout puts them.
import { AnnoyError, show } from '../errors.js';
import {
  HEADER_BYTES, SECTION, bitsFor, compactNodeBytesFor, nodeBytesFor, readHeaderFields, sectionsFor, treeEncodingOf, writeHeader,
  type Header, type TreeEncoding,
} from '../format/layout.js';
import { PARAM_LEAF_ID_BITS, PARAM_TREE_ENCODING, TREES_BUILDING_COMPACT, TREES_COMPACT } from '../format/constants.js';
import { IndexImage } from '../index/image.js';
import { Core } from '../runtime/wasm.js';

export type { TreeEncoding };
export const TREE_ENCODINGS: readonly TreeEncoding[] = ['full', 'compact'];

const align64 = (n: number) => Math.ceil(n / 64) * 64;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** The `treeEncoding` option checked. */
export function checkTreeEncoding(value: unknown): TreeEncoding {
  if (!TREE_ENCODINGS.includes(value as TreeEncoding)) throw new AnnoyError('INVALID_ARGUMENT', `treeEncoding ${show(value)} is not 'full' or 'compact'`);
  return value as TreeEncoding;
}

/** A build's header parameter for its trees: compact split records inside full-size ones while the trees are built. */
export function buildingParams(h: Header, encoding: TreeEncoding): Header {
  const sectionParams = [...h.sectionParams];
  sectionParams[PARAM_TREE_ENCODING] = encoding === 'compact' && h.count > 0 ? TREES_BUILDING_COMPACT : 0;
  return { ...h, sectionParams };
}

/**
 * Moves everything after the nodes of `from`'s layout (at core.base) to `next`'s, with new nodes, roots and leaf
 * stream written by `write` into the places it is given. In-memory screening codes past the file move too when
 * `codes` says they are there (not when they are still to be computed, by IndexImage.open: their copy would only
 * grow the memory).
 */
function relayout(core: Core, from: Header, next: Header, scratchFrom: number, codes: boolean, write: (nodes: number, roots: number, stream: number) => void): void {
  const base = core.base;
  const os = sectionsFor(from), ns = sectionsFor(next);
  const codesBytes = codes ? os.memoryCodesBytes - (align64(os.fileBytes) - os.fileBytes) : 0;
  const tail = align64(scratchFrom);
  const tailBytes = os.fileBytes - os.rootsOffset;
  const codesAt = align64(tail + tailBytes);
  const out = align64(codesAt + Math.max(0, codesBytes));
  const rootsOut = out + align16(ns.nodesBytes);
  const streamOut = align64(rootsOut + ns.rootsBytes);
  core.ensure(streamOut + ns.extra[SECTION.LEAVES].bytes + 64, 're-laying the trees of this index');
  const bytes = core.bytes;
  bytes.copyWithin(tail, base + os.rootsOffset, base + os.fileBytes);
  if (codesBytes > 0) bytes.copyWithin(codesAt, base + align64(os.fileBytes), base + align64(os.fileBytes) + codesBytes);
  bytes.fill(0, out, streamOut + ns.extra[SECTION.LEAVES].bytes);
  write(out, rootsOut, streamOut);
  bytes.copyWithin(base + ns.nodesOffset, out, out + ns.nodesBytes);
  bytes.copyWithin(base + ns.rootsOffset, rootsOut, rootsOut + ns.rootsBytes);
  const move = (toOffset: number, fromOffset: number, length: number) => {
    if (length > 0) bytes.copyWithin(base + toOffset, tail + fromOffset - os.rootsOffset, tail + fromOffset - os.rootsOffset + length);
  };
  os.extra.forEach((section, kind) => { if (kind !== SECTION.LEAVES) move(ns.extra[kind].offset, section.offset, section.bytes); });
  const leaves = ns.extra[SECTION.LEAVES];
  if (leaves.bytes > 0) bytes.copyWithin(base + leaves.offset, streamOut, streamOut + leaves.bytes);
  move(ns.codesOffset, os.codesOffset, os.codesBytes);
  writeHeader(bytes.subarray(base), next);
  // What the old layout and the scratch left behind is cleared; the codes (below the scratch) go back past the file.
  const codesTo = base + align64(ns.fileBytes);
  bytes.fill(0, base + ns.fileBytes, codesTo);
  if (codesBytes > 0) bytes.copyWithin(codesTo, codesAt, codesAt + codesBytes);
  bytes.fill(0, codesTo + Math.max(0, codesBytes), streamOut + leaves.bytes + 64);
}

/**
 * Makes the built forest at core.base compact (header TREES_BUILDING_COMPACT: its split records are compact ones in
 * full-size records); a no-op for any other header. `codes`: the screening codes past the file are computed and
 * move with it (else IndexImage.open computes them later). The caller seals the checksum.
 */
export function compactTrees(core: Core, codes: boolean): void {
  const base = core.base;
  const from = readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES));
  if (from.sectionParams[PARAM_TREE_ENCODING] !== TREES_BUILDING_COMPACT) return;
  const x = core.exports;
  const os = sectionsFor(from);
  const scratch = align64(base + os.memoryBytes);
  const map = scratch;
  core.ensure(map + 4 * from.nodeCount + 64, 're-laying the trees of this index');
  const words = x.compactForest(base, 0, 0, 0, map) >>> 0; // count only
  const splits = x.compactSplits.value as number;
  const sectionParams = [...from.sectionParams], sectionBytes = [...from.sectionBytes];
  sectionParams[PARAM_TREE_ENCODING] = TREES_COMPACT;
  sectionParams[PARAM_LEAF_ID_BITS] = bitsFor(from.size - 1);
  sectionBytes[SECTION.LEAVES] = align16(4 * (words + 1));
  const next: Header = { ...from, nodeCount: splits, nodeBytes: compactNodeBytesFor(from.metric, from.dimensions), sectionParams, sectionBytes };
  relayout(core, from, next, map + 4 * from.nodeCount, codes, (nodes, roots, stream) => {
    x.compactForest(base, nodes, roots, stream, map);
  });
}

/** The same index with full trees (dequantised planes, u32 ids), in memory of its own: for Annoy files. */
export function withFullTrees(image: IndexImage): IndexImage {
  if (treeEncodingOf(image.header) !== 'compact') return image;
  const fileBytes = image.sections.fileBytes;
  const core = new Core(HEADER_BYTES, false);
  core.ensure(core.base + fileBytes, `a copy of this ${fileBytes}-byte index`);
  core.bytes.set(image.file, core.base);
  const base = core.base, x = core.exports;
  const from = readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES));
  const nodes = x.expandedNodes(base) >>> 0;
  const sectionParams = [...from.sectionParams], sectionBytes = [...from.sectionBytes];
  sectionParams[PARAM_TREE_ENCODING] = 0;
  sectionParams[PARAM_LEAF_ID_BITS] = 0;
  sectionBytes[SECTION.LEAVES] = 0;
  const fullBytes = nodeBytesFor(from.stride, from.leafCapacity);
  const next: Header = { ...from, nodeCount: nodes, nodeBytes: fullBytes, sectionParams, sectionBytes };
  const ns = sectionsFor(next);
  const map = align64(base + Math.max(sectionsFor(from).memoryBytes, ns.memoryBytes));
  const scratchFrom = map + 4 * from.nodeCount;
  core.ensure(scratchFrom + 64, 're-laying the trees of this index');
  // expandForest reads the compact file in place: write the full forest into scratch first, then re-lay.
  const full = align64(scratchFrom);
  core.ensure(full + ns.nodesBytes + ns.rootsBytes + 64, 're-laying the trees of this index');
  const fullRoots = full + align16(ns.nodesBytes);
  x.expandForest(base, fullBytes, full, fullRoots, map);
  relayout(core, from, next, fullRoots + ns.rootsBytes, false, (toNodes, toRoots) => { // IndexImage.open computes the codes
    core.bytes.copyWithin(toNodes, full, full + ns.nodesBytes);
    core.bytes.copyWithin(toRoots, fullRoots, fullRoots + ns.rootsBytes);
  });
  core.exports.seal(base, ns.fileBytes);
  return IndexImage.open(core, 1);
}
