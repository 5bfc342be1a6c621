// Instantiates the core on a memory the host owns. No loader library: @assemblyscript/loader cannot use an
// imported memory, and the core's API is plain numbers (pointers into that memory), so this file is all it takes.
import { AnnoyError } from '../errors.js';
import { MAX_MEMORY } from '../format/layout.js';
import { PLAIN_WASM, SHARED_WASM } from './wasm-bytes.js';

export interface CoreExports {
  heapBase(): number;
  strideFor(metric: number, dimensions: number): number;
  slotOffset(file: number, part: number): number;
  extrasBytes(file: number): number;
  buildScratchBytes(file: number): number;
  prepareBuild(file: number, extras: number): void;
  beginBuild(file: number, extras: number, scratch: number): void;
  buildTree(file: number, seed: number, tree: number, nodes: number, end: number): number;
  relocate(nodes: number, count: number, nodeBytes: number, delta: number): void;
  builtNodes: WebAssembly.Global;
  buildFailed: WebAssembly.Global;
  search(file: number, slot: number, fromItem: number, k: number, searchK: number): number;
  itemDistance(file: number, i: number, j: number): number;
  queryDistance(file: number, slot: number, id: number): number;
  validate(file: number, slot: number): number;
  validateDetail: WebAssembly.Global;
  checksum(file: number, bytes: number): bigint;
  [constant: string]: unknown;
}

const PAGE = 65536;
const MAX_PAGES = MAX_MEMORY / PAGE;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  if (B) return B.from(b64, 'base64') as Uint8Array<ArrayBuffer>;
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let plainModule: WebAssembly.Module | undefined;
let sharedModule: WebAssembly.Module | undefined;
/** The build for private memory, or the one for a SharedArrayBuffer-backed memory (a module accepts only its kind). */
export function wasmModule(shared: boolean): WebAssembly.Module {
  if (shared) return (sharedModule ??= new WebAssembly.Module(decodeBase64(SHARED_WASM)));
  return (plainModule ??= new WebAssembly.Module(decodeBase64(PLAIN_WASM)));
}

/** Shared memory (worker threads over one copy) is available: Node, or a cross-origin isolated page. */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { process?: { versions?: { node?: string } }; crossOriginIsolated?: boolean };
  return Boolean(g.process?.versions?.node) || g.crossOriginIsolated === true;
}

/** Slot parts, as assembly/layout.ts numbers them. */
export const SLOT = { QUERY_IN: 0, OUT_IDS: 2, OUT_DISTANCES: 3, VISITED: 4, CANDIDATES: 5, END: 8 } as const;

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** One wasm instance and the memory it works in: static data, then the index file at `base`, then scratch. */
export class Core {
  readonly memory: WebAssembly.Memory;
  readonly exports: CoreExports;
  /** Where the index file starts in memory. */
  readonly base: number;

  readonly shared: boolean;

  /** A core on fresh memory (shared: one worker threads can use too), or on `memory` (a worker's view of it). */
  constructor(initialBytes: number, shared = false, memory?: WebAssembly.Memory) {
    this.shared = shared;
    this.memory = memory ?? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
    const instance = new WebAssembly.Instance(wasmModule(shared), { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as CoreExports;
    this.base = align64(Math.max(this.exports.heapBase() >>> 0, 64));
    this.ensure(this.base + initialBytes);
  }

  /** Makes [0, end) addressable, growing by at least 1/8 to keep repeated growth cheap. */
  ensure(end: number, what = 'the index'): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > MAX_MEMORY) {
      throw new AnnoyError('CAPACITY', `${what} needs ${formatBytes(end)} of wasm memory, more than the ${formatBytes(MAX_MEMORY)} one wasm32 instance addresses`);
    }
    const need = Math.ceil((end - have) / PAGE);
    const want = Math.min(Math.max(need, Math.ceil(have / PAGE / 8)), MAX_PAGES - have / PAGE);
    try {
      this.memory.grow(want);
    } catch {
      try {
        this.memory.grow(need);
      } catch {
        throw new AnnoyError('CAPACITY', `could not grow wasm memory to ${formatBytes(end)} for ${what}`);
      }
    }
  }

  /** A fresh view: growing memory detaches the old ones. */
  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}
