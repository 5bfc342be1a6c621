// IndexPool: one index in one shared WebAssembly.Memory, searched by N worker threads at once. The file is
// read straight into the shared memory (no second copy); each worker instantiates the shared-memory module on
// it and searches in its own scratch slot. Requests wait in a bounded queue; a worker that dies is replaced and
// its in-flight requests are retried once on a healthy worker.
import type { Worker as NodeWorker } from 'node:worker_threads';
import { AnnoyError, show } from '../errors.js';
import { checkBatch, checkId, checkK, checkOptions, checkSearchK, checkVector, type Vector } from '../checks.js';
import { Index, INTERNALS, loadBytes, loadFile, loadURL, type BatchResult, type MemoryPlan, type SearchOptions, type SearchResult } from '../index-reader.js';
import type { Metric } from '../metric.js';
import { wasmModule } from '../runtime/wasm.js';
import { startWorker, type RequestBody, type WorkerRequest } from '../runtime/worker.js';

export interface PoolOptions {
  /** Worker threads (default: the machine's available parallelism, at most 8). */
  workers?: number;
  /** Requests that may wait for a worker; one more is rejected with QUEUE_FULL (default 10,000). */
  maxQueue?: number;
}

type Job = WorkerRequest & { attempts: number; resolve(v: unknown): void; reject(e: unknown): void };

interface Thread { worker: NodeWorker; slot: number; inFlight: Map<number, Job>; alive: boolean }

/** Requests a worker holds at once: one being served, one waiting, so it never idles between messages. */
const PER_WORKER = 2;

export class IndexPool {
  readonly #index: Index;
  readonly #threads: Thread[] = [];
  readonly #queue: Job[] = [];
  readonly #maxQueue: number;
  #nextId = 1;
  #closing: Promise<void> | null = null;
  #starting = new Set<Promise<void>>(); // replacements still starting: close() must wait for them
  #drained: (() => void) | null = null;
  /** Workers started to replace dead ones (for monitoring). */
  restarts = 0;

  private constructor(index: Index, maxQueue: number) {
    this.#index = index;
    this.#maxQueue = maxQueue;
  }

  /** Loads the index (a path, bytes or an http(s) URL) into shared memory and starts the workers. */
  static async open(source: string | URL | Uint8Array | ArrayBuffer | SharedArrayBuffer, options?: PoolOptions): Promise<IndexPool> {
    const o = checkOptions(options, ['workers', 'maxQueue'], 'IndexPool');
    const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => { availableParallelism(): number } } }).process?.getBuiltinModule?.('node:os');
    const { workers = Math.min(8, os?.availableParallelism() ?? 2), maxQueue = 10_000 } = o;
    for (const [name, value, max] of [['workers', workers, 256], ['maxQueue', maxQueue, 2 ** 31]] as const) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
        throw new AnnoyError('INVALID_ARGUMENT', `${name} ${show(value)} is not an integer in [1, ${max}]`);
      }
    }
    const plan: MemoryPlan = { shared: true, slots: 1 + (workers as number) };
    let index: Index;
    if (typeof source === 'string' && !/^https?:\/\//.test(source)) index = await loadFile(source, plan);
    else if (typeof source === 'string' || source instanceof URL) index = await loadURL(source, plan);
    else index = loadBytes(source, plan);
    const pool = new IndexPool(index, maxQueue as number);
    try {
      await Promise.all(Array.from({ length: workers as number }, (_, w) => pool.#start(w)));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get dimensions(): number { return this.#index.dimensions; }
  get metric(): Metric { return this.#index.metric; }
  get size(): number { return this.#index.size; }
  get count(): number { return this.#index.count; }
  get trees(): number { return this.#index.trees; }
  get byteLength(): number { return this.#index.byteLength; }
  get workers(): number { return this.#threads.length; }
  /** Requests waiting for a worker. */
  get queued(): number { return this.#queue.length; }

  /** The main thread's view of the index (slot 0): getItem, distance and cheap calls need no worker. */
  get index(): Index { return this.#index; }

  async #start(w: number): Promise<void> {
    const { core, slot } = this.#index[INTERNALS]();
    const at = slot(1 + w);
    const worker = await startWorker({ module: wasmModule(true), memory: core.memory, base: core.base, slot: at });
    const thread: Thread = { worker, slot: at, inFlight: new Map(), alive: true };
    this.#threads[w] = thread;
    worker.on('message', (m: { id: number }) => {
      const job = thread.inFlight.get(m.id);
      if (!job) return;
      thread.inFlight.delete(m.id);
      job.resolve(m);
      this.#pump();
    });
    worker.on('error', (e) => this.#lost(w, thread, e));
    worker.on('exit', (code) => this.#lost(w, thread, new Error(`worker exited with code ${code}`)));
  }

  /** A worker died: requeue (once) or fail its requests, clean its slot and start a replacement. */
  #lost(w: number, thread: Thread, cause: unknown): void {
    if (!thread.alive) return;
    thread.alive = false;
    const retry: Job[] = [];
    for (const job of thread.inFlight.values()) {
      if (job.attempts < 2) retry.push(job);
      else job.reject(new AnnoyError('WORKER_FAILED', `a worker failed twice on request ${job.id} (${job.op}): ${(cause as Error)?.message ?? String(cause)}`));
    }
    thread.inFlight.clear();
    this.#queue.unshift(...retry);
    // Replace it even while closing: close() drains the queue first, and waits for replacements to start.
    const { core, slotBytes } = this.#index[INTERNALS]();
    core.bytes.fill(0, thread.slot, thread.slot + slotBytes); // a query died mid-way: its visited bits are dirty
    this.restarts++;
    const starting = this.#start(w).then(() => this.#pump(), (e) => {
      for (const job of this.#queue.splice(0)) job.reject(new AnnoyError('WORKER_FAILED', `could not restart a worker: ${(e as Error).message}`));
    });
    this.#starting.add(starting);
    starting.finally(() => this.#starting.delete(starting));
  }

  #pump(): void {
    for (const thread of this.#threads) {
      while (thread?.alive && thread.inFlight.size < PER_WORKER && this.#queue.length > 0) {
        const job = this.#queue.shift()!;
        job.attempts++;
        thread.inFlight.set(job.id, job);
        const { resolve: _r, reject: _j, attempts: _a, ...message } = job;
        thread.worker.postMessage(message);
      }
    }
    if (this.#drained && this.#queue.length === 0 && this.#threads.every((t) => !t || t.inFlight.size === 0)) this.#drained();
  }

  #submit<T>(request: RequestBody): Promise<T> {
    if (this.#closing) return Promise.reject(new AnnoyError('CLOSED', 'this pool is closed'));
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.reject(new AnnoyError('QUEUE_FULL', `the pool's queue is full (${this.#maxQueue} requests waiting): slow down or raise maxQueue`));
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...request, id: this.#nextId++, attempts: 0, resolve: resolve as (v: unknown) => void, reject });
      this.#pump();
    });
  }

  #live(): void {
    if (this.#closing) throw new AnnoyError('CLOSED', 'this pool is closed');
  }

  /** The k nearest items to `vector`, as Index.search answers it. */
  async search(vector: Vector, k: number, options?: SearchOptions): Promise<SearchResult> {
    this.#live();
    const h = this.#index;
    checkVector(vector, h.dimensions, h.metric);
    checkK(k);
    const searchK = checkSearchK(options, k, h.trees);
    const query = Float32Array.from(vector);
    const { ids, distances } = await this.#submit<SearchResult>({ op: 'search', query, k: Math.min(k, h.count), searchK });
    return { ids, distances };
  }

  /** The k nearest items to item `id`. */
  async searchItem(id: number, k: number, options?: SearchOptions): Promise<SearchResult> {
    this.#live();
    checkId(id);
    this.#index.getItem(id); // the same INVALID_ID errors as Index.searchItem
    checkK(k);
    const searchK = checkSearchK(options, k, this.#index.trees);
    const { ids, distances } = await this.#submit<SearchResult>({ op: 'item', item: id, k: Math.min(k, this.#index.count), searchK });
    return { ids, distances };
  }

  /** Searches every row of a flat batch, spread across the workers. */
  async searchBatch(flat: Float32Array | ArrayLike<number>, k: number, options?: SearchOptions): Promise<BatchResult> {
    this.#live();
    const h = this.#index;
    const rows = checkBatch(flat, h.dimensions, h.metric);
    checkK(k);
    const searchK = checkSearchK(options, k, h.trees);
    const all = flat instanceof Float32Array ? flat : Float32Array.from(flat);
    const chunk = Math.max(1, Math.ceil(rows / (this.#threads.length * 4)));
    const parts: Promise<BatchResult>[] = [];
    for (let r = 0; r < rows; r += chunk) {
      const n = Math.min(chunk, rows - r);
      const queries = all.slice(r * h.dimensions, (r + n) * h.dimensions);
      parts.push(this.#submit<BatchResult>({ op: 'batch', queries, rows: n, k, kEffective: Math.min(k, h.count), searchK }));
    }
    const done = await Promise.all(parts);
    const ids = new Uint32Array(rows * k), distances = new Float32Array(rows * k), counts = new Uint32Array(rows);
    done.forEach((part, i) => {
      ids.set(part.ids, i * chunk * k);
      distances.set(part.distances, i * chunk * k);
      counts.set(part.counts, i * chunk);
    });
    return { ids, distances, counts };
  }

  /** Finishes queued and in-flight requests, ends every worker and frees the memory. Later calls throw CLOSED. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        this.#pump();
      });
      await Promise.all(this.#starting);
      await Promise.all(this.#threads.map((t) => {
        if (!t) return undefined;
        t.alive = false;
        return t.worker.terminate();
      }));
      this.#index.free();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Test hook: make worker `w` exit, throw, or trap on its next message. */
  [Symbol.for('annoy-wasm.crashWorker')](w: number, how: 'exit' | 'throw' | 'trap'): void {
    const thread = this.#threads[w];
    thread.worker.postMessage({ id: 0, op: 'crash', how });
  }
}
