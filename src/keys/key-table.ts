// String keys: an index built with { keys: true } names its items by strings (catalogue keys, URIs) and numbers
// them itself. The file's SECTION.KEYS holds the keys sorted, as UTF-8, with each rank's id and each id's rank
// (assembly/layout.ts), so one load brings everything, nothing is decoded or hashed at load (the loader checks the
// order in one sequential pass, assembly/keys.ts), and idOf is a binary search over bytes in wasm memory: 12 bytes
// per key beside its UTF-8.
import { AnnoyError, show } from '../errors.js';
import { SECTION } from '../format/layout.js';
import type { IndexImage } from '../index/image.js';

const align16 = (n: number) => Math.ceil(n / 16) * 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The longest key, in UTF-8 bytes: keys are names, not documents. */
export const MAX_KEY_BYTES = 65536;

/** A key as the builder takes it: a non-empty, well-formed string of at most MAX_KEY_BYTES UTF-8 bytes. */
export function checkKey(key: unknown, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0) throw new AnnoyError('INVALID_ARGUMENT', `${what} ${show(key)} is not a non-empty string`);
  const wellFormed = (key as string & { isWellFormed?: () => boolean }).isWellFormed?.() ?? !/[\uD800-\uDFFF]/.test(key.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
  if (!wellFormed) throw new AnnoyError('INVALID_ARGUMENT', `${what} ${show(key)} holds a lone surrogate: it has no UTF-8 form`);
  if (key.length > MAX_KEY_BYTES / 3 && encoder.encode(key).length > MAX_KEY_BYTES) throw new AnnoyError('INVALID_ARGUMENT', `${what} is longer than ${MAX_KEY_BYTES} UTF-8 bytes`);
  return key;
}

// Code point order, which is UTF-8's byte order: a surrogate (a code point past U+FFFF) sorts above every other unit.
const unit = (c: number) => (c >= 0xD800 && c <= 0xDFFF ? c + 0x10000 : c);
function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) return unit(x) - unit(y);
  }
  return a.length - b.length;
}

/** The section's length for `size` ids, `count` present, `keyBytes` of UTF-8 (assembly/layout.ts SECTION_KEYS). */
export function keySectionBytes(size: number, count: number, keyBytes: number): number {
  return align16(4 * (count + 1)) + align16(4 * count) + align16(4 * size) + align16(keyBytes);
}

/** The keys section for keys by id (undefined: a hole): its bytes and the UTF-8 length (the section parameter). */
export function encodeKeys(keys: (string | undefined)[], size: number): { section: Uint8Array; keyBytes: number } {
  const ids: number[] = [];
  for (let id = 0; id < size; id++) if (keys[id] !== undefined) ids.push(id);
  ids.sort((a, b) => compareKeys(keys[a]!, keys[b]!));
  const count = ids.length;
  const offsets = new Uint32Array(count + 1);
  const rank = new Uint32Array(size).fill(0xFFFFFFFF);
  let utf8 = new Uint8Array(Math.max(64, count * 32));
  let at = 0;
  ids.forEach((id, r) => {
    const key = keys[id]!;
    offsets[r] = at;
    rank[id] = r;
    if (utf8.length - at < key.length * 3) {
      const grown = new Uint8Array(Math.max(utf8.length * 2, at + key.length * 3));
      grown.set(utf8.subarray(0, at));
      utf8 = grown;
    }
    at += encoder.encodeInto(key, utf8.subarray(at)).written;
  });
  offsets[count] = at;
  const orderAt = align16(4 * (count + 1)), rankAt = orderAt + align16(4 * count), bytesAt = rankAt + align16(4 * size);
  const section = new Uint8Array(keySectionBytes(size, count, at));
  section.set(new Uint8Array(offsets.buffer), 0);
  section.set(new Uint8Array(Uint32Array.from(ids).buffer), orderAt);
  section.set(new Uint8Array(rank.buffer), rankAt);
  section.set(utf8.subarray(0, at), bytesAt);
  return { section, keyBytes: at };
}

/** The keys of a loaded index, read in place. */
export class KeyTable {
  readonly #image: IndexImage;
  readonly #at: number;
  readonly #size: number;
  readonly #count: number;
  #buffer: ArrayBufferLike | null = null;
  #offsets!: Uint32Array;
  #order!: Uint32Array;
  #rank!: Uint32Array;
  #bytes!: Uint8Array;

  constructor(image: IndexImage) {
    this.#image = image;
    this.#at = image.core.base + image.sections.extra[SECTION.KEYS].offset;
    this.#size = image.header.size;
    this.#count = image.header.count;
  }

  /** The views, made again when the memory has grown (a private memory's growth detaches them). */
  #views(): void {
    const buffer = this.#image.core.memory.buffer;
    if (buffer === this.#buffer) return;
    this.#buffer = buffer;
    const orderAt = this.#at + align16(4 * (this.#count + 1));
    const rankAt = orderAt + align16(4 * this.#count);
    const bytesAt = rankAt + align16(4 * this.#size);
    this.#offsets = new Uint32Array(buffer, this.#at, this.#count + 1);
    this.#order = new Uint32Array(buffer, orderAt, this.#count);
    this.#rank = new Uint32Array(buffer, rankAt, this.#size);
    this.#bytes = new Uint8Array(buffer, bytesAt, this.#offsets[this.#count]);
  }

  /** The key of present id `id` (the caller checked it). */
  keyOf(id: number): string {
    this.#views();
    const r = this.#rank[id];
    // a copy: TextDecoder refuses views of shared memory
    return decoder.decode(this.#bytes.slice(this.#offsets[r], this.#offsets[r + 1]));
  }

  /** The id of `key`, or -1. */
  idOf(key: string): number {
    this.#views();
    const want = encoder.encode(key);
    const bytes = this.#bytes, offsets = this.#offsets;
    let lo = 0, hi = this.#count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const a = offsets[mid], la = offsets[mid + 1] - a;
      let c = 0;
      const n = Math.min(la, want.length);
      for (let i = 0; i < n && c === 0; i++) c = bytes[a + i] - want[i];
      if (c === 0) c = la - want.length;
      if (c === 0) return this.#order[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The keys of `ids` (unused batch slots, 0xFFFFFFFF, as ''). */
  keysOf(ids: Uint32Array): string[] {
    return Array.from(ids, (id) => (id === 0xFFFFFFFF ? '' : this.keyOf(id)));
  }
}
