// The browser entry as a package user gets it: `annoy-wasm/browser` is ESM only (import.meta.url finds the .wasm
// files beside it), the CommonJS build has no import.meta anywhere, and init() takes those files.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe('annoy-wasm/browser', () => {
  it('imports by name, points at the shipped .wasm files, and init() compiles them', () => {
    const out = node(['--input-type=module', '-e', `
      import { wasmURL, init, Index, IndexBuilder, IndexPool } from 'annoy-wasm/browser';
      import { fileURLToPath } from 'node:url';
      await init({ wasm: wasmURL.plain, sharedWasm: wasmURL.shared });
      const b = new IndexBuilder({ dimensions: 2, metric: 'euclidean', seed: 1 });
      b.add(0, [0, 0]).add(1, [1, 0]);
      const index = Index.fromBytes(b.build({ trees: 2 }).toBytes());
      console.log(JSON.stringify({ plain: fileURLToPath(wasmURL.plain), shared: fileURLToPath(wasmURL.shared), ids: [...index.search([0.9, 0], 1).ids], pool: typeof IndexPool.open }));`]);
    const r = JSON.parse(out);
    expect(r.ids).toEqual([1]);
    expect(r.pool).toBe('function');
    expect(r.plain).toBe(join(root, 'build', 'annoy.wasm'));
    expect(r.shared).toBe(join(root, 'build', 'annoy-shared.wasm'));
    expect(existsSync(r.plain) && existsSync(r.shared)).toBe(true);
  });

  it('is not a CommonJS entry, and the CommonJS build holds no import.meta', () => {
    expect(() => node(['-e', "require('annoy-wasm/browser')"])).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
    const cjs = files(join(root, 'dist', 'cjs')).filter((f) => f.endsWith('.js'));
    expect(cjs.length).toBeGreaterThan(10);
    expect(cjs.filter((f) => readFileSync(f, 'utf8').includes('import.meta'))).toEqual([]);
  });
});
