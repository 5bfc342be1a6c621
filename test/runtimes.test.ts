// Node 20, 22 and 24, Bun and Deno, each running one scenario (test/runtimes/scenario.mjs) through the package
// as a user installs it (npm pack, installed into a scratch project): a seeded build, save and open, fetch over
// HTTP, search, and the runtime's own threads (an IndexPool of 2 workers on shared memory, and buildAsync with 2
// jobs). Every answer (ids, distances, the file's SHA-256) must equal Node 20's, bit for bit. The runtimes are
// pinned in test/runtimes/package.json and installed by scripts/install-runtimes.mjs.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, packedProject, runScenario, runtimes, type Packed } from './runtimes/packed.js';

const found = runtimes();
if (found.unavailable) console.warn(`test/runtimes.test.ts: skipped: ${found.unavailable}`);

let packed: Packed;
let server: Server;
let url = '';
let node20: Record<string, unknown>;

beforeAll(async () => {
  if (found.unavailable) return;
  packed = packedProject('runtimes');
  // Node 20 (this process's node) answers first, and saves the file the others then fetch over HTTP.
  const first = await runScenario(process.execPath, ['esm.mjs', join(packed.dir, 'out'), ''], packed.dir);
  const file = readFileSync(join(packed.dir, 'out', 'scenario.annoy'));
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.length }).end(file));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/scenario.annoy`;
  node20 = await runScenario(process.execPath, ['esm.mjs', join(packed.dir, 'out'), url], packed.dir);
  expect(answers(first)).toEqual({ ...answers(node20), url: undefined });
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  packed?.close();
});

describe.skipIf(Boolean(found.unavailable))('one scenario on every server-side runtime, answers equal to Node 20', () => {
  it('Node 20 itself: the scenario covers files, a URL, a shared pool of 2 and a 2-job build', () => {
    const a = node20 as Record<string, any>;
    expect(a.runtime).toMatch(/^node v20\./);
    expect(a.error).toBe('DIMENSION_MISMATCH');
    expect(a.file.checksum).toBe(a.checksum);
    expect(a.url.checksum).toBe(a.checksum);
    expect(a.buildAsync).toBe(a.checksum); // a parallel build is byte for byte the serial one
    expect([a.pool.mode, a.pool.workers]).toEqual(['shared', 2]);
    expect(a.pool.search.map((h: { ids: number[] }) => h.ids).flat()).toEqual(a.search.ids);
    expect(a.search.ids).toHaveLength(8 * 10);
  });

  const cases: [string, string, string[]][] = [
    ['Node 20, CommonJS entry', process.execPath, ['cjs.cjs']],
    ['Node 22, ESM entry', found.bin.node22, ['esm.mjs']],
    ['Node 22, CommonJS entry', found.bin.node22, ['cjs.cjs']],
    ['Node 24, ESM entry', found.bin.node24, ['esm.mjs']],
    ['Node 24, CommonJS entry', found.bin.node24, ['cjs.cjs']],
    ['Bun, ESM entry', found.bin.bun, ['esm.mjs']],
    ['Bun, CommonJS entry', found.bin.bun, ['cjs.cjs']],
    // Deno as its users import packages (npm:), with only the permissions the scenario needs.
    ['Deno, npm: specifier', found.bin.deno, ['run', '--allow-read', '--allow-write', '--allow-net=127.0.0.1', '--allow-env', 'deno.mjs']],
  ];
  for (const [name, bin, args] of cases) {
    it(`${name}: build, save/open, fetch, search, pool and parallel build answer as Node 20`, async () => {
      const out = await runScenario(bin, [...args, join(packed.dir, 'out'), url], packed.dir) as Record<string, any>;
      expect(out.entry).toBe(args.at(-1)!.startsWith('deno') ? 'npm:' : args[0].endsWith('.cjs') ? 'cjs' : 'esm');
      expect([out.pool.mode, out.pool.workers]).toEqual(['shared', 2]);
      expect(answers(out)).toEqual(answers(node20));
    });
  }
});
