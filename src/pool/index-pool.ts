// IndexPool: one index in one shared WebAssembly.Memory, searched by N worker threads at once. The file is
// read straight into the shared memory (no second copy); each worker instantiates the shared-memory module on
// it and searches in its own scratch slot. Requests wait in a bounded queue; a worker that dies is replaced and
// its in-flight requests are retried once on a healthy worker. A shard manifest (ShardedIndexBuilder) loads
// one shared memory per shard; every worker searches every shard and the results are merged exactly.
// Browsers: Web Workers on one shared memory when the page is cross-origin isolated (mode 'shared'); otherwise
// one dedicated Web Worker searching its own copy of the plain build's memory (mode 'dedicated').
import { AnnoyError, show } from '../errors.js';
import { checkBatch, checkBatchK, checkId, checkK, checkOptions, checkSearchOptions, checkVector, type Vector } from '../checks.js';
import { Index } from '../index/index.js';
import type { IndexImage, MemoryPlan } from '../index/image.js';
import { BatchResult, type SearchAllOptions, type SearchOptions, type SearchResult, type Searchable } from '../index/results.js';
import { answersFromStored, beginJoin, beginStored, joinAsync, rowsOf, searchAllWidth, storedRowsOf, storedSteps, type Step } from '../index/search-all.js';
import { loadBytes } from '../load/bytes.js';
import { loadFile } from '../load/file.js';
import type { LoadOptions, URLLoadOptions } from '../load/options.js';
import { loadURL } from '../load/url.js';
import { loadShards, type Shard } from '../shards/sharded-index.js';
import { mergeRows, mergeTopK } from '../shards/merge.js';
import type { Metric } from '../metric.js';
import { canShareMemory, compile, wasmModule } from '../runtime/wasm.js';
import { noSharedMemoryReason } from '../runtime/threads.js';
import { startWorker, type RequestBody, type WorkerLike, type WorkerRequest, type WorkerShard } from '../runtime/worker.js';
import { filterOf, makeFilter, maskOf, type FilterSpec, type IdFilter } from '../filter/id-filter.js';
import type { Mask } from '../index/slot-search.js';
import { globalIdOf, removeGlobal, shardsHaveKeys, withGlobalKeys } from '../shards/shard-ids.js';
import { collectGarbage } from '../runtime/collect.js';

export interface PoolOptions extends URLLoadOptions {
  /** Worker threads (default: the machine's available parallelism, at most 8; mode 'dedicated': always 1). */
  workers?: number;
  /**
   * 'shared': every worker searches one shared memory (Node; a cross-origin isolated page). 'dedicated': one
   * worker searching a copy of its own (a page without cross-origin isolation). Default: 'shared' where it can be.
   */
  mode?: PoolMode;
  /** Requests that may wait for a worker; one more is rejected with QUEUE_FULL (default 10,000). */
  maxQueue?: number;
  /**
   * Filters (createFilter) that may exist at once (default 16). Their room (size / 8 bytes each) is reserved in
   * the shared memory when the pool opens, so it never grows under the workers; one more is CAPACITY.
   */
  filters?: number;
}

export type PoolMode = 'shared' | 'dedicated';

type Job = WorkerRequest & { attempts: number; resolve(v: unknown): void; reject(e: unknown): void };

/** One loaded index (its shards) the workers search, and the requests still to answer on it. */
interface Generation { shards: Shard[]; pending: number }

interface Thread { worker: WorkerLike; slots: number[]; inFlight: Map<number, Job>; alive: boolean }

/** Requests a worker holds at once: one being served, one waiting, so it never idles between messages. */
const PER_WORKER = 2;

type Part = SearchResult & { counts?: Uint32Array };

/** One unsharded index as a shard. */
const whole = (image: IndexImage): Shard => ({ image, index: new Index(image), idOffset: 0 });

export class IndexPool implements Searchable<true> {
  /** The index new requests go to; older generations serve the requests made before a reload, then are freed. */
  #shards: Shard[];
  #gen = 0;
  #nextGen = 1;
  readonly #gens = new Map<number, Generation>();
  #reloading: Promise<unknown> = Promise.resolve();
  readonly #threads: Thread[] = [];
  readonly #queue: Job[] = [];
  readonly #maxQueue: number;
  readonly #mode: PoolMode;
  #nextId = 1;
  #closing: Promise<void> | null = null;
  #starting = new Set<Promise<void>>(); // workers still starting: close() must wait for them
  #terminating = false;
  #drained: (() => void) | null = null;
  #restarts = 0;

  private constructor(shards: Shard[], maxQueue: number, mode: PoolMode) {
    this.#shards = shards;
    this.#gens.set(0, { shards, pending: 0 });
    this.#maxQueue = maxQueue;
    this.#mode = mode;
  }

  /**
   * Loads the index (a path, bytes, an http(s) URL, or a shard manifest .json; in a browser, a URL) into shared
   * memory and starts the workers. An Annoy .ann file takes { format: 'annoy', dimensions, metric }, as Index.open
   * does; a URL streams in with { onProgress, signal }, as Index.fromURL does.
   */
  static async open(source: string | URL | Uint8Array | ArrayBuffer | SharedArrayBuffer, options?: PoolOptions): Promise<IndexPool> {
    const o = checkOptions(options, ['workers', 'maxQueue', 'filters', 'mode', 'format', 'dimensions', 'metric', 'onProgress', 'signal'], 'IndexPool');
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism(): number } | undefined;
    const cores = os?.availableParallelism() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
    const { mode = canShareMemory() ? 'shared' : 'dedicated', maxQueue = 10_000 } = o;
    if (mode !== 'shared' && mode !== 'dedicated') throw new AnnoyError('INVALID_ARGUMENT', `mode ${show(mode)} is not 'shared' or 'dedicated'`);
    if (mode === 'shared' && !canShareMemory()) {
      throw new AnnoyError('INVALID_STATE', noSharedMemoryReason());
    }
    const { workers = Math.min(8, cores), filters = 16 } = o;
    for (const [name, value, max] of [['workers', workers, 256], ['maxQueue', maxQueue, 2 ** 31], ['filters', filters, 65536]] as const) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
        throw new AnnoyError('INVALID_ARGUMENT', `${name} ${show(value)} is not an integer in [1, ${max}]`);
      }
    }
    const shared = mode === 'shared';
    const threads = shared ? workers as number : 1; // each dedicated worker would hold one more copy of the index
    const plan: MemoryPlan = { shared, slots: shared ? 1 + threads : 1 };
    await compile(shared);
    const shards = await IndexPool.#load(source, o, plan, filters as number);
    const pool = new IndexPool(shards, maxQueue as number, mode);
    pool.#plan = plan;
    pool.#filters = filters as number;
    try {
      await Promise.all(Array.from({ length: threads }, (_, w) => pool.#track(pool.#start(w))));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  #plan: MemoryPlan = { shared: true, slots: 1 };
  #filters = 16;

  /** Loads a source as open does, into memory laid out by `plan`, with room for `filters` filters (shared memory). */
  static async #load(source: string | URL | Uint8Array | ArrayBuffer | SharedArrayBuffer, o: Record<string, unknown>, plan: MemoryPlan, filters: number): Promise<Shard[]> {
    const load: LoadOptions | undefined = o.format === undefined && o.dimensions === undefined && o.metric === undefined ? undefined
      : { format: o.format as LoadOptions['format'], dimensions: o.dimensions as number, metric: o.metric as Metric };
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const files = typeof proc?.getBuiltinModule === 'function'; // Node: strings are paths unless they are URLs
    const download: URLLoadOptions = { ...load, onProgress: o.onProgress as URLLoadOptions['onProgress'], signal: o.signal as AbortSignal | undefined };
    let shards: Shard[];
    if (files && typeof source === 'string' && source.endsWith('.json')) shards = (await loadShards(source, plan)).shards;
    else if (files && typeof source === 'string' && !/^https?:\/\//.test(source)) shards = [whole(await loadFile(source, plan, load))];
    else if (typeof source === 'string' || source instanceof URL) shards = [whole(await loadURL(source, plan, download))];
    else shards = [whole(loadBytes(source, plan, load))];
    try {
      if (plan.shared) for (const s of shards) s.image.filters.fix(filters); // before any worker searches it
    } catch (e) {
      for (const s of shards) s.index.free();
      throw e;
    }
    return shards;
  }

  get #first() { return this.#shards[0].index; }
  get dimensions(): number { return this.#first.dimensions; }
  get metric(): Metric { return this.#first.metric; }
  /** Max id + 1 (over every shard). */
  get size(): number { const last = this.#shards[this.#shards.length - 1]; return last.idOffset + last.index.size; }
  get count(): number { return this.#shards.reduce((n, s) => n + s.index.count, 0); }
  /** Trees of the (first) shard; every shard of one build has as many. */
  get trees(): number { return this.#first.trees; }
  /** Most graph neighbours per item (0: no graph). */
  get graph(): number { return this.#first.graph; }
  get byteLength(): number { return this.#shards.reduce((n, s) => n + s.index.byteLength, 0); }
  get shards(): number { return this.#shards.length; }
  /** Whether items have string keys (built with keys: true; a sharded index: every shard). */
  get hasKeys(): boolean { return shardsHaveKeys(this.#shards); }
  /** The served file's checksum (hex; a sharded index: the first shard's), as Index.checksum. */
  get checksum(): string { return this.#first.checksum; }
  get workers(): number { return this.#threads.length; }
  /** 'shared': the workers search one shared memory; 'dedicated': one worker searches a copy of its own. */
  get mode(): PoolMode { return this.#mode; }
  /** Requests waiting for a worker. */
  get queued(): number { return this.#queue.length; }
  /** Workers started to replace dead ones (for monitoring). */
  get restarts(): number { return this.#restarts; }

  /** The shard holding global id `id` and the id there (INVALID_ID for holes and ids out of range). */
  #locate(id: number | string): { shard: Shard; local: number } {
    if (typeof id === 'string') id = this.idOf(id);
    checkId(id);
    const shard = this.#shards.find((s) => id >= s.idOffset && id < s.idOffset + s.index.size);
    if (!shard) throw new AnnoyError('INVALID_ID', `id ${id} is out of range: the index holds ids below ${this.size}`);
    shard.index.getItem(id - shard.idOffset); // INVALID_ID for a hole, CLOSED after close()
    return { shard, local: id - shard.idOffset };
  }

  /** The (global) id of `key`, as Index.idOf. */
  idOf(key: string): number {
    this.#live();
    return globalIdOf(this.#shards, key);
  }

  /** The key of item `id`, as Index.keyOf. */
  keyOf(id: number): string {
    this.#live();
    const { shard, local } = this.#locate(id);
    return shard.index.keyOf(local);
  }

  /** A result with its hits' keys when the index `shards` it came from has keys. */
  #withKeys<T extends SearchResult>(shards: Shard[], result: T): T {
    return withGlobalKeys(shards, result);
  }

  /** A copy of the stored vector of `id` (answered on this thread: no worker needed). */
  getItem(id: number): Float32Array {
    this.#live();
    const { shard, local } = this.#locate(id);
    return shard.index.getItem(local);
  }

  /** The distance between two stored items, as search reports it. */
  distance(i: number, j: number): number {
    this.#live();
    const a = this.#locate(i);
    return a.shard.index.distanceTo(this.getItem(j), a.local);
  }

  /** How worker `w` sees `shards`: the shared memory and its slot there, or (dedicated) a copy of its own. */
  #workerShards(shards: Shard[], w: number, transfer: ArrayBuffer[]): WorkerShard[] {
    return shards.map(({ image }): WorkerShard => {
      const { core } = image;
      if (this.#mode === 'shared') return { memory: core.memory, base: core.base, slot: image.slot(1 + w) };
      // The worker's own copy of the memory image (the file, its screening codes, the removed ids), laid out as here,
      // its slot after it, then the filters' bitmaps made so far (later ones, and removals, come as 'bits' messages).
      // Slot 0 is this thread's, between queries: its visited bits are clear.
      const end = Math.max(image.slot(0) + image.slotBytes, image.filters.end);
      const file = core.bytes.slice(core.base, end);
      transfer.push(file.buffer as ArrayBuffer);
      return { file, base: core.base, slot: image.slot(0), end };
    });
  }

  async #start(w: number): Promise<void> {
    const shared = this.#mode === 'shared';
    const transfer: ArrayBuffer[] = [];
    const known = [...this.#gens.keys()];
    const gens = known.map((gen) => ({ gen, shards: this.#workerShards(this.#gens.get(gen)!.shards, w, transfer) }));
    const worker = await startWorker({ module: wasmModule(shared), gens }, transfer);
    if (this.#terminating) { // close() is past draining: this worker (a late replacement) has nothing to do
      await worker.terminate();
      return;
    }
    const thread: Thread = { worker, slots: [], inFlight: new Map(), alive: true };
    this.#threads[w] = thread;
    // an index loaded while this worker started (a reload): hand it over before any request for it
    for (const [gen, g] of this.#gens) {
      if (known.includes(gen)) continue;
      const more: ArrayBuffer[] = [];
      worker.postMessage({ id: 0, op: 'load', gen, shards: this.#workerShards(g.shards, w, more) }, more);
    }
    // Mode 'dedicated': its copy was taken before it started; the removed ids and the filters' bitmaps again, as they
    // are now, before any request (a createFilter or remove while it started skipped it: it was not live yet)
    if (!shared) {
      for (const gen of known) {
        this.#gens.get(gen)?.shards.forEach(({ image }, shard) => {
          const { removed, filters } = image;
          const parts = [{ at: removed.at, bytes: Math.ceil(image.header.size / 32) * 4 }, { at: filters.start, bytes: filters.end - filters.start }];
          for (const { at, bytes } of parts) {
            if (bytes === 0) continue;
            const words = new Uint32Array(image.core.memory.buffer, at, bytes / 4).slice();
            worker.postMessage({ id: 0, op: 'bits', gen, shard, at, words }, [words.buffer]);
          }
        });
      }
    }
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
    // A query died mid-way: its visited bits are dirty (a dedicated worker's replacement gets a fresh copy).
    if (this.#mode === 'shared') for (const g of this.#gens.values()) for (const s of g.shards) s.image.resetSlot(1 + w);
    this.#restarts++;
    this.#track(this.#start(w).then(() => this.#pump(), (e) => {
      this.#restartError = (e as Error).message;
    }));
  }

  #restartError = '';

  #track(starting: Promise<void>): Promise<void> {
    this.#starting.add(starting);
    const settled = () => {
      this.#starting.delete(starting);
      if (!this.#anyWorker()) this.#failQueued(); // the last hope failed: nothing queued may wait forever
    };
    starting.then(settled, settled);
    return starting;
  }

  /** A worker is alive or on its way. */
  #anyWorker(): boolean {
    return this.#starting.size > 0 || this.#threads.some((t) => t?.alive);
  }

  #failQueued(): void {
    for (const job of this.#queue.splice(0)) job.reject(new AnnoyError('WORKER_FAILED', `no worker is left to answer: ${this.#restartError || 'every worker died'}`));
    this.#pump();
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

  /** Queues a request on the index being served now; it is answered on that index even if a reload follows. */
  #submit<T>(request: RequestBody, pinned?: number): Promise<T> {
    if (this.#closing) return Promise.reject(new AnnoyError('CLOSED', 'this pool is closed'));
    if (!this.#anyWorker()) return Promise.reject(new AnnoyError('WORKER_FAILED', `no worker is left to answer: ${this.#restartError || 'every worker died'}`));
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.reject(new AnnoyError('QUEUE_FULL', `the pool's queue is full (${this.#maxQueue} requests waiting): slow down or raise maxQueue`));
    }
    const gen = pinned ?? this.#gen, g = this.#gens.get(gen)!;
    g.pending++;
    const settled = () => { g.pending--; this.#release(gen); };
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        ...request, gen, id: this.#nextId++, attempts: 0,
        resolve: (v) => { settled(); resolve(v as T); }, reject: (e) => { settled(); reject(e); },
      } as Job);
      this.#pump();
    });
  }

  /** Frees an index a reload replaced once its last request is answered (the workers drop their instances on it). */
  #release(gen: number): void {
    const g = this.#gens.get(gen);
    if (!g || gen === this.#gen || g.pending > 0 || this.#closing) return;
    this.#gens.delete(gen);
    for (const t of this.#threads) if (t?.alive) t.worker.postMessage({ id: 0, op: 'drop', gen });
    for (const s of g.shards) s.index.free();
    setTimeout(collectGarbage, 0); // after the caller's own references are gone (runtime/collect.ts)
  }

  /** Sends `message` to one thread and resolves with its answer (rejects if the worker dies first). */
  #ask(thread: Thread, message: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      thread.inFlight.set(id, { id, op: 'load', attempts: 2, resolve, reject } as unknown as Job);
      thread.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /**
   * Swaps in another index (a path, bytes, a URL or a manifest, with open's load options) without dropping a
   * request: it is loaded into a new memory while the current one keeps answering; then requests made from here on
   * go to it, those already queued or running finish on the old one, and the old memory is freed once they have.
   * A file that does not load rejects the reload with its error and the old index keeps serving. Filters made on
   * the old index are refused on the new one (INVALID_STATE); removals made on it do not carry over. Reloads run
   * one after another.
   */
  reload(source: string | URL | Uint8Array | ArrayBuffer | SharedArrayBuffer, options?: URLLoadOptions): Promise<void> {
    this.#live();
    const o = checkOptions(options, ['format', 'dimensions', 'metric', 'onProgress', 'signal'], 'reload');
    const run = this.#reloading.then(() => this.#reloadNow(source, o), () => this.#reloadNow(source, o));
    this.#reloading = run.catch(() => {});
    return run;
  }

  async #reloadNow(source: string | URL | Uint8Array | ArrayBuffer | SharedArrayBuffer, o: Record<string, unknown>): Promise<void> {
    this.#live();
    const shards = await IndexPool.#load(source, o, this.#plan, this.#filters);
    const gen = this.#nextGen++;
    this.#gens.set(gen, { shards, pending: 0 });
    try {
      this.#live();
      await Promise.all(this.#threads.map((t, w) => {
        if (!t?.alive) return undefined; // a replacement starting now is handed every index this pool holds
        const transfer: ArrayBuffer[] = [];
        return this.#ask(t, { op: 'load', gen, shards: this.#workerShards(shards, w, transfer) }, transfer);
      }));
      this.#live();
    } catch (e) {
      this.#gens.delete(gen);
      for (const t of this.#threads) if (t?.alive) t.worker.postMessage({ id: 0, op: 'drop', gen });
      for (const s of shards) s.index.free();
      throw e;
    }
    const old = this.#gen;
    this.#gen = gen;
    this.#shards = shards;
    this.#release(old);
  }

  /** Which index is being served: 0 for the one opened, one more for each reload. */
  get generation(): number { return this.#gen; }

  #live(): void {
    if (this.#closing) throw new AnnoyError('CLOSED', 'this pool is closed');
  }

  /** Per-shard hits of the index `shards` answered on, with their id offsets, merged (one shard: as it is). */
  #merge(shards: Shard[], parts: Part[], k: number): SearchResult {
    if (parts.length === 1) return this.#withKeys(shards, { ids: parts[0].ids, distances: parts[0].distances });
    return this.#withKeys(shards, mergeTopK(shards[0].index.metric, parts.map((p, i) => ({ ...p, idOffset: shards[i].idOffset })), k));
  }

  /** Each shard's mask for a query with these options: its part of the filter (checked) and its removed ids. */
  #masks(options: SearchOptions | undefined, plan: { searchK: number; ef: number }): Mask[] | undefined {
    const parts = filterOf(options, this, this.#shards.map((s) => s.image));
    const masks = this.#shards.map((s, i) => maskOf(s.image, parts === null ? null : parts[i], plan) ?? { allow: 0, hidden: 0, scan: false });
    return masks.every((m) => m.allow === 0 && m.hidden === 0) ? undefined : masks;
  }

  /**
   * A filter for this pool's queries, as Index.createFilter (global ids over every shard). It lives in the shared
   * memory, in room reserved at open (the `filters` option); the workers read it in place. Mode 'dedicated': the
   * bitmap is made here and copied once into the worker's own memory (same address) before this resolves.
   */
  async createFilter(spec: FilterSpec): Promise<IdFilter> {
    this.#live();
    const filter = makeFilter(this, spec, this.#shards, this.size);
    if (this.#mode === 'dedicated') {
      // the worker searches a copy of its own: it gets the bitmaps, at the same addresses, before the filter is used
      const shards = this.#shards;
      try {
        await this.#toCopies(shards, (s) => filter.partsFor(this, shards.map((sh) => sh.image))[s].at, (s, at) => shards[s].image.filters.read(at));
      } catch (e) {
        filter.free();
        throw e;
      }
    }
    return filter;
  }

  /**
   * Mode 'dedicated': writes a bitmap of each shard (at `atOf(shard)`, the words `wordsOf(shard, at)`) into every
   * worker's copy of the served index, and resolves once each has it (messages to a worker are answered in order,
   * so every later request sees it).
   */
  async #toCopies(shards: Shard[], atOf: (s: number) => number, wordsOf: (s: number, at: number) => Uint32Array): Promise<void> {
    const gen = this.#gen;
    await Promise.all(this.#threads.flatMap((t) => (t?.alive ? shards.map((_, s) => {
      const at = atOf(s), words = wordsOf(s, at);
      // a worker that dies meanwhile is replaced by one whose copy is taken from this thread's memory, bitmap and all
      return this.#ask(t, { op: 'bits', gen, shard: s, at, words }, [words.buffer as ArrayBuffer]).catch((e) => {
        if (t.alive) throw e;
      });
    }) : [])));
  }

  /**
   * Hides `ids` (global) from every request made after this resolves, as Index.remove does: the removed bitmap
   * is in the shared memory, so the workers see it at once (a request already running may or may not); mode
   * 'dedicated': copied into the worker's own memory before this resolves. Resolves to how many ids were newly removed.
   */
  async remove(ids: Uint32Array | ArrayLike<number>): Promise<number> {
    this.#live();
    const removed = removeGlobal(this.#shards, ids);
    if (this.#mode === 'dedicated' && removed > 0) {
      const shards = this.#shards;
      await this.#toCopies(shards, (s) => shards[s].image.removed.at, (s, at) => new Uint32Array(shards[s].image.removedWords().slice()));
    }
    return removed;
  }

  /** The k nearest items to `vector`, as Index.search answers it. */
  async search(vector: Vector, k: number, options?: SearchOptions): Promise<SearchResult> {
    this.#live();
    checkVector(vector, this.dimensions, this.metric);
    checkK(k);
    const { searchK, rerank, ef } = checkSearchOptions(options, k, this.trees, this.graph);
    const masks = this.#masks(options, { searchK, ef });
    const query = Float32Array.from(vector);
    const shards = this.#shards;
    const { parts } = await this.#submit<{ parts: Part[] }>({ op: 'search', query, k: Math.min(k, this.count), searchK, rerank, ef, masks });
    return this.#merge(shards, parts, k);
  }

  /** The k nearest items to item `id` (or, with string keys, the item named `id`). */
  async searchItem(id: number | string, k: number, options?: SearchOptions): Promise<SearchResult> {
    this.#live();
    const { shard, local } = this.#locate(id);
    if (this.#shards.length > 1) return this.search(shard.index.getItem(local), k, options);
    checkK(k);
    const { searchK, rerank, ef } = checkSearchOptions(options, k, this.trees, this.graph);
    const masks = this.#masks(options, { searchK, ef });
    const shards = this.#shards;
    const { parts } = await this.#submit<{ parts: Part[] }>({ op: 'item', item: local, k: Math.min(k, this.count), searchK, rerank, ef, masks });
    return this.#merge(shards, parts, k);
  }

  /** Searches every row of a flat batch, spread across the workers. */
  async searchBatch(flat: Float32Array | ArrayLike<number>, k: number, options?: SearchOptions): Promise<BatchResult> {
    this.#live();
    const dims = this.dimensions;
    const rows = checkBatch(flat, dims, this.metric);
    checkK(k);
    checkBatchK(rows, k);
    const { searchK, rerank, ef } = checkSearchOptions(options, k, this.trees, this.graph);
    const masks = this.#masks(options, { searchK, ef });
    const all = flat instanceof Float32Array ? flat : Float32Array.from(flat);
    const chunk = Math.max(1, Math.ceil(rows / (this.#threads.length * 4)));
    const pending: Promise<{ parts: Part[] }>[] = [];
    for (let r = 0; r < rows; r += chunk) {
      const n = Math.min(chunk, rows - r);
      const queries = all.slice(r * dims, (r + n) * dims);
      pending.push(this.#submit({ op: 'batch', queries, rows: n, k, kEffective: Math.min(k, this.count), searchK, rerank, ef, masks }));
    }
    const shards = this.#shards;
    const done = await Promise.all(pending);
    // Each chunk's rows, merged across shards, then the chunks one after another.
    const out = BatchResult.empty(rows, k);
    done.forEach(({ parts }, c) => {
      const merged = mergeRows(shards[0].index.metric, parts.map((p, i) => ({ ...(p as Required<Part>), idOffset: shards[i].idOffset })), k);
      out.ids.set(merged.ids, c * chunk * k);
      out.distances.set(merged.distances, c * chunk * k);
      out.counts.set(merged.counts, c * chunk);
    });
    return this.#withKeys(shards, out);
  }

  #searchingAll: Promise<unknown> = Promise.resolve();

  /**
   * Every item's k nearest other items, as Index.searchAll answers them (the same rows), with the work split across
   * the workers: on a graph index each chunk of the joins is split into one part per worker (a chunk's lists are
   * read only while its pairs are generated, then each worker offers them to its range of lists), otherwise each
   * worker searches a range of items. An unsharded index in mode 'shared' (dedicated: answered on this thread).
   * One searchAll runs at a time per pool; searches go on meanwhile. The index is the one served when it began.
   */
  async searchAll(k: number, options?: SearchAllOptions): Promise<BatchResult> {
    this.#live();
    checkK(k);
    const { onProgress, ...rest } = checkOptions(options, ['searchK', 'rerank', 'ef', 'onProgress'], 'searchAll');
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new AnnoyError('INVALID_ARGUMENT', `onProgress ${show(onProgress)} is not a function`);
    if (this.#shards.length > 1) throw new AnnoyError('INVALID_STATE', `searchAll needs one index; this pool serves ${this.#shards.length} shards (an item's neighbours may be in any of them)`);
    checkBatchK(this.size, k);
    const plan = checkSearchOptions(rest, k, this.trees, this.graph);
    const width = this.graph !== 0 ? searchAllWidth(k, rest.ef as number | undefined) : undefined;
    const run = this.#searchingAll.then(() => this.#searchAllNow(k, plan, width, rest, onProgress as SearchAllOptions['onProgress']));
    this.#searchingAll = run.catch(() => {});
    return run;
  }

  async #searchAllNow(k: number, plan: { searchK: number; rerank: number; ef: number }, width: number | undefined, options: Record<string, unknown>, onProgress: SearchAllOptions['onProgress']): Promise<BatchResult> {
    this.#live();
    const gen = this.#gen, g = this.#gens.get(gen)!, shards = g.shards, image = shards[0].image;
    if (this.#mode !== 'shared') return shards[0].index.searchAll(k, { ...options, onProgress } as SearchAllOptions);
    g.pending++; // the index stays while this runs, whatever reloads meanwhile
    try {
      const size = image.header.size, parts = this.#threads.length;
      let last = -1;
      const progress = (f: number) => {
        const done = Math.min(size - 1, Math.floor(f * size));
        if (onProgress && done !== last) onProgress({ done: (last = done), total: size });
      };
      let rows: { ids: Uint32Array; distances: Float32Array; counts: Uint32Array };
      const ask = (step: Step, p: number) => {
        const alive = this.#threads.filter((t): t is Thread => t?.alive === true);
        const message = { op: 'join', scratch: 0, step, gen };
        return alive.length > 0 ? this.#ask(alive[p % alive.length], message, []) : this.#submit(message as RequestBody, gen);
      };
      if (answersFromStored(image, k, options.ef as number | undefined)) {
        // the stored rows: one range of ids per worker, then any row removals left short walked again here
        const at = beginStored(image, k);
        await Promise.all(storedSteps(image, at, k, parts).map((s, p) => ask(s, p)));
        rows = storedRowsOf(image, at, k, (id) => image.walkRow(id, k, plan));
      } else if (width !== undefined) {
        // every step split into one part per worker (each worker attaches to the state in the shared memory). Part p
        // goes to worker p itself: through the queue, one worker could take both parts of a phase (it holds
        // PER_WORKER requests) and run them one after the other.
        const join = beginJoin(image, k, width, parts);
        await joinAsync(image, join, parts, (step, p) => {
          const alive = this.#threads.filter((t): t is Thread => t?.alive === true);
          const message = { op: 'join', scratch: join.scratch, step, gen };
          const answer = alive.length > 0 ? this.#ask(alive[p % alive.length], message, []) : this.#submit(message as RequestBody, gen);
          return answer.then((r) => (r as { n: number }).n);
        }, progress);
        rows = rowsOf(image, join, (id, ask) => image.exactRow(id, ask));
      } else {
        const { ask, searchK, ef, present } = image.itemRowsPlan(k, plan);
        const hidden = image.removed.count > 0 ? image.removed.at >>> 2 : 0;
        rows = BatchResult.empty(size, k);
        const block = Math.max(256, Math.ceil(size / (parts * 16)));
        let done = 0;
        const pending: Promise<void>[] = [];
        for (let lo = 0; lo < size; lo += block) {
          const hi = Math.min(size, lo + block);
          pending.push(this.#submit<{ ids: Uint32Array; distances: Float32Array; counts: Uint32Array }>({ op: 'rows', lo, hi, k, ask, searchK, rerank: plan.rerank, ef, present, hidden }, gen).then((r) => {
            rows.ids.set(r.ids, lo * k);
            rows.distances.set(r.distances, lo * k);
            rows.counts.set(r.counts, lo);
            done += hi - lo;
            progress(done / size);
          }));
        }
        await Promise.all(pending);
      }
      onProgress?.({ done: size, total: size });
      return this.#withKeys(shards, new BatchResult(rows.ids, rows.distances, rows.counts, k));
    } finally {
      g.pending--;
      this.#release(gen);
    }
  }

  /** Finishes queued and in-flight requests, ends every worker and frees the memory. Later calls throw CLOSED. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        if (!this.#anyWorker()) this.#failQueued();
        this.#pump();
      });
      this.#terminating = true;
      while (this.#starting.size > 0) await Promise.allSettled([...this.#starting]);
      await Promise.all(this.#threads.map((t) => {
        if (!t) return undefined;
        t.alive = false;
        return t.worker.terminate();
      }));
      for (const g of this.#gens.values()) for (const s of g.shards) s.index.free();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
