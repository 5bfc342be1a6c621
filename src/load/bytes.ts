// Loading from bytes in hand, and the one copy-then-check path every annoy-wasm loader shares.
import { AnnoyError, show } from '../errors.js';
import { HEADER_BYTES, readHeader } from '../format/layout.js';
import { IndexImage, type MemoryPlan } from '../index/image.js';
import { Core } from '../runtime/wasm.js';
import { loadAnnoy } from './annoy.js';
import { checkLoadOptions, type LoadOptions } from './options.js';
import { verify } from './verify.js';

export function loadBytes(bytes: Uint8Array | ArrayBuffer | SharedArrayBuffer, plan: MemoryPlan, options?: LoadOptions): IndexImage {
  const annoy = checkLoadOptions(options);
  let view: Uint8Array;
  if (bytes instanceof Uint8Array) view = bytes;
  else if (bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)) view = new Uint8Array(bytes);
  else throw new AnnoyError('INVALID_ARGUMENT', `bytes ${show(bytes)} is not a Uint8Array, ArrayBuffer or SharedArrayBuffer`);
  if (annoy) return loadAnnoy(view, annoy, plan);
  return load(view.length, view.subarray(0, HEADER_BYTES), plan, (dest) => dest.set(view));
}

/**
 * Checks the header against the real length, reserves exactly the memory the file and its scratch slots need,
 * lets `fill` copy the file in, then verifies checksum and structure. With `afterFill`, the copy is asynchronous.
 */
export function load(fileBytes: number, head: Uint8Array, plan: MemoryPlan, fill: (dest: Uint8Array) => void): IndexImage;
export function load(fileBytes: number, head: Uint8Array, plan: MemoryPlan, fill: (dest: Uint8Array) => void, afterFill: () => Promise<void>): Promise<IndexImage>;
export function load(fileBytes: number, head: Uint8Array, plan: MemoryPlan, fill: (dest: Uint8Array) => void, afterFill?: () => Promise<void>): IndexImage | Promise<IndexImage> {
  readHeader(head, fileBytes);
  const core = new Core(HEADER_BYTES, plan.shared);
  core.bytes.set(head.subarray(0, HEADER_BYTES), core.base);
  IndexImage.reserve(core, plan.slots);
  fill(core.bytes.subarray(core.base, core.base + fileBytes));
  const finish = () => verify(core, fileBytes, plan);
  return afterFill ? afterFill().then(finish) : finish();
}
