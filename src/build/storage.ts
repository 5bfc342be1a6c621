// How item vectors are stored (assembly/storage.ts): checking the option, and converting an index in memory from
// one storage to another. A build makes its float32 index (trees, screening, graph: all from the vectors as given),
// then converts its vectors; Index.withStorage converts a loaded one (an Annoy file, say) the same way, so both give
// the same bytes; toAnnoyBytes widens back to float32.
import { AnnoyError, show } from '../errors.js';
import {
  HEADER_BYTES, STORAGES, readHeaderFields, sectionsFor, storageOf, withStorageParams, writeHeader, type Storage, type Header,
} from '../format/layout.js';
import { IndexImage } from '../index/image.js';
import type { Metric } from '../metric.js';
import { Core } from '../runtime/wasm.js';

export type { Storage };

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** The `storage` option checked: hamming vectors are already one bit a dimension, so only float32 (bits) fits them. */
export function checkStorage(metric: Metric, storage: unknown): Storage {
  if (!STORAGES.includes(storage as Storage)) {
    throw new AnnoyError('INVALID_ARGUMENT', `storage ${show(storage)} is not 'float32', 'float16', 'bfloat16' or 'int8'`);
  }
  if (metric === 'hamming' && storage !== 'float32') {
    throw new AnnoyError('INVALID_ARGUMENT', `storage ${show(storage)} does not fit hamming: its vectors are already packed bits, one a dimension`);
  }
  return storage as Storage;
}

/**
 * Converts the index at core.base (header in memory, not yet sealed) to `to` storage, in place: the vectors are
 * re-encoded, everything after them moves to where the new layout puts it. The caller seals the checksum.
 * A value `to` cannot hold (float16 beyond 65504) is INVALID_ARGUMENT, and then nothing has changed.
 */
export function convertStorage(core: Core, to: Storage): void {
  const base = core.base;
  const from = readHeaderFields(core.bytes.subarray(base, base + HEADER_BYTES));
  const fromKind = storageOf(from)!;
  if (fromKind === to) return;
  const next: Header = withStorageParams(from, to);
  const os = sectionsFor(from), ns = sectionsFor(next);
  const x = core.exports, kinds = [STORAGES.indexOf(fromKind), STORAGES.indexOf(to)] as const;
  if (ns.presentOffset <= os.presentOffset) {
    // Records that shrink (every build's case): each is written at or before where it was read, and below the
    // present bitmap, so the file itself is read and everything after the vectors moves down by the same amount
    // afterwards. No copy of it: that copy would stay in a builder's memory (the nodes' size and more).
    const work = align64(base + os.fileBytes);
    core.ensure(work + Number(x.convertScratchBytes(from.dimensions)), `converting this index's vectors to ${to}`);
    const present = base + os.presentOffset;
    const bad = x.convertItems(base, kinds[0], kinds[1], present, work, 1);
    if (bad >= 0) throw tooBig(bad);
    x.convertItems(base, kinds[0], kinds[1], present, work, 0);
    core.bytes.copyWithin(base + ns.presentOffset, present, base + os.fileBytes);
    writeHeader(core.bytes.subarray(base), next);
    core.bytes.fill(0, base + ns.fileBytes, work + Number(x.convertScratchBytes(from.dimensions))); // what the old layout left behind
    return;
  }
  // Records that grow: scratch past both layouts, a copy of everything after the vectors (present bitmap first),
  // then the work area.
  const tail = align64(base + Math.max(os.fileBytes, ns.fileBytes));
  const tailBytes = os.fileBytes - os.presentOffset;
  const work = align64(tail + tailBytes);
  core.ensure(work + Number(x.convertScratchBytes(from.dimensions)), `converting this index's vectors to ${to}`);
  core.bytes.copyWithin(tail, base + os.presentOffset, base + os.fileBytes);
  const bad = x.convertItems(base, kinds[0], kinds[1], tail, work, 1);
  if (bad >= 0) {
    core.bytes.fill(0, tail, work);
    throw tooBig(bad);
  }
  x.convertItems(base, kinds[0], kinds[1], tail, work, 0);
  const bytes = core.bytes;
  const move = (toOffset: number, fromOffset: number, length: number) => {
    if (length > 0) bytes.copyWithin(base + toOffset, tail + fromOffset - os.presentOffset, tail + fromOffset - os.presentOffset + length);
  };
  move(ns.presentOffset, os.presentOffset, os.presentBytes);
  move(ns.nodesOffset, os.nodesOffset, os.nodesBytes);
  move(ns.rootsOffset, os.rootsOffset, os.rootsBytes);
  os.extra.forEach((section, kind) => move(ns.extra[kind].offset, section.offset, section.bytes));
  move(ns.codesOffset, os.codesOffset, os.codesBytes);
  writeHeader(bytes.subarray(base), next);
  bytes.fill(0, base + ns.fileBytes, work); // what the old layout and the copy left behind
}

function tooBig(item: number): AnnoyError {
  return new AnnoyError('INVALID_ARGUMENT', `item ${item} holds a value beyond float16's largest (65504): store it as bfloat16 or float32`);
}

/** The same index with its vectors stored as `storage`, in memory of its own (Index.withStorage). */
export function withStorage(from: IndexImage, storage: unknown): IndexImage {
  const to = checkStorage(from.header.metric, storage);
  const fileBytes = from.sections.fileBytes;
  const core = new Core(HEADER_BYTES, false);
  core.ensure(core.base + fileBytes, `a copy of this ${fileBytes}-byte index`);
  core.bytes.set(from.file, core.base);
  convertStorage(core, to);
  core.exports.seal(core.base, sectionsFor(readHeaderFields(core.bytes.subarray(core.base, core.base + HEADER_BYTES))).fileBytes);
  return IndexImage.open(core, 1);
}
