// A bounded load test on loopback: starts the server in a child process (the GloVe sample with its words as keys,
// named filters), sends GET /items/:key/similar for random keys (a share with exclude= or a named filter) and a share
// of POST /search for a fixed time with autocannon, and prints throughput and p50/p99 latency. With --reload-every MS
// it runs twice: once without reloads, then once while a client POSTs /admin/reload every MS milliseconds, swapping
// between two index files; it reports both runs' p99, every failed or non-2xx request, and the server's RSS before,
// between and after. Then it stops the server with SIGTERM (graceful) and checks it exited cleanly.
//
//   node examples/similar-items-server/load-test.mjs [--seconds 10] [--connections 32] [--workers 2] [--reload-every 1000]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { IndexBuilder } from 'annoy-wasm';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' },
  workers: { type: 'string', default: '2' }, port: { type: 'string', default: '18080' }, 'reload-every': { type: 'string', default: '0' },
} });
const seconds = Number(values.seconds), reloadEvery = Number(values['reload-every']);

// Two versions of the index (the same words, other seeds: other trees), and a filters file.
const dir = mkdtempSync(join(tmpdir(), 'annoy-wasm-load-'));
const data = new URL('../../data/glove-sample/', import.meta.url);
const raw = readFileSync(fileURLToPath(new URL('vectors.f32', data)));
const vectors = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const words = readFileSync(fileURLToPath(new URL('words.txt', data)), 'utf8').trim().split('\n');
const files = [1, 2].map((seed) => {
  const file = join(dir, `v${seed}.annoy`);
  new IndexBuilder({ dimensions: 100, metric: 'angular', seed, keys: true }).addBatch(vectors, words).build({ trees: 10 }).saveSync(file);
  return file;
});
writeFileSync(join(dir, 'filters.json'), JSON.stringify({ short: { allow: words.filter((w) => w.length <= 4) }, long: { exclude: words.filter((w) => w.length <= 4) } }));

const server = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url)), '--port', values.port, '--workers', values.workers,
  '--index', files[0], '--filters', join(dir, 'filters.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => { if (String(d).includes('server on')) resolve(); });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const base = `http://127.0.0.1:${values.port}`;
const health = async () => (await fetch(`${base}/health`)).json();
const vector = JSON.stringify({ vector: Array.from({ length: 100 }, (_, i) => Math.sin(i)), k: 10 });
const plain = words.filter((w) => !w.includes(',')); // exclude= lists keys separated by commas
const pick = () => encodeURIComponent(plain[Math.floor(Math.random() * plain.length)]);

async function run() {
  const result = await autocannon({
    url: base, connections: Number(values.connections), duration: seconds,
    requests: [{
      setupRequest: (req) => {
        const x = Math.random();
        if (x < 0.2) return { ...req, method: 'POST', path: '/search', body: vector, headers: { 'content-type': 'application/json' } };
        if (x < 0.35) return { ...req, method: 'GET', path: `/items/${pick()}/similar?k=10&exclude=${pick()},${pick()}` };
        if (x < 0.5) return { ...req, method: 'GET', path: `/items/${pick()}/similar?k=10&filter=${Math.random() < 0.5 ? 'short' : 'long'}` };
        return { ...req, method: 'GET', path: `/items/${pick()}/similar?k=10` };
      },
    }],
  });
  return { requests: result.requests.total, rps: Math.round(result.requests.average), p50ms: result.latency.p50, p99ms: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

const before = await health();
const summary = { workers: before.workers, connections: Number(values.connections), seconds, items: before.items, rssBeforeMiB: +(before.rss / 2 ** 20).toFixed(1) };
summary.steady = await run();
if (reloadEvery > 0) {
  summary.rssBetweenMiB = +((await health()).rss / 2 ** 20).toFixed(1);
  let reloads = 0, failedReloads = 0, stop = false;
  const reloader = (async () => {
    while (!stop) {
      await new Promise((r) => setTimeout(r, reloadEvery));
      if (stop) break;
      const r = await fetch(`${base}/admin/reload`, { method: 'POST', body: JSON.stringify({ file: files[(reloads + 1) % 2] }) });
      if (r.status === 200) reloads++;
      else failedReloads++;
    }
  })();
  summary.reloading = await run();
  stop = true;
  await reloader;
  await new Promise((r) => setTimeout(r, 1000));
  const after = await health();
  Object.assign(summary, { reloads, failedReloads, generation: after.generation, rssAfterMiB: +(after.rss / 2 ** 20).toFixed(1), p99Ratio: +(summary.reloading.p99ms / summary.steady.p99ms).toFixed(2) });
}
server.kill('SIGTERM');
summary.serverExit = await new Promise((resolve) => server.once('exit', resolve));
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(summary, null, 1));
const bad = [summary.steady, summary.reloading].filter(Boolean).some((r) => r.errors > 0 || r.non2xx > 0);
if (summary.serverExit !== 0 || bad || summary.failedReloads > 0) process.exit(1);
