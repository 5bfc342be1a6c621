// The package as users get it: both entry points through the exports map (self-reference by name), and the CLI's
// demo. Whether the exports map, the typings (ESM and CommonJS, every subpath) and the files are right is for the
// ecosystem's own checkers, publint and @arethetypeswrong/cli, run on the packed tarball (pinned in
// test/runtimes/package.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { here, packedProject, runtimes, type Packed } from './runtimes/packed.js';

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

  it('annoy-wasm demo prints neighbours from the bundled sample', () => {
    const out = node(['dist/esm/cli/main.js', 'demo', 'king']);
    expect(out).toMatch(/^king \([\d.]+ ms\): .*queen/m);
  });
});

const found = runtimes();
if (found.unavailable) console.warn(`test/package.test.ts: the checkers are skipped: ${found.unavailable}`);

describe.skipIf(Boolean(found.unavailable))('the packed tarball, as the ecosystem checks it', () => {
  let packed: Packed;
  beforeAll(() => { packed = packedProject('package'); });
  afterAll(() => packed?.close());
  const bin = (name: string) => join(here, 'node_modules', '.bin', name);

  it('publint: no errors, warnings or suggestions', () => {
    const r = spawnSync(bin('publint'), ['run', packed.tarball, '--level', 'suggestion'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/All good!/);
    expect(r.status).toBe(0);
  });

  // Every entry point, typed for ESM and CommonJS in each TypeScript resolution mode; annoy-wasm/browser is ESM
  // only by design (its wasm URLs come from import.meta.url), so it is checked with attw's esm-only profile.
  for (const [name, args, ignored] of [
    ['., the .wasm subpaths and package.json, strict', ['--exclude-entrypoints', './browser'], []],
    ['./browser, ESM only', ['--entrypoints', './browser', '--profile', 'esm-only'], ['node10', 'node16-cjs']],
  ] as const) {
    it(`@arethetypeswrong/cli (${name}): no problems`, () => {
      const r = spawnSync(bin('attw'), [packed.tarball, ...args, '--format', 'json'], { encoding: 'utf8' });
      const report = JSON.parse(r.stdout);
      expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(ignored.length > 0 ? ['./browser']
        : ['.', './build/annoy-shared.wasm', './build/annoy.wasm', './package.json']);
      // The JSON lists every problem; the profile only decides which fail the run (its exit status).
      const problems = Object.values(report.problems as Record<string, { entrypoint: string; resolutionKind?: string }[]>).flat()
        .filter((p) => !(ignored as readonly string[]).includes(p.resolutionKind ?? ''));
      expect(problems).toEqual([]);
      expect(r.status).toBe(0);
    });
  }
});
