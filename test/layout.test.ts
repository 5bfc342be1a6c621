// The byte layout has one owner, assembly/layout.ts. The facade's constants are generated from the compiled wasm's
// exports (scripts/build.mjs -> src/format/constants.ts): every exported constant must be there with its value (a
// stale generated file fails here); the few facts the facade computes itself (strides) must agree with the wasm's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as generated from '../src/format/constants.js';
import { strideFor } from '../src/format/layout.js';
import { METRICS } from '../src/metric.js';

const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../build/annoy.wasm', import.meta.url))), {
  env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65536 }) },
}).exports as Record<string, WebAssembly.Global | ((...a: number[]) => number)>;

const GROUPS: Record<string, string> = { H_: 'H', NODE_: 'NODE', SLOT_: 'SLOT', SECTION_: 'SECTION', CODES_: 'CODES_KIND', METRIC_: 'METRIC_CODE', BAD_: 'PROBLEM' };

/** Where the generated file keeps a wasm constant: H_VERSION -> H.VERSION, BAD_NODE -> PROBLEM.BAD_NODE, ... */
function mirrored(name: string): unknown {
  const g = generated as unknown as Record<string, Record<string, unknown>>;
  const prefix = Object.keys(GROUPS).find((p) => name.startsWith(p));
  if (!prefix) return g[name];
  return g[GROUPS[prefix]][prefix === 'BAD_' ? name : name.slice(prefix.length)];
}

describe('file layout: the facade reads the wasm\'s layout', () => {
  it('every constant the wasm exports is in the generated mirror, with its value', () => {
    const constants = Object.entries(wasm).filter(([name, v]) => v instanceof WebAssembly.Global && /^[A-Z][A-Z0-9_]*$/.test(name));
    expect(constants.length).toBeGreaterThan(60);
    for (const [name, v] of constants) {
      const value = (v as WebAssembly.Global).value as number;
      expect([name, mirrored(name)]).toEqual([name, value < 0 ? value >>> 0 : value]);
    }
    const magic = new Uint8Array(new Uint32Array([generated.MAGIC_LO, generated.MAGIC_HI]).buffer);
    expect(String.fromCharCode(...magic)).toBe(generated.MAGIC);
  });
  it('vector strides for every metric', () => {
    const strideFn = wasm.strideFor as (m: number, d: number) => number;
    for (const [code, metric] of METRICS.entries()) {
      for (const d of [1, 2, 3, 4, 17, 63, 64, 65, 100, 784, 1000]) expect(strideFn(code, d)).toBe(strideFor(metric, d));
    }
  });
});
