// The edge Worker (examples/edge-worker) in workerd, measured: cold start and per-request latency for the
// bundled GloVe sample (10,000 x 100, angular, 10 trees), and memory as the index grows (random 100-d vectors),
// to find the largest index that fits a Worker's 128 MB. Runs on the pinned Node 24 (Miniflare needs >= 22):
//
//   node scripts/install-runtimes.mjs && test/runtimes/node_modules/node24/bin/node bench/edge-worker.mjs [--sizes 10000,50000,100000]
//
// Cold start: a fresh workerd (Miniflare) per round; "first request" is what the Worker adds on a cold
// isolate: module evaluation, init({ wasm }), fetching items.annoy from ASSETS, Index.fromBytes and one search.
// Latency: sequential requests over loopback HTTP (one client), /similar?id=random versus /health (no search).
// Memory: workerd's peak RSS (VmHWM) after the index is loaded, less the same for a 1,000-item index; workerd also
// holds the asset server's copy of the file, so this overstates the Worker's own share (see the model printed).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000,50000,100000,120000,140000' }, rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '2000' } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const runtimesDir = join(root, 'test', 'runtimes');
const { Miniflare } = createRequire(join(runtimesDir, 'package.json'))('miniflare');

// A scratch copy of the example with the package installed from a tarball, as a user has it.
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-edge-bench-'));
const sh = (cmd, args, cwd, env = process.env) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
};
sh('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], root);
const tgz = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
const example = join(dir, 'edge-worker');
mkdirSync(example);
for (const f of ['src', 'wrangler.jsonc', 'build-index.mjs']) cpSync(join(root, 'examples', 'edge-worker', f), join(example, f), { recursive: true });
writeFileSync(join(example, 'package.json'), JSON.stringify({ name: 'edge-bench', private: true, type: 'module' }));
sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tgz], example);
sh(process.execPath, ['build-index.mjs'], example);
sh(process.execPath, [join(runtimesDir, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'deploy', '--dry-run', '--outdir', 'bundle'], example, { ...process.env, WRANGLER_SEND_METRICS: 'false' });
const bundle = join(example, 'bundle');
const modules = readdirSync(bundle).filter((f) => f.endsWith('.js')).map((f) => ({ type: 'ESModule', path: join(bundle, f) }))
  .concat(readdirSync(bundle).filter((f) => f.endsWith('.wasm')).map((f) => ({ type: 'CompiledWasm', path: join(bundle, f) })));

function start(extra = {}) {
  return new Miniflare({
    modules, modulesRoot: bundle, compatibilityDate: '2026-07-30', compatibilityFlags: ['nodejs_compat'],
    assets: { directory: join(example, 'public'), binding: 'ASSETS', routerConfig: { has_user_worker: true } },
    ...extra,
  });
}

/** The Worker isolate's own memory, through workerd's V8 inspector: JS heap and ArrayBuffer (and wasm memory) backing stores. */
async function isolateMemory(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.id.startsWith('core:user:')); // the user's Worker (not the asset or proxy workers)
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let id = 0;
  const call = (method, params = {}) => new Promise((resolve) => {
    const me = ++id;
    ws.addEventListener('message', function on(e) {
      const m = JSON.parse(e.data);
      if (m.id === me) { ws.removeEventListener('message', on); resolve(m.result); }
    });
    ws.send(JSON.stringify({ id: me, method, params }));
  });
  // (workerd's inspector does not answer HeapProfiler.collectGarbage: the load's buffer may not be collected yet.)
  const usage = await call('Runtime.getHeapUsage');
  ws.close();
  return { title: target.title, ...usage };
}

function workerdPeakKiB() {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (/PPid:\s+(\d+)/.exec(status)?.[1] === String(process.pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd')) {
        return Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
      }
    } catch {}
  }
  return NaN;
}

const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const ms = (x) => x.toFixed(2);

console.log(`CPU: ${cpus()[0].model} (${cpus().length} cores), Node ${process.version}, workerd ${createRequire(join(runtimesDir, 'node_modules', 'miniflare', 'package.json'))('workerd/package.json').version}`);

// 1. The GloVe sample: cold start and latency.
const size = statSync(join(example, 'public', 'items.annoy')).size;
console.log(`\nGloVe sample: 10,000 x 100, 10 trees, items.annoy ${(size / 2 ** 20).toFixed(2)} MiB`);
const cold = [], ready = [];
for (let r = 0; r < Number(values.rounds); r++) {
  let t = performance.now();
  const mf = start();
  const url = await mf.ready;
  ready.push(performance.now() - t);
  t = performance.now();
  const res = await fetch(new URL('/similar?word=king', url));
  const body = await res.json();
  cold.push(performance.now() - t);
  if (!body.words?.includes('queen')) throw new Error(`unexpected answer ${JSON.stringify(body)}`);
  if (r === Number(values.rounds) - 1) {
    const n = Number(values.requests), similar = [], health = [];
    for (let i = 0; i < n; i++) { // interleaved: a search request, then one that does no search
      t = performance.now();
      await (await fetch(new URL(`/similar?id=${(i * 7919) % 10000}`, url))).arrayBuffer();
      similar.push(performance.now() - t);
      t = performance.now();
      await (await fetch(new URL('/health', url))).arrayBuffer();
      health.push(performance.now() - t);
    }
    console.log(`warm /similar?id=N (k=10): p50 ${ms(quantile(similar, 0.5))} ms, p99 ${ms(quantile(similar, 0.99))} ms over ${n} sequential requests`);
    console.log(`warm /health (no search):  p50 ${ms(quantile(health, 0.5))} ms, p99 ${ms(quantile(health, 0.99))} ms (interleaved with the above)`);
  }
  await mf.dispose();
}
// The same searches in this process (Node 24, the same package), for what the search itself costs.
{
  const { Index } = await import(join(example, 'node_modules', 'annoy-wasm', 'dist', 'esm', 'index.js'));
  const index = Index.fromBytes(readFileSync(join(example, 'public', 'items.annoy')));
  const times = [];
  for (let i = 0; i < Number(values.requests); i++) {
    const t = performance.now();
    index.searchItem((i * 7919) % 10000, 10);
    times.push(performance.now() - t);
  }
  console.log(`the search alone (searchItem, k=10, in Node 24): p50 ${(quantile(times, 0.5) * 1000).toFixed(0)} µs, p99 ${(quantile(times, 0.99) * 1000).toFixed(0)} µs`);
}
console.log(`workerd start (Miniflare ready): median ${ms(quantile(ready, 0.5))} ms; first request on a cold isolate (load + search): median ${ms(quantile(cold, 0.5))} ms, min ${ms(Math.min(...cold))}, max ${ms(Math.max(...cold))} (${cold.length} rounds)`);

// 2. Memory as the index grows: items.annoy from an R2 bucket (no 25 MiB asset cap); the isolate's memory right
// after the load, through the inspector: JS heap + ArrayBuffer and wasm backing stores. The load's buffer (the
// file once more) is uncollected garbage by then or not: the bound column adds it in case it was collected.
console.log('\nitems x 100-d, 10 trees | file MiB | isolate after load MiB (JS heap, backing stores) | bound: wasm + JS + file MiB | workerd RSS MiB');
rmSync(join(example, 'public'), { recursive: true, force: true });
mkdirSync(join(example, 'public'));
for (const n of values.sizes.split(',').map(Number)) {
  sh(process.execPath, ['build-index.mjs', '--random', String(n)], example);
  const file = readFileSync(join(example, 'public', 'items.annoy'));
  rmSync(join(example, 'public', 'items.annoy'));
  const port = 9300 + (n % 500);
  const mf = start({ r2Buckets: ['INDEX'], inspectorPort: port });
  const url = await mf.ready;
  await (await mf.getR2Bucket('INDEX')).put('items.annoy', file);
  const res = await fetch(new URL('/similar?id=1', url));
  const ok = res.status === 200 ? 'ok' : `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
  const mem = await isolateMemory(port);
  const used = (mem.usedSize + mem.backingStorageSize) / 2 ** 20;
  const rss = workerdPeakKiB() / 1024;
  await mf.dispose();
  const mib = file.length / 2 ** 20;
  console.log(`${String(n).padStart(7)} | ${mib.toFixed(1).padStart(6)} | ${used.toFixed(1).padStart(6)} (${(mem.usedSize / 2 ** 20).toFixed(1)}, ${(mem.backingStorageSize / 2 ** 20).toFixed(1)}) | ${Math.max(used, mem.usedSize / 2 ** 20 + 2 * mib).toFixed(1).padStart(6)} | ${rss.toFixed(1).padStart(6)} | ${ok} [${mem.title}]`);
}
rmSync(dir, { recursive: true, force: true });
