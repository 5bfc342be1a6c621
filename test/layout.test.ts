// The byte layout has one owner (assembly/layout.ts) and one mirror (src/format/layout.ts): they must agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION, H, HEADER_BYTES, MAGIC, NODE_PLANE, strideFor } from '../src/format/layout.js';
import { METRICS } from '../src/metric.js';

const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../build/annoy.wasm', import.meta.url))), {
  env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65536 }) },
}).exports as Record<string, WebAssembly.Global | ((...a: number[]) => number)>;
const constant = (name: string) => (wasm[name] as WebAssembly.Global).value as number;

describe('file layout: wasm and TypeScript agree', () => {
  it('header field offsets', () => {
    for (const [field, offset] of Object.entries(H)) expect([field, constant(`H_${field}`)]).toEqual([field, offset]);
  });
  it('magic, version, sizes', () => {
    const magic = new Uint8Array(new Uint32Array([constant('MAGIC_LO') >>> 0, constant('MAGIC_HI') >>> 0]).buffer);
    expect(String.fromCharCode(...magic)).toBe(MAGIC);
    expect(constant('FORMAT_VERSION')).toBe(FORMAT_VERSION);
    expect(constant('HEADER_BYTES')).toBe(HEADER_BYTES);
    expect(constant('NODE_PLANE')).toBe(NODE_PLANE);
  });
  it('vector strides for every metric', () => {
    const strideFn = wasm.strideFor as (m: number, d: number) => number;
    for (const [code, metric] of METRICS.entries()) {
      for (const d of [1, 2, 3, 4, 17, 63, 64, 65, 100, 784, 1000]) expect(strideFn(code, d)).toBe(strideFor(metric, d));
    }
  });
});
