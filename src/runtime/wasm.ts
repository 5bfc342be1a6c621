// Instantiates the core on a memory the host owns. No loader library: @assemblyscript/loader cannot use an
// imported memory, and the core's API is plain numbers (pointers into that memory), so this file is all it takes.
import { AnnoyError, show } from '../errors.js';
import { checkOptions } from '../checks.js';
import { MAX_MEMORY } from '../format/layout.js';
import { PLAIN_WASM, SHARED_WASM } from './wasm-bytes.js';
import { canShareMemory } from './threads.js';

export { canShareMemory } from './threads.js';

export interface CoreExports {
  heapBase(): number;
  strideFor(metric: number, dimensions: number): number;
  slotOffset(file: number, part: number): number;
  slotBytes(file: number): bigint;
  extrasBytes(file: number): number;
  componentDims(file: number): number;
  projectionsOffset(file: number): number;
  buildScratchBytes(file: number): number;
  prepareBuild(file: number, extras: number): void;
  beginBuild(file: number, extras: number, scratch: number): void;
  buildTree(file: number, seed: number, tree: number, nodes: number, end: number): number;
  relocate(nodes: number, count: number, nodeBytes: number, delta: number): void;
  compactForest(file: number, toNodes: number, toRoots: number, toStream: number, map: number): number;
  compactSplits: WebAssembly.Global;
  expandForest(file: number, fullBytes: number, toNodes: number, toRoots: number, map: number): number;
  expandedNodes(file: number): number;
  builtNodes: WebAssembly.Global;
  buildFailed: WebAssembly.Global;
  search(file: number, slot: number, fromItem: number, k: number, searchK: number, rerank: number, ef: number, allow: number, hidden: number): number;
  buildScratchBytesForGraph(file: number, threads: number): number;
  buildGraph(file: number, scratch: number): void;
  graphBegin(file: number, scratch: number, threads: number): number;
  graphChunk(): number;
  graphGenerated(thread: number): number;
  graphEndRound(round: number): number;
  graphReverse(): void;
  graphInDegree(): void;
  graphTopUp(): void;
  graphSeedNodes(): number;
  graphSeedChunk(): number;
  graphAttach(scratch: number): void;
  graphStep(step: number, round: number, first: number, last: number, thread: number): void;
  scan(file: number, slot: number, fromItem: number, k: number, allow: number, hidden: number): number;
  searchAllScratchBytes(file: number, width: number, threads: number, k: number): bigint;
  searchAllBegin(file: number, scratch: number, width: number, threads: number, hidden: number, k: number): number;
  searchAllAttach(scratch: number): void;
  searchAllGenerate(round: number, first: number, last: number, thread: number): number;
  searchAllApply(lo: number, hi: number): void;
  searchAllPrepare(round: number, lo: number, hi: number): number;
  searchAllSettle(lo: number, hi: number): void;
  searchAllFresh(k: number): number;
  searchAllChunk(): number;
  searchAllRows(file: number, slot: number, lo: number, hi: number): void;
  searchAllRowsAt(): number;
  searchAllStored(file: number, slot: number, rows: number, k: number, hidden: number, lo: number, hi: number): void;
  screeningScratchBytes(file: number, asked: number): number;
  prepareScreening(file: number, asked: number, scratch: number): number;
  encodeCodes(file: number, slot: number): void;
  encodeCodesFrom(file: number, projections: number, out: number, work: number): void;
  itemDistance(file: number, slot: number, i: number, j: number): number;
  queryDistance(file: number, slot: number, id: number): number;
  itemValues(file: number, slot: number, id: number): void;
  validate(file: number, slot: number): number;
  convertItems(file: number, fromKind: number, toKind: number, present: number, work: number, checkOnly: number): number;
  convertScratchBytes(dimensions: number): bigint;
  validateDetail: WebAssembly.Global;
  checksum(file: number, bytes: number): bigint;
  /** Writes the checksum of the file at `file` into its header (and returns it). */
  seal(file: number, bytes: number): bigint;
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
  if (shared) return (sharedModule ??= compileSync(SHARED_WASM));
  return (plainModule ??= compileSync(PLAIN_WASM));
}

// The smallest module that uses 128-bit SIMD (one function returning i8x16.splat(0)).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11]);

/** The core's kernels are WebAssembly SIMD (128-bit): an engine without it gets this, not a compile error. */
export function requireSimd(): void {
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new AnnoyError('INVALID_STATE', 'this JavaScript engine has no WebAssembly SIMD (128-bit), which annoy-wasm needs: Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4, Bun, Deno');
  }
}

function compileSync(b64: string): WebAssembly.Module {
  requireSimd();
  try {
    return new WebAssembly.Module(decodeBase64(b64));
  } catch (e) {
    // Chrome has refused synchronous compiles of more than 4 KB on a page's main thread.
    throw new AnnoyError('INVALID_STATE', `could not compile the wasm synchronously here (${(e as Error).message}): call \`await init()\` once before building or loading an index${IMPORT_HINT}`);
  }
}

/** Cloudflare Workers (and any host that forbids compiling wasm from bytes) take the build as a module import. */
const IMPORT_HINT = "; where wasm may not be compiled from bytes (Cloudflare Workers), import it: `import wasm from 'annoy-wasm/build/annoy.wasm'; await init({ wasm })`";

/** Compiles an embedded build asynchronously; a host that forbids it gets an AnnoyError that says what to do. */
async function compileEmbedded(b64: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(decodeBase64(b64));
  } catch (e) {
    throw new AnnoyError('INVALID_STATE', `could not compile the embedded wasm here (${(e as Error).message})${IMPORT_HINT}`);
  }
}

/** Where init() takes a build from: its URL, its bytes, a fetch Response (or its promise), or a compiled module. */
export type WasmSource = string | URL | Uint8Array | ArrayBuffer | Response | PromiseLike<Response> | WebAssembly.Module;
export interface InitOptions {
  /** The plain build (build/annoy.wasm); default: the copy embedded in this package. */
  wasm?: WasmSource;
  /** The shared-memory build (build/annoy-shared.wasm); default: the embedded copy. */
  sharedWasm?: WasmSource;
}

/**
 * Compiles the wasm asynchronously, off the page's main thread (browsers), from the embedded copies or from
 * `wasm` / `sharedWasm`. Needed once before the synchronous API (IndexBuilder, Index.fromBytes) on a browser's
 * main thread; Index.fromURL and IndexPool.open call it themselves; Node never needs it.
 */
export async function init(options?: InitOptions): Promise<void> {
  const o = checkOptions(options, ['wasm', 'sharedWasm'], 'init') as InitOptions;
  requireSimd();
  const [plain, shared] = await Promise.all([
    o.wasm !== undefined ? compileFrom(o.wasm, false) : plainModule ?? compileEmbedded(PLAIN_WASM),
    o.sharedWasm !== undefined ? compileFrom(o.sharedWasm, true)
      : sharedModule ?? (canShareMemory() ? compileEmbedded(SHARED_WASM) : undefined),
  ]);
  plainModule = plain;
  sharedModule = shared;
}

/** Compiles one build asynchronously if it is not compiled yet (what every async loader does first). */
export async function compile(shared: boolean): Promise<WebAssembly.Module> {
  requireSimd();
  if (shared) return (sharedModule ??= await compileEmbedded(SHARED_WASM));
  return (plainModule ??= await compileEmbedded(PLAIN_WASM));
}

async function compileFrom(source: WasmSource, shared: boolean): Promise<WebAssembly.Module> {
  const which = shared ? 'sharedWasm' : 'wasm';
  let module: WebAssembly.Module;
  try {
    if (source instanceof WebAssembly.Module) module = source;
    else if (source instanceof Uint8Array || source instanceof ArrayBuffer) module = await WebAssembly.compile(source as BufferSource);
    else if (typeof source === 'string' || source instanceof URL) module = await compileResponse(fetchWasm(source));
    else if (typeof (source as PromiseLike<Response>).then === 'function' || typeof Response !== 'undefined' && source instanceof Response) {
      module = await compileResponse(Promise.resolve(source as Response | PromiseLike<Response>));
    } else throw new AnnoyError('INVALID_ARGUMENT', `${which} ${show(source)} is not a URL, bytes, a Response or a WebAssembly.Module`);
  } catch (e) {
    if (e instanceof AnnoyError) throw e;
    throw new AnnoyError('INVALID_ARGUMENT', `${which}: could not compile ${show(source instanceof URL ? source.href : source)}: ${(e as Error).message}`);
  }
  // A module of the other kind (or of another version) would fail only at the first load: check it now.
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = ['heapBase', 'search', 'validate', 'checksum', 'slotOffset', 'buildTree'].filter((n) => !names.has(n));
  if (missing.length > 0) throw new AnnoyError('INVALID_ARGUMENT', `${which} is not an annoy-wasm build: it exports no ${missing.join(', ')}`);
  try {
    await WebAssembly.instantiate(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor) } });
  } catch (e) {
    throw new AnnoyError('INVALID_ARGUMENT', `${which} is not the ${shared ? 'shared-memory (build/annoy-shared.wasm)' : 'plain (build/annoy.wasm)'} build: ${(e as Error).message}`);
  }
  return module;
}

/** fetch, or the file system for a file: URL in Node (where fetch has no file: scheme). */
async function fetchWasm(url: string | URL): Promise<Response> {
  const href = String(url);
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (href.startsWith('file:') && proc?.getBuiltinModule) {
    const { readFileSync } = proc.getBuiltinModule('node:fs') as typeof import('node:fs');
    const { fileURLToPath } = proc.getBuiltinModule('node:url') as typeof import('node:url');
    return new Response(readFileSync(fileURLToPath(href)), { headers: { 'content-type': 'application/wasm' } });
  }
  return fetch(url);
}

async function compileResponse(pending: Promise<Response>): Promise<WebAssembly.Module> {
  const response = await pending;
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  // compileStreaming needs the application/wasm type; a server that sends another still gets compiled.
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type')?.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** One scratch slot's size, 64-byte aligned (computed in 64 bits: a crafted header cannot make it wrap). */
export function slotBytesOf(core: Core): number {
  return Math.ceil(Number(core.exports.slotBytes(core.base)) / 64) * 64;
}

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
