// Shared by the tests: the committed GloVe and Fashion-MNIST samples and an exact brute force in float64.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { expect } from 'vitest';
import { AnnoyError, type Index, type Metric } from '../src/index.js';
import { H } from '../src/format/layout.js';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'glove-sample');

export function gloveSample() {
  const f32 = (name: string) => {
    const b = readFileSync(join(dataDir, name));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const lines = (name: string) => readFileSync(join(dataDir, name), 'utf8').trim().split('\n');
  return { dimensions: 100, vectors: f32('vectors.f32'), words: lines('words.txt'), queries: f32('queries.f32'), queryWords: lines('queries.txt') };
}

/** data/fashion-sample: 4,000 Fashion-MNIST training images and 200 test images, pixels as float32 (784-d). */
export function fashionSample() {
  const pixels = (name: string) => Float32Array.from(gunzipSync(readFileSync(join(dataDir, '..', 'fashion-sample', name))));
  return { dimensions: 784, vectors: pixels('base.u8.gz'), queries: pixels('queries.u8.gz') };
}

export function exactDistance(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (metric === 'angular') { s += x * y; aa += x * x; bb += y * y; }
    else if (metric === 'euclidean') s += (x - y) ** 2;
    else if (metric === 'manhattan') s += Math.abs(x - y);
    else if (metric === 'dot') s += x * y;
    else s += x !== y ? 1 : 0;
  }
  if (metric === 'angular') return aa * bb > 0 ? Math.sqrt(Math.max(0, 2 - 2 * s / Math.sqrt(aa * bb))) : Math.SQRT2;
  if (metric === 'euclidean') return Math.sqrt(s);
  return s;
}

/** Exact top-k ids of `query` among rows of `flat` (ids = row numbers), ties by smaller id. */
export function bruteForce(metric: Metric, flat: Float32Array, dims: number, query: ArrayLike<number>, k: number): number[] {
  const n = flat.length / dims;
  const scored: [number, number][] = [];
  for (let i = 0; i < n; i++) scored.push([exactDistance(metric, flat.subarray(i * dims, (i + 1) * dims), query), i]);
  const sign = metric === 'dot' ? -1 : 1;
  scored.sort((p, q) => sign * (p[0] - q[0]) || p[1] - q[1]);
  return scored.slice(0, k).map((s) => s[1]);
}

// The checksum as the core computes it (over every byte but the checksum field), so a test can forge a file
// whose only damage is structural.
let checksumCore: { memory: WebAssembly.Memory; checksum(p: number, n: number): bigint } | undefined;
export function checksumOf(bytes: Uint8Array): bigint {
  checksumCore ??= new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../build/annoy.wasm', import.meta.url))), {
    env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65536 }) },
  }).exports as typeof checksumCore;
  const core = checksumCore!;
  const base = 1 << 16;
  const need = base + bytes.length - core.memory.buffer.byteLength;
  if (need > 0) core.memory.grow(Math.ceil(need / 65536));
  new Uint8Array(core.memory.buffer).set(bytes, base);
  return BigInt.asUintN(64, core.checksum(base, bytes.length));
}

/** Writes the right checksum into an annoy-wasm file's header (at H.CHECKSUM). */
export function reseal(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(H.CHECKSUM, checksumOf(bytes), true);
  return bytes;
}

/** Exact top k among the items `ids` (rows of `flat`, d values each), ties by smaller id. */
export function bruteForceAmong(metric: Metric, flat: Float32Array, d: number, q: ArrayLike<number>, k: number, ids: Iterable<number>): number[] {
  const sorted = [...ids].sort((a, b) => a - b);
  const sub = new Float32Array(sorted.length * d);
  sorted.forEach((id, r) => sub.set(flat.subarray(id * d, (id + 1) * d), r * d));
  return bruteForce(metric, sub, d, q, k).map((r) => sorted[r]);
}

/** `got` is the exact top k `want`: ids equal, or a different id only where its distance ties; distances as exact. */
export function expectExactTopK(metric: Metric, flat: Float32Array, d: number, q: ArrayLike<number>, got: { ids: Uint32Array; distances: Float32Array }, want: number[]): void {
  expect(got.ids.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const dWant = exactDistance(metric, flat.subarray(want[i] * d, (want[i] + 1) * d), q);
    const dGot = exactDistance(metric, flat.subarray(got.ids[i] * d, (got.ids[i] + 1) * d), q);
    if (got.ids[i] !== want[i]) expect(Math.abs(dGot - dWant)).toBeLessThan(1e-5);
    expect(Math.abs(got.distances[i] - dGot)).toBeLessThan(1e-3);
  }
}

/** Recall@10 of `index.search` at `searchK` against each query's exact top 10 (`truth`, one set per query). */
export function recallAt10(index: Index, truth: Set<number>[], queries: Float32Array, dims: number, searchK: number): number {
  let hit = 0;
  truth.forEach((t, q) => { hit += [...index.search(queries.subarray(q * dims, (q + 1) * dims), 10, { searchK }).ids].filter((id) => t.has(id)).length; });
  return hit / (10 * truth.length);
}

/** `f` throws an AnnoyError with `code` (and a message matching `message`, if given). */
export function expectCode(f: () => unknown, code: string, message?: RegExp): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected an AnnoyError with code ${code}`).toBeInstanceOf(AnnoyError);
  expect((thrown as AnnoyError).code).toBe(code);
  if (message) expect((thrown as AnnoyError).message).toMatch(message);
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * A filter spec for each everyday shape over ids [0, n), `some` (about 30% of them) allowed or excluded, with the ids
 * each allows (holes included: callers drop them).
 */
export function filterCases(n: number, some: number[]): [string, { allow: number[] } | { exclude: number[] }, Set<number>][] {
  return [
    ['allow 30%', { allow: some }, new Set(some)],
    ['exclude 30%', { exclude: some }, new Set(range(n).filter((i) => !some.includes(i)))],
    ['allow nothing', { allow: [] }, new Set()],
    ['exclude nothing (all)', { exclude: [] }, new Set(range(n))],
    ['allow one item', { allow: [42] }, new Set([42])],
  ];
}
