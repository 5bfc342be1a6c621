// Where an index's filters live: fixed-size bitmaps (one bit per id) after its scratch slots, in the same wasm
// memory as the index. An Index grows its private memory for more (its views are refreshed); a pool reserves a
// fixed number before its workers start (PoolOptions.filters), so its shared memory never grows under them.
import { AnnoyError } from '../errors.js';
import type { Core } from '../runtime/wasm.js';

const align64 = (n: number) => Math.ceil(n / 64) * 64;

export class FilterArena {
  readonly #core: Core;
  readonly #start: number;
  /** One filter's bytes: a bit per id, 64-byte aligned. */
  readonly bitmapBytes: number;
  readonly #inUse: boolean[] = [];
  /** A fixed arena's size in filters; null: grows on demand. */
  #fixed: number | null = null;
  readonly #grown: () => void;

  /** An arena from `start` (nothing else may follow it in memory) for an index of `size` ids. */
  constructor(core: Core, start: number, size: number, grown: () => void) {
    this.#core = core;
    this.#start = start;
    this.bitmapBytes = align64(Math.ceil(size / 32) * 4);
    this.#grown = grown;
  }

  /** Reserves room for `n` filters now and never grows past it (a pool, before its workers start). */
  fix(n: number): void {
    this.#ensure(n);
    this.#fixed = n;
  }

  get capacity(): number { return this.#fixed ?? Infinity; }
  /** Where the room for filters ends: a fixed arena's whole room, else the bitmaps taken so far. */
  get reservedEnd(): number { return this.#start + (this.#fixed ?? this.#inUse.length) * this.bitmapBytes; }
  get inUse(): number { return this.#inUse.filter(Boolean).length; }

  #ensure(n: number): void {
    const before = this.#core.memory.buffer;
    this.#core.ensure(this.#start + n * this.bitmapBytes, `${n} filters of ${this.bitmapBytes} bytes`);
    if (this.#core.memory.buffer !== before) this.#grown();
  }

  /** A free bitmap's address (CAPACITY when a fixed arena is full). */
  take(): number {
    let i = this.#inUse.indexOf(false);
    if (i < 0) {
      i = this.#inUse.length;
      if (this.#fixed !== null && i >= this.#fixed) {
        throw new AnnoyError('CAPACITY', `all ${this.#fixed} filters this pool has room for are in use: free one, or open the pool with a larger \`filters\` option`);
      }
      this.#ensure(i + 1);
      this.#inUse.push(false);
    }
    this.#inUse[i] = true;
    return this.#start + i * this.bitmapBytes;
  }

  /** Where the arena starts. */
  get start(): number { return this.#start; }

  /** Where the arena's bitmaps in use or once used end (a dedicated pool copies memory up to here). */
  get end(): number { return this.#start + this.#inUse.length * this.bitmapBytes; }

  /** A copy of the bitmap at `at` (a dedicated pool sends it to its worker's copy of the memory). */
  read(at: number): Uint32Array {
    return new Uint32Array(this.#core.memory.buffer, at, this.bitmapBytes / 4).slice();
  }

  release(at: number): void {
    this.#inUse[(at - this.#start) / this.bitmapBytes] = false;
  }

  write(at: number, map: Uint32Array): void {
    new Uint32Array(this.#core.memory.buffer, at, map.length).set(map);
  }
}
