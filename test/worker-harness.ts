// Worker threads the tests can watch and kill. A test file replaces startWorker (src/runtime/worker.ts) with
// `watchedStartWorker` through vi.mock; each worker then runs the package's own program (workerSource) behind a small
// test-only entry that can make it exit, throw or trap, and every request posted to it and every answer it sends
// is recorded. So a test can arrange "a worker dies holding requests" instead of hoping a race produces it, and
// can see which requests were retried on which worker. Nothing of this ships: the package has no crash operation.
import { Worker } from 'node:worker_threads';
import { SLOT } from '../src/format/layout.js';
import type { WorkerLike, WorkerSetup } from '../src/runtime/worker.js';

export type Crash = 'exit' | 'throw' | 'trap';

/** A message the pool posted: the request (its `id`, and `item` for searchItem). */
interface Posted { id: number; op: string; item?: number }

export interface Watched {
  /** Start order: 0, 1, ... over the whole test file. */
  n: number;
  /** The scratch slot address of its first shard (shared mode: one per pool worker index, kept by its replacements). */
  slot: number;
  posted: Posted[];
  answered: Set<number>;
  dead: boolean;
  /** Makes this worker die on the next message it reads. */
  crash(how: Crash): void;
  /** Requests posted to it that it never answered. */
  unanswered(): Posted[];
}

export const started: Watched[] = [];
/** Slot addresses whose next started worker dies on its first request (then the slot is disarmed). */
const armed = new Map<number, Crash>();
export function crashNextStartedAt(slot: number, how: Crash): void { armed.set(slot, how); }
export function reset(): void { started.length = 0; armed.clear(); }

// A module whose only function executes `unreachable`: a genuine wasm trap (WebAssembly.RuntimeError).
const TRAP = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 116, 0, 0, 10, 5, 1, 3, 0, 0, 11];

function entry(program: string): string {
  return `
    const threads = process.getBuiltinModule('node:worker_threads');
    const die = (how) => {
      if (how === 'exit') process.exit(3);
      if (how === 'trap') new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(TRAP)}))).exports.t();
      throw new Error('this worker was told to throw');
    };
    const onFirstRequest = threads.workerData.crashOnFirstRequest;
    let dying = false;
    // Registered before workerMain's listener, so it sees every message first. parentPort is an EventTarget: a
    // listener that throws does not stop the next one, so a dying worker stops the message from reaching
    // workerMain before it dies (and every message after it: a thrown error ends the worker a tick later).
    threads.parentPort.addEventListener('message', (event) => {
      const m = event.data;
      const how = m && m.op === 'test-crash' ? m.how : onFirstRequest;
      if (!dying && !how) return;
      event.stopImmediatePropagation();
      if (!dying) { dying = true; die(how); }
    });
    ${program};`;
}

/** startWorker's contract (resolves once the worker is ready), on a watched worker. */
export function watchedStartWorker(program: string) {
  return (setup: WorkerSetup, transfer: Transferable[] = []): Promise<WorkerLike> => {
    const slot = setup.gens?.[0]?.shards[0]?.slot ?? -1;
    const crashOnFirstRequest = armed.get(slot);
    armed.delete(slot);
    // as startWorker does: a search worker is told where a slot's parts are
    const data = { ...setup, ...(setup.gens ? { parts: SLOT } : {}), crashOnFirstRequest };
    const worker = new Worker(entry(program), { eval: true, workerData: data, transferList: transfer as never });
    const w: Watched = {
      n: started.length, slot, posted: [], answered: new Set(), dead: false,
      crash: (how) => worker.postMessage({ op: 'test-crash', how }),
      unanswered: () => w.posted.filter((p) => !w.answered.has(p.id)),
    };
    started.push(w);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (m: unknown, list?: readonly Transferable[]) => {
      const p = m as Posted;
      if (typeof p?.id === 'number') w.posted.push({ id: p.id, op: p.op, item: p.item });
      post(m, list as never);
    };
    worker.on('message', (m: { id?: number }) => { if (typeof m?.id === 'number') w.answered.add(m.id); });
    worker.on('exit', () => { w.dead = true; });
    worker.on('error', () => { w.dead = true; });
    return new Promise((resolve, reject) => {
      const fail = (e: unknown) => { worker.terminate().catch(() => {}); reject(e instanceof Error ? e : new Error(`worker exited with code ${String(e)} while starting`)); };
      worker.once('error', fail);
      worker.once('exit', fail);
      worker.once('message', () => {
        worker.off('error', fail);
        worker.off('exit', fail);
        resolve(worker as unknown as WorkerLike);
      });
    });
  };
}
