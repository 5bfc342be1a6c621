// The package as users get it: both entry points through the exports map (self-reference by name), the typings,
// and the CLI's demo.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('package entry points', () => {
  const script = (load: string) => `
    ${load}
    const b = new IndexBuilder({ dimensions: 2, metric: 'euclidean', seed: 1 });
    b.add(0, [0, 0]).add(1, [1, 0]).add(2, [5, 5]);
    const index = b.build({ trees: 3 });
    let code = 'none';
    try { index.search([1], 1); } catch (e) { code = e instanceof AnnoyError ? e.code : 'other'; }
    console.log(JSON.stringify({ ids: [...index.search([0.9, 0], 2).ids], code }));`;

  it('CommonJS: require("annoy-wasm")', () => {
    const out = node(['-e', script("const { IndexBuilder, AnnoyError } = require('annoy-wasm');")]);
    expect(JSON.parse(out)).toEqual({ ids: [1, 0], code: 'DIMENSION_MISMATCH' });
  });

  it('ESM: import from "annoy-wasm"', () => {
    const out = node(['--input-type=module', '-e', script("import { IndexBuilder, AnnoyError } from 'annoy-wasm';")]);
    expect(JSON.parse(out)).toEqual({ ids: [1, 0], code: 'DIMENSION_MISMATCH' });
  });

  it('ships typings for both', () => {
    expect(existsSync(`${root}dist/esm/index.d.ts`)).toBe(true);
    expect(existsSync(`${root}dist/cjs/index.d.ts`)).toBe(true);
  });

  it('annoy-wasm demo prints neighbours from the bundled sample', () => {
    const out = node(['dist/esm/cli/main.js', 'demo', 'king']);
    expect(out).toMatch(/^king \([\d.]+ ms\): .*queen/m);
  });
});
