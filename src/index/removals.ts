// Removed items (tombstones). An index hides removed ids from every later result without a rebuild: the image
// keeps a bitmap of them in memory beside the file (IndexImage.removed), the core skips them as it collects
// candidates (assembly/search.ts collect, the `hidden` bitmap), and the facades refuse them as ids (INVALID_ID).
// A file carries them as the optional section SECTION.REMOVED (a bitmap like `present`, its count in the section
// parameter PARAM_REMOVED_COUNT), written by toBytes/save and checked by the loader (assembly/validate.ts).
// The trees still list removed ids; a file with many removals is best rebuilt (the walk reads past them).
import { AnnoyError } from '../errors.js';
import { PARAM_REMOVED_COUNT, SECTION, headerBytesFor, sectionsFor, writeHeader, type Header } from '../format/layout.js';
import { checkId } from '../checks.js';
import { Core } from '../runtime/wasm.js';
import type { IndexImage } from './image.js';

/** Copies a loaded file's removed section into the image's removed bitmap. */
export function loadRemovals(image: IndexImage): void {
  const { bytes, offset } = image.sections.extra[SECTION.REMOVED];
  if (bytes === 0) return;
  const words = Math.ceil(image.header.size / 32);
  image.removedWords().set(new Uint32Array(image.core.memory.buffer, image.core.base + offset, words));
  image.removed.count = image.header.sectionParams[PARAM_REMOVED_COUNT];
}

/**
 * Marks `ids` removed in `image` (ids already removed stay so). Every id must be a present id (INVALID_ID names
 * the first that is not); nothing is marked unless all are. Returns how many were newly removed.
 */
export function removeIds(image: IndexImage, ids: ArrayLike<number>, idOffset = 0, checkOnly = false): number {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw new AnnoyError('INVALID_ARGUMENT', 'remove takes ids: a Uint32Array or an array of ids');
  }
  for (let i = 0; i < ids.length; i++) {
    const id = checkId(ids[i]) - idOffset;
    if (id < 0 || id >= image.header.size) throw new AnnoyError('INVALID_ID', `id ${ids[i]} is out of range: the index holds ids below ${image.header.size + idOffset}`);
    if (!image.isPresent(id)) throw new AnnoyError('INVALID_ID', `id ${ids[i]} is a hole: it was never added`);
  }
  if (checkOnly) return 0;
  const words = image.removedWords();
  let added = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] - idOffset;
    const bit = 1 << (id & 31);
    if ((words[id >>> 5] & bit) === 0) {
      words[id >>> 5] |= bit;
      added++;
    }
  }
  image.removed.count += added;
  return added;
}

/**
 * The file of `image` as it must be saved: its own bytes when nothing was removed and it carries no removed
 * section; else a version-2 file with the removed section as it is now (none when nothing is removed), resealed.
 * A copy either way.
 */
export function fileWithRemovals(image: IndexImage): Uint8Array {
  const had = image.sections.extra[SECTION.REMOVED].bytes > 0;
  if (!had && image.removed.count === 0) return image.file.slice();
  const old = image.header;
  const sectionBytes = old.sectionBytes.slice();
  const sectionParams = old.sectionParams.slice();
  sectionParams[PARAM_REMOVED_COUNT] = image.removed.count;
  sectionBytes[SECTION.REMOVED] = image.removed.count > 0 ? Math.ceil(Math.ceil(old.size / 32) * 4 / 16) * 16 : 0;
  const header: Header = { ...old, version: 2, sectionBytes, sectionParams, checksum: 0n };
  const from = image.sections, to = sectionsFor(header);
  const core = new Core(to.fileBytes); // the checksum is the core's: seal the new file in a memory of its own
  const out = core.bytes.subarray(core.base, core.base + to.fileBytes);
  writeHeader(out, header);
  const src = image.file;
  // vectors, present, nodes and roots are contiguous in every version: one copy, moved by the header's growth
  out.set(src.subarray(headerBytesFor(old.version), from.rootsOffset + from.rootsBytes), to.vectorsOffset);
  from.extra.forEach(({ offset, bytes }, kind) => {
    if (kind !== SECTION.REMOVED && bytes > 0) out.set(src.subarray(offset, offset + bytes), to.extra[kind].offset);
  });
  if (image.removed.count > 0) {
    out.set(new Uint8Array(image.core.memory.buffer, image.removed.at, Math.ceil(old.size / 32) * 4), to.extra[SECTION.REMOVED].offset);
  }
  out.set(src.subarray(from.codesOffset, from.codesOffset + from.codesBytes), to.codesOffset);
  core.exports.seal(core.base, to.fileBytes);
  return out.slice();
}
