// Worker threads over one shared wasm memory. Every worker runs `workerMain`: one self-contained function (no
// imports, no closure) started from its own source text, so the ESM and CommonJS builds need no worker file
// path. It instantiates the shared-memory module on the memory it is handed (no copy of the index) and serves
// requests in its own scratch slot (search) or scratch area (build).
import type { Worker as NodeWorker } from 'node:worker_threads';
import { AnnoyError } from '../errors.js';

export interface WorkerSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  base: number;
  /** search: this worker's scratch slot */
  slot?: number;
  /** build: the dot extras area and this worker's build scratch */
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
  const x = new WebAssembly.Instance(setup.module, { env: { memory: setup.memory } }).exports as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const f32 = new Float32Array(setup.memory.buffer);
  const u32 = new Uint32Array(setup.memory.buffer);
  const base = setup.base;
  let queryIn = 0, outIds = 0, outDistances = 0;
  if (setup.slot !== undefined) {
    queryIn = (setup.slot + (x.slotOffset(base, 0) >>> 0)) >>> 2;
    outIds = (setup.slot + (x.slotOffset(base, 2) >>> 0)) >>> 2;
    outDistances = (setup.slot + (x.slotOffset(base, 3) >>> 0)) >>> 2;
  } else {
    x.beginBuild(base, setup.extras, setup.scratch);
  }
  parentPort.on('message', (m: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (m.op === 'search' || m.op === 'item') {
      if (m.op === 'search') f32.set(m.query, queryIn);
      const n = x.search(base, setup.slot, m.op === 'item' ? m.item : -1, m.k, m.searchK) >>> 0;
      const ids = u32.slice(outIds, outIds + n);
      const distances = f32.slice(outDistances, outDistances + n);
      parentPort.postMessage({ id: m.id, ids, distances }, [ids.buffer, distances.buffer]);
    } else if (m.op === 'batch') {
      const dims = m.queries.length / m.rows;
      const ids = new Uint32Array(m.rows * m.k).fill(0xFFFFFFFF);
      const distances = new Float32Array(m.rows * m.k).fill(NaN);
      const counts = new Uint32Array(m.rows);
      for (let r = 0; r < m.rows; r++) {
        f32.set(m.queries.subarray(r * dims, (r + 1) * dims), queryIn);
        const n = x.search(base, setup.slot, -1, m.kEffective, m.searchK) >>> 0;
        ids.set(u32.subarray(outIds, outIds + n), r * m.k);
        distances.set(f32.subarray(outDistances, outDistances + n), r * m.k);
        counts[r] = n;
      }
      parentPort.postMessage({ id: m.id, ids, distances, counts }, [ids.buffer, distances.buffer, counts.buffer]);
    } else if (m.op === 'build') {
      const root = x.buildTree(base, m.seed, m.tree, m.nodes, m.end);
      parentPort.postMessage({ id: m.id, root, nodes: x.builtNodes.value >>> 0, failed: Boolean(x.buildFailed.value) });
    } else if (m.op === 'crash') {
      if (m.how === 'exit') process.exit(3);
      if (m.how === 'trap') x.search(base, 0xFFFFFFF0, -1, 1, 1);
      throw new Error('worker crash requested by a test');
    }
  });
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
