// Worker threads over one shared wasm memory. Every worker runs `workerMain`: one self-contained function (no
// imports, no closure) started from its own source text, so the ESM and CommonJS builds need no worker file
// path, and a browser starts it from a Blob URL with no bundler. It instantiates the shared-memory module on the
// memory it is handed (no copy of the index) and serves requests in its own scratch slot (search) or scratch area
// (build). Without shared memory (a page that is not cross-origin isolated) it is handed a copy of the file
// instead, and lays out a private memory of its own.
import type { Worker as NodeWorker } from 'node:worker_threads';
import { AnnoyError } from '../errors.js';
import { SLOT } from '../format/layout.js';
import { searchItemRows, searchOne, searchRows, slotView, type Mask, type SlotParts } from '../index/slot-search.js';
import { runStep, type Step } from '../index/search-all.js';
import { noThreadsReason, threadKind } from './threads.js';

/** One shard as a worker sees it: the shared memory, or a copy of the file for a memory of its own. */
export type WorkerShard =
  | { memory: WebAssembly.Memory; base: number; slot: number }
  | { file: Uint8Array; base: number; slot: number; end: number };

export interface WorkerSetup {
  module: WebAssembly.Module;
  /** search: where a slot's parts are (assembly/layout.ts's numbering) */
  parts?: SlotParts;
  /**
   * search: each index's shards (memory or file, file base and this worker's scratch slot there), by generation:
   * a pool that reloads serves requests on the old index and the new one at once for a while
   */
  gens?: { gen: number; shards: WorkerShard[] }[];
  /** build: the memory, file base, dot extras area and this worker's build scratch */
  memory?: WebAssembly.Memory;
  base?: number;
  extras?: number;
  scratch?: number;
}

export type WorkerRequest =
  | { id: number; op: 'search'; query: Float32Array; k: number; searchK: number; rerank: number; ef: number; masks?: Mask[]; gen?: number }
  | { id: number; op: 'item'; item: number; k: number; searchK: number; rerank: number; ef: number; masks?: Mask[]; gen?: number }
  | { id: number; op: 'batch'; queries: Float32Array; rows: number; k: number; kEffective: number; searchK: number; rerank: number; ef: number; masks?: Mask[]; gen?: number }
  | { id: number; op: 'rows'; lo: number; hi: number; k: number; ask: number; searchK: number; rerank: number; ef: number; present: number; hidden: number; gen?: number }
  | { id: number; op: 'join'; scratch: number; step: Step; gen?: number }
  | { id: number; op: 'load'; gen: number; shards: WorkerShard[] }
  | { id: number; op: 'drop'; gen: number }
  | { id: number; op: 'bits'; gen: number; shard: number; at: number; words: Uint32Array }
  | { id: number; op: 'build'; seed: number; tree: number; nodes: number; end: number }
  | { id: number; op: 'graph'; step: number; scratch: number; round: number; first: number; last: number; thread: number };

/** A request before the pool numbers it. */
export type RequestBody = { [K in WorkerRequest['op']]: Omit<Extract<WorkerRequest, { op: K }>, 'id'> }[WorkerRequest['op']];

/**
 * The worker's whole program. Its source text is started with the query loop's functions as arguments
 * (index/slot-search.ts), so a worker searches exactly as this thread does.
 */
export function workerMain(view: typeof slotView, one: typeof searchOne, rows: typeof searchRows, itemRows: typeof searchItemRows, joinStep: typeof runStep): void {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  // Node's worker_threads or a browser's Web Worker (self). No `require`: a bundler would rewrite it.
  const threads = (globalThis as any).process?.getBuiltinModule?.('node:worker_threads') ?? null;
  const scope: any = threads ? null : self;
  const post = (m: any, transfer: any[] = []) => (threads ? threads.parentPort.postMessage(m, transfer) : scope.postMessage(m, transfer));
  // Node: a garbage collection on demand (V8's own, exposed to a fresh context), for dropping an old index at once.
  const collect = (() => {
    try {
      const v8 = (globalThis as any).process.getBuiltinModule('node:v8');
      const vm = (globalThis as any).process.getBuiltinModule('node:vm');
      v8.setFlagsFromString('--expose-gc');
      return vm.runInNewContext('gc') as () => void;
    } catch {
      return null; // a browser: the old memory goes at the worker's next collection
    }
  })();
  const start = (setup: any) => {
    const instantiate = (memory: WebAssembly.Memory): any => new WebAssembly.Instance(setup.module, { env: { memory } }).exports;
    // One instance per shard, each on that shard's memory, searching in this worker's slot there; one such list per
    // index generation the pool still serves.
    const open = (list: any[]) => list.map((s: any) => {
      let memory: WebAssembly.Memory = s.memory;
      if (!memory) { // a private copy: the image at base, a zeroed slot after it (fresh pages are zero)
        memory = new WebAssembly.Memory({ initial: Math.ceil(s.end / 65536), maximum: 65536 });
        new Uint8Array(memory.buffer).set(s.file, s.base);
      }
      const x = instantiate(memory);
      const v: any = view(x, memory, s.base, s.slot, setup.parts);
      // a private copy's own bitmaps (a filter, the removed ids) are written by 'bits' messages; the view is remade
      // when that grows the memory
      v.own = { memory, x, base: s.base, slot: s.slot };
      v.x = x; // searchAll's joins call the core directly (shared memory)
      return v;
    });
    const gens = new Map<number, any[]>();
    for (const g of setup.gens ?? []) gens.set(g.gen, open(g.shards));
    let shards: any[] = [];
    const builder = setup.memory ? instantiate(setup.memory) : null;
    if (builder) builder.beginBuild(setup.base, setup.extras, setup.scratch);
    const serve = (m: any) => {
      if (m.op === 'load') {
        gens.set(m.gen, open(m.shards));
        if (m.id !== 0) post({ id: m.id });
        return;
      }
      if (m.op === 'drop') {
        gens.delete(m.gen);
        // Its memory goes once nothing refers to it and V8 collects; a worker allocates too little for V8 to collect
        // on its own (measured: RSS grew by one index per reload, for 80 reloads), so ask for a collection now.
        collect?.();
        return;
      }
      if (m.op === 'bits') { // a private copy's bitmap, as the pool's thread wrote it in its own memory
        const list = gens.get(m.gen) ?? [];
        const own = list[m.shard]?.own;
        if (own) {
          const need = m.at + m.words.byteLength - own.memory.buffer.byteLength;
          if (need > 0) {
            own.memory.grow(Math.ceil(need / 65536));
            list[m.shard] = Object.assign(view(own.x, own.memory, own.base, own.slot, setup.parts), { own, x: own.x });
          }
          new Uint32Array(own.memory.buffer, m.at, m.words.length).set(m.words);
        }
        post({ id: m.id });
        return;
      }
      shards = gens.get(m.gen ?? 0) ?? [];
      if (m.op === 'search' || m.op === 'item') {
        const parts = shards.map((s: any, i: number) => one(s, m.op === 'search' ? m.query : null, m.item, m.k, m.searchK, m.rerank, m.ef, m.masks?.[i]));
        post({ id: m.id, parts }, parts.flatMap((p: any) => [p.ids.buffer, p.distances.buffer]));
      } else if (m.op === 'batch') {
        const parts = shards.map((s: any, i: number) => rows(s, m.queries, m.queries.length / m.rows, m.rows, m.k, m.kEffective, m.searchK, m.rerank, m.ef, m.masks?.[i]));
        post({ id: m.id, parts }, parts.flatMap((p: any) => [p.ids.buffer, p.distances.buffer, p.counts.buffer]));
      } else if (m.op === 'rows') {
        const r = itemRows(shards[0], m.lo, m.hi, m.k, m.ask, m.searchK, m.rerank, m.ef, m.present, m.hidden);
        post({ id: m.id, ...r }, [r.ids.buffer, r.distances.buffer, r.counts.buffer]);
      } else if (m.op === 'join') {
        // searchAll's joins (index/search-all.ts): the state is in the shared memory at m.scratch
        const x = shards[0].x;
        if (m.step.step !== 'stored') x.searchAllAttach(m.scratch); // the stored rows need no join state
        post({ id: m.id, n: joinStep(x, shards[0].base, shards[0].slot, m.step) });
      } else if (m.op === 'build') {
        const root = builder.buildTree(setup.base, m.seed, m.tree, m.nodes, m.end);
        post({ id: m.id, root, nodes: builder.builtNodes.value >>> 0, failed: Boolean(builder.buildFailed.value) });
      } else if (m.op === 'graph') {
        // one step of the graph build (graph.ts buildGraphSectionWith): the state is in the shared memory at m.scratch
        builder.graphAttach(m.scratch);
        builder.graphStep(m.step, m.round, m.first, m.last, m.thread);
        post({ id: m.id });
      }
    };
    if (threads) threads.parentPort.on('message', serve);
    else scope.onmessage = (e: any) => serve(e.data);
    post({ ready: true });
  };
  // Node hands the setup over as workerData; a browser sends it as the first message.
  if (threads) start(threads.workerData);
  else scope.onmessage = (e: any) => start(e.data);
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

/** What the pool and the parallel build use of a worker: Node's Worker, or a Web Worker behind WebWorker. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  on(event: 'message' | 'error' | 'exit', listener: (value: any) => void): unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  once(event: 'message' | 'error' | 'exit', listener: (value: any) => void): unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  off(event: 'message' | 'error' | 'exit', listener: (value: any) => void): unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  terminate(): Promise<number>;
}

type WorkerThreads = typeof import('node:worker_threads');

function workerThreads(): WorkerThreads | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
}

/** The worker's program as source text: workerMain called with the query loop's functions. */
export function workerSource(): string {
  return `(${workerMain.toString()})(${slotView.toString()}, ${searchOne.toString()}, ${searchRows.toString()}, ${searchItemRows.toString()}, ${runStep.toString()})`;
}

/** Starts a worker on `setup` and resolves once it has instantiated the module (`transfer`: the file copies). */
export function startWorker(setup: WorkerSetup, transfer: Transferable[] = []): Promise<WorkerLike> {
  if (setup.gens) setup = { ...setup, parts: SLOT };
  const kind = threadKind();
  const wt = kind === 'worker_threads' ? workerThreads() : undefined;
  let worker: WorkerLike;
  if (wt) {
    worker = new wt.Worker(workerSource(), { eval: true, workerData: setup, transferList: transfer as never }) as NodeWorker & WorkerLike;
  } else if (kind === 'web-workers') {
    worker = new WebWorker(setup, transfer);
  } else {
    throw new AnnoyError('INVALID_STATE', noThreadsReason());
  }
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => {
      worker.terminate().catch(() => {});
      reject(e instanceof Error ? e : new Error(`worker exited with code ${String(e)} while starting`));
    };
    worker.once('error', fail);
    worker.once('exit', fail);
    worker.once('message', () => {
      worker.off('error', fail);
      worker.off('exit', fail);
      resolve(worker);
    });
  });
}

let workerURL: string | undefined;

/**
 * A Web Worker running workerMain from a Blob URL, with the events of Node's Worker: 'message' (the data),
 * 'error' (an uncaught exception: the worker is ended, as Node's would be) and 'exit'.
 */
class WebWorker implements WorkerLike {
  readonly #worker: Worker;
  readonly #listeners = { message: new Set<(v: unknown) => void>(), error: new Set<(v: unknown) => void>(), exit: new Set<(v: unknown) => void>() };
  readonly #once = new Map<(v: unknown) => void, (v: unknown) => void>();
  #ended = false;

  constructor(setup: WorkerSetup, transfer: Transferable[]) {
    workerURL ??= URL.createObjectURL(new Blob([workerSource()], { type: 'text/javascript' }));
    this.#worker = new Worker(workerURL, { name: 'annoy-wasm' });
    this.#worker.onmessage = (e: MessageEvent) => {
      const data = e.data as { exit?: number };
      if (data && typeof data.exit === 'number') this.#end('exit', data.exit);
      else this.#emit('message', e.data);
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#end('error', new Error(e.message || 'a Web Worker failed (did the page block blob: workers?)'));
    };
    this.#worker.onmessageerror = () => this.#end('error', new Error('a Web Worker could not read a message'));
    this.#worker.postMessage(setup, transfer);
  }

  #emit(event: 'message' | 'error' | 'exit', value: unknown): void {
    for (const listener of [...this.#listeners[event]]) listener(value);
  }

  #end(event: 'error' | 'exit', value: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#worker.terminate();
    this.#emit(event, value);
  }

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  on(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): this {
    this.#listeners[event].add(listener);
    return this;
  }

  once(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): this {
    const wrapper = (value: unknown) => {
      this.off(event, listener);
      listener(value);
    };
    this.#once.set(listener, wrapper);
    return this.on(event, wrapper);
  }

  off(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): this {
    this.#listeners[event].delete(this.#once.get(listener) ?? listener);
    this.#once.delete(listener);
    return this;
  }

  terminate(): Promise<number> {
    this.#ended = true;
    this.#worker.terminate();
    return Promise.resolve(0);
  }
}
