// Worker threads over one shared wasm memory. Every worker runs `workerMain`: one self-contained function (no
// imports, no closure) started from its own source text, so the ESM and CommonJS builds need no worker file
// path. It instantiates the shared-memory module on the memory it is handed (no copy of the index) and serves
// requests in its own scratch slot (search) or scratch area (build).
import type { Worker as NodeWorker } from 'node:worker_threads';
import { AnnoyError } from '../errors.js';

export interface WorkerSetup {
  module: WebAssembly.Module;
  /** search: each shard's memory, file base and this worker's scratch slot there (one entry: a plain index) */
  shards?: { memory: WebAssembly.Memory; base: number; slot: number }[];
  /** build: the memory, file base, dot extras area and this worker's build scratch */
  memory?: WebAssembly.Memory;
  base?: number;
  extras?: number;
  scratch?: number;
}

export type WorkerRequest =
  | { id: number; op: 'search'; query: Float32Array; k: number; searchK: number }
  | { id: number; op: 'item'; item: number; k: number; searchK: number }
  | { id: number; op: 'batch'; queries: Float32Array; rows: number; k: number; kEffective: number; searchK: number }
  | { id: number; op: 'build'; seed: number; tree: number; nodes: number; end: number }
  | { id: number; op: 'crash'; how: 'exit' | 'throw' | 'trap' };

/** A request before the pool numbers it. */
export type RequestBody = { [K in WorkerRequest['op']]: Omit<Extract<WorkerRequest, { op: K }>, 'id'> }[WorkerRequest['op']];

export function workerMain(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort, workerData } = require('node:worker_threads');
  const setup = workerData;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const instantiate = (memory: WebAssembly.Memory): any => new WebAssembly.Instance(setup.module, { env: { memory } }).exports;
  // One instance per shard, each on that shard's memory, searching in this worker's slot there.
  const shards = (setup.shards ?? []).map((s: { memory: WebAssembly.Memory; base: number; slot: number }) => {
    const x = instantiate(s.memory);
    const part = (p: number) => (s.slot + (x.slotOffset(s.base, p) >>> 0)) >>> 2;
    return { x, base: s.base, slot: s.slot, f32: new Float32Array(s.memory.buffer), u32: new Uint32Array(s.memory.buffer), queryIn: part(0), outIds: part(2), outDistances: part(3) };
  });
  const builder = setup.memory ? instantiate(setup.memory) : null;
  if (builder) builder.beginBuild(setup.base, setup.extras, setup.scratch);
  // Searches shard `s` for the query already in its queryIn (or for item `item`); returns the hit count.
  const run = (s: any, item: number, k: number, searchK: number): number => s.x.search(s.base, s.slot, item, k, searchK) >>> 0;
  parentPort.on('message', (m: any) => {
    if (m.op === 'search' || m.op === 'item') {
      const parts = shards.map((s: any) => {
        if (m.op === 'search') s.f32.set(m.query, s.queryIn);
        const n = run(s, m.op === 'item' ? m.item : -1, m.k, m.searchK);
        return { ids: s.u32.slice(s.outIds, s.outIds + n), distances: s.f32.slice(s.outDistances, s.outDistances + n) };
      });
      parentPort.postMessage({ id: m.id, parts }, parts.flatMap((p: any) => [p.ids.buffer, p.distances.buffer]));
    } else if (m.op === 'batch') {
      const dims = m.queries.length / m.rows;
      const parts = shards.map((s: any) => {
        const ids = new Uint32Array(m.rows * m.k).fill(0xFFFFFFFF);
        const distances = new Float32Array(m.rows * m.k).fill(NaN);
        const counts = new Uint32Array(m.rows);
        for (let r = 0; r < m.rows; r++) {
          s.f32.set(m.queries.subarray(r * dims, (r + 1) * dims), s.queryIn);
          const n = run(s, -1, m.kEffective, m.searchK);
          ids.set(s.u32.subarray(s.outIds, s.outIds + n), r * m.k);
          distances.set(s.f32.subarray(s.outDistances, s.outDistances + n), r * m.k);
          counts[r] = n;
        }
        return { ids, distances, counts };
      });
      parentPort.postMessage({ id: m.id, parts }, parts.flatMap((p: any) => [p.ids.buffer, p.distances.buffer, p.counts.buffer]));
    } else if (m.op === 'build') {
      const root = builder.buildTree(setup.base, m.seed, m.tree, m.nodes, m.end);
      parentPort.postMessage({ id: m.id, root, nodes: builder.builtNodes.value >>> 0, failed: Boolean(builder.buildFailed.value) });
    } else if (m.op === 'crash') {
      if (m.how === 'exit') process.exit(3);
      if (m.how === 'trap') shards[0].x.search(shards[0].base, 0xFFFFFFF0, -1, 1, 1);
      throw new Error('worker crash requested by a test');
    }
  });
  /* eslint-enable @typescript-eslint/no-explicit-any */
  parentPort.postMessage({ ready: true });
}

type WorkerThreads = typeof import('node:worker_threads');

function workerThreads(): WorkerThreads {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const wt = proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
  if (!wt) throw new AnnoyError('INVALID_STATE', 'worker threads need Node.js >= 20.16 (browsers: issue 7)');
  return wt;
}

/** Starts a worker on `setup` and resolves once it has instantiated the module. */
export function startWorker(setup: WorkerSetup): Promise<NodeWorker> {
  const { Worker } = workerThreads();
  const worker = new Worker(`(${workerMain.toString()})()`, { eval: true, workerData: setup });
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => reject(e instanceof Error ? e : new Error(`worker exited with code ${String(e)} while starting`));
    worker.once('error', fail);
    worker.once('exit', fail);
    worker.once('message', () => {
      worker.off('error', fail);
      worker.off('exit', fail);
      resolve(worker);
    });
  });
}
