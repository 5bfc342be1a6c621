// IndexPool: real worker threads over one shared memory answer exactly as Index does, survive workers that
// die under load, apply backpressure, and drain on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AnnoyError, IndexBuilder, IndexPool } from '../src/index.js';
import { gloveSample } from './helpers.js';
import { crashNextStartedAt, started } from './worker-harness.js';

// Workers this file can watch and kill (test/worker-harness.ts): the package itself has no crash operation.
vi.mock('../src/runtime/worker.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/runtime/worker.js')>();
  const { watchedStartWorker } = await import('./worker-harness.js');
  return { ...real, startWorker: watchedStartWorker(real.workerSource()) };
});

const glove = gloveSample();
const index = new IndexBuilder({ dimensions: 100, metric: 'angular', seed: 11 }).addBatch(glove.vectors).build({ trees: 10 });
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-pool-'));
const file = join(dir, 'glove.annoy');
index.saveSync(file);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const row = (i: number) => glove.vectors.subarray(i * 100, (i + 1) * 100);

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AnnoyError);
  expect((err as AnnoyError).code).toBe(code);
}

describe('IndexPool', () => {
  it('answers exactly as Index: 2,000 searches, item searches and a batch, across 2 workers', async () => {
    const pool = await IndexPool.open(file, { workers: 2 });
    try {
      expect([pool.workers, pool.size, pool.dimensions, pool.metric, pool.trees]).toEqual([2, index.size, 100, 'angular', 10]);
      const searches = Array.from({ length: 1000 }, (_, i) => pool.search(row(i), 10, { searchK: 500 }));
      const items = Array.from({ length: 1000 }, (_, i) => pool.searchItem(i + 1000, 5));
      const got = await Promise.all(searches);
      got.forEach((r, i) => expect(r).toEqual(index.search(row(i), 10, { searchK: 500 })));
      (await Promise.all(items)).forEach((r, i) => expect(r).toEqual(index.searchItem(i + 1000, 5)));
      expect(await pool.searchBatch(glove.queries, 10, { searchK: 1000 })).toEqual(index.searchBatch(glove.queries, 10, { searchK: 1000 }));
    } finally {
      await pool.close();
    }
  });

  it('opens from bytes too, and validates like Index', async () => {
    const pool = await IndexPool.open(index.toBytes(), { workers: 1 });
    expect((await pool.searchItem(7, 3)).ids).toEqual(index.searchItem(7, 3).ids);
    await expectCode(pool.search([1, 2], 3), 'DIMENSION_MISMATCH');
    await expectCode(pool.searchItem(10_000, 3), 'INVALID_ID');
    await expectCode(pool.search(row(0), 0), 'INVALID_ARGUMENT');
    await pool.close();
    const bad = index.toBytes();
    bad[bad.length - 20] ^= 4;
    await expectCode(IndexPool.open(bad, { workers: 1 }), 'CORRUPT_INDEX');
    await expectCode(IndexPool.open(file, { workers: 0 }), 'INVALID_ARGUMENT');
  });

  /** The pool's workers as test/worker-harness.ts sees them: the ones started from `from` on. */
  const since = (from: number) => started.slice(from);

  for (const how of ['exit', 'throw', 'trap'] as const) {
    it(`a worker that dies holding requests (${how}): they are retried on another worker, none is lost`, async () => {
      const from = started.length;
      const pool = await IndexPool.open(file, { workers: 2 });
      try {
        const [dying] = since(from);
        // The crash is the first message it reads: the requests posted after it are provably in flight when it dies.
        dying.crash(how);
        const pending = Array.from({ length: 600 }, (_, i) => pool.searchItem(i, 10, { searchK: 300 }));
        const results = await Promise.all(pending);
        results.forEach((r, i) => expect(r).toEqual(index.searchItem(i, 10, { searchK: 300 })));
        expect([dying.dead, dying.answered.size]).toEqual([true, 0]);
        const lost = dying.unanswered();
        expect(lost.length).toBe(2); // a worker holds two requests at a time
        for (const request of lost) {
          const retriedOn = since(from).filter((w) => w !== dying && w.posted.some((p) => p.id === request.id) && w.answered.has(request.id));
          expect([request.item, retriedOn.length]).toEqual([request.item, 1]);
        }
        expect(pool.restarts).toBe(1);
        // the replacement answers correctly too
        expect(await pool.search(row(42), 10)).toEqual(index.search(row(42), 10));
      } finally {
        await pool.close();
      }
    });
  }

  it('when every worker dies at once, and their replacements too, a request is rejected with WORKER_FAILED only if it met two dying workers; none hangs', async () => {
    const from = started.length;
    const pool = await IndexPool.open(file, { workers: 2 });
    try {
      const [a, b] = since(from);
      // Both die before answering anything, and the first replacement of each dies on its first request.
      crashNextStartedAt(a.slot, 'throw');
      crashNextStartedAt(b.slot, 'exit');
      a.crash('trap');
      b.crash('exit');
      const pending = Array.from({ length: 600 }, (_, i) => pool.searchItem(i, 10, { searchK: 300 }));
      const settled = await Promise.allSettled(pending);
      // how many dead workers were holding item i's request unanswered
      const diedHolding = (i: number) => since(from).filter((w) => w.dead && w.unanswered().some((p) => p.item === i)).length;
      let failed = 0;
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') {
          expect(s.value).toEqual(index.searchItem(i, 10, { searchK: 300 }));
          expect(diedHolding(i)).toBeLessThanOrEqual(1);
        } else {
          failed++;
          expect(s.reason).toBeInstanceOf(AnnoyError);
          expect([i, s.reason.code, diedHolding(i)]).toEqual([i, 'WORKER_FAILED', 2]);
        }
      });
      // The first replacement to start takes two retried requests (no healthy worker exists yet) and dies.
      expect(failed).toBeGreaterThanOrEqual(2);
      expect(failed).toBeLessThanOrEqual(4);
      // Every death was replaced once. The originals always die; a first replacement dies only if a request reaches
      // it before its sibling has answered everything, so under load three or four workers die.
      const deaths = since(from).filter((w) => w.dead).length;
      expect(deaths).toBeGreaterThanOrEqual(3);
      expect(pool.restarts).toBe(deaths);
      expect(await pool.search(row(1), 5)).toEqual(index.search(row(1), 5));
    } finally {
      await pool.close();
    }
  });

  it('rejects with QUEUE_FULL beyond maxQueue and answers the rest', async () => {
    const pool = await IndexPool.open(file, { workers: 1, maxQueue: 5 });
    const settled = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => pool.searchItem(i, 10)));
    const full = settled.filter((s) => s.status === 'rejected');
    expect(full.length).toBeGreaterThan(0);
    for (const s of full) expect((s as PromiseRejectedResult).reason.code).toBe('QUEUE_FULL');
    settled.forEach((s, i) => { if (s.status === 'fulfilled') expect(s.value).toEqual(index.searchItem(i, 10)); });
    await pool.close();
  });

  it('close() drains in-flight work, then every call is CLOSED', async () => {
    const pool = await IndexPool.open(file, { workers: 2 });
    const pending = Array.from({ length: 200 }, (_, i) => pool.searchItem(i, 10));
    const closing = pool.close();
    await expectCode(pool.search(row(0), 1), 'CLOSED');
    (await Promise.all(pending)).forEach((r, i) => expect(r).toEqual(index.searchItem(i, 10)));
    await closing;
    await expectCode(pool.searchBatch(glove.queries, 1), 'CLOSED');
  });
});

describe('IndexPool over an Annoy file', () => {
  it('answers as Index does on the same .ann file', async () => {
    const path = new URL('./fixtures/annoy/angular.ann', import.meta.url).pathname;
    const shape = { format: 'annoy' as const, dimensions: 16, metric: 'angular' as const };
    const { Index } = await import('../src/index.js');
    const single = Index.openSync(path, shape);
    const pool = await IndexPool.open(path, { workers: 2, ...shape });
    try {
      for (let id = 0; id < 50; id++) expect(await pool.searchItem(id, 10)).toEqual(single.searchItem(id, 10));
    } finally {
      await pool.close();
    }
  });
});
