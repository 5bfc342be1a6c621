// Cloudflare Workers, in workerd (Cloudflare's runtime, through Miniflare as `wrangler dev` runs it), with the
// Worker bundled by `wrangler deploy --dry-run` from the package as a user installs it (npm pack). Two Workers:
//   - test/runtimes/scenario-worker.mjs: the runtime scenario (build, bytes, fetch, search; the index from the
//     ASSETS binding) must answer as Node 20 does, and what a Worker cannot do (compile wasm from bytes, start
//     threads, share memory) must be an AnnoyError that says so;
//   - examples/edge-worker: similar items over HTTP (/similar?id=, ?word=), answers equal to Node 20's search.
// Each with and without the nodejs_compat flag (which gives a Worker SharedArrayBuffer and `process`, but still
// no threads). Wrangler and Miniflare need Node >= 22: they run on the pinned Node 24.
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Index } from '../src/index.js';
import { answers, here, packedProject, root, runScenario, runtimes, type Packed } from './runtimes/packed.js';

const found = runtimes();
if (found.unavailable) console.warn(`test/edge-worker.test.ts: skipped: ${found.unavailable}`);

let packed: Packed;
let server: Server;
let url = '';
let node20: Record<string, any>;
const wrangler = () => join(here, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'error' };

/** Bundles a Worker as `wrangler deploy` would, without deploying. */
async function bundle(cwd: string, args: string[], outdir: string): Promise<void> {
  await runScenario(found.bin.node24, [wrangler(), 'deploy', ...args, '--dry-run', '--outdir', outdir], cwd, env).catch((e) => {
    if (!/printed no answer/.test(e.message)) throw e; // wrangler prints no JSON: only its exit status counts
  });
  const main = readdirSync(outdir).filter((f) => f.endsWith('.js'));
  expect(main).toHaveLength(1);
  expect(readdirSync(outdir).filter((f) => f.endsWith('.wasm'))).toHaveLength(1); // the imported build, as a module
}

/** Starts workerd on a bundle and asks it each path in turn (test/runtimes/workerd.mjs). */
async function ask(bundleDir: string, assets: string, flags: string, paths: string[]) {
  return await runScenario(found.bin.node24, [join(here, 'workerd.mjs'), bundleDir, assets, flags, ...paths], root, env) as {
    answers: { path: string; status: number; body: any }[];
  };
}

beforeAll(async () => {
  if (found.unavailable) return;
  packed = packedProject('workers');
  const out = join(packed.dir, 'out');
  await runScenario(process.execPath, ['esm.mjs', out, ''], packed.dir); // Node 20 saves out/scenario.annoy
  const file = readFileSync(join(out, 'scenario.annoy'));
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/scenario.annoy`;
  node20 = await runScenario(process.execPath, ['esm.mjs', out, url], packed.dir);

  // The example, as its README says to use it: its own folder, annoy-wasm installed (here: the packed one).
  const example = join(packed.dir, 'edge-worker');
  mkdirSync(example);
  for (const f of ['src', 'wrangler.jsonc', 'build-index.mjs', 'tsconfig.json']) cpSync(join(root, 'examples', 'edge-worker', f), join(example, f), { recursive: true });
  symlinkSync(join(packed.dir, 'node_modules'), join(example, 'node_modules'));
  await runScenario(process.execPath, ['build-index.mjs'], example).catch((e) => {
    if (!/printed no answer/.test(e.message)) throw e;
  });
  await Promise.all([
    bundle(packed.dir, ['scenario-worker.mjs', '--name', 'scenario', '--compatibility-date', '2026-07-30'], join(packed.dir, 'bundle-scenario')),
    bundle(example, [], join(example, 'bundle')),
  ]);
}, 240_000);

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  packed?.close();
});

const NO_WASM_FROM_BYTES = /import wasm from 'annoy-wasm\/build\/annoy\.wasm'; await init\(\{ wasm \}\)/;

describe.skipIf(Boolean(found.unavailable))('Cloudflare Workers (workerd)', () => {
  for (const flags of ['', 'nodejs_compat']) {
    const named = flags || 'no compatibility flags';
    it(`${named}: the scenario answers as Node 20 (built, from bytes, fetched, from ASSETS); no wasm from bytes, no threads: AnnoyErrors that say so`, async () => {
      const { answers: [limits, scenario] } = await ask(join(packed.dir, 'bundle-scenario'), join(packed.dir, 'out'), flags,
        ['/limits', `/scenario?index=${encodeURIComponent(url)}`]);
      expect(limits.status, JSON.stringify(limits.body)).toBe(200);
      const l = limits.body;
      expect([l.sharedArrayBuffer, l.process]).toEqual([true, flags === 'nodejs_compat']); // what might fool a detector
      expect(l.builderBeforeInit).toMatchObject({ ok: false, error: 'INVALID_STATE', message: expect.stringMatching(NO_WASM_FROM_BYTES) });
      expect(l.initEmbedded).toMatchObject({ ok: false, error: 'INVALID_STATE', message: expect.stringMatching(NO_WASM_FROM_BYTES) });
      expect(l.initImported).toEqual({ ok: true });
      expect(l.pool).toMatchObject({ ok: false, error: 'INVALID_STATE', message: expect.stringMatching(/Cloudflare Workers run one thread.*use Index/) });
      expect(l.sharedPool).toMatchObject({ ok: false, error: 'INVALID_STATE', message: expect.stringMatching(/mode 'shared' needs threads.*Cloudflare Workers/) });
      expect(l.buildAsyncSame).toEqual({ ok: true, value: true });

      expect(scenario.status, String(scenario.body).slice(0, 2000)).toBe(200);
      const s = scenario.body;
      const { file: _file, pool: _pool, buildAsync: _build, ...portable } = answers(node20);
      expect(answers(s)).toEqual({ ...portable, assets: { checksum: node20.checksum, item: node20.item } });
    });
  }

  it('examples/edge-worker type-checks against the packed typings (the .wasm import is a WebAssembly.Module)', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(packed.dir, 'edge-worker')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('examples/edge-worker: /similar answers as Node 20 searches the same asset; bad ids are 400s naming the id', async () => {
    const example = join(packed.dir, 'edge-worker');
    const index = Index.fromBytes(readFileSync(join(example, 'public', 'items.annoy')));
    const words = readFileSync(join(example, 'public', 'words.txt'), 'utf8').split('\n');
    const { answers: [health, byId, byWord, badId, unknown] } = await ask(join(example, 'bundle'), join(example, 'public'), 'nodejs_compat',
      ['/health', '/similar?id=3&k=5', '/similar?word=king', '/similar?id=99999', '/similar?word=zzqxj']);
    expect(health.body).toEqual({ items: 10_000, dimensions: 100, metric: 'angular', trees: 10, bytes: index.byteLength });
    const three = index.searchItem(3, 5);
    expect(byId.body).toEqual({ id: 3, ids: [...three.ids], distances: [...three.distances], words: [...three.ids].map((i) => words[i]) });
    const king = index.searchItem(words.indexOf('king'), 10);
    expect(byWord.body.ids).toEqual([...king.ids]);
    expect(byWord.body.words).toContain('queen');
    expect([badId.status, badId.body.code, badId.body.error]).toEqual([400, 'INVALID_ID', expect.stringContaining('99999')]);
    expect(unknown.status).toBe(404);
  });
});
