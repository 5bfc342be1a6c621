// A bounded load test on loopback: starts the server in a child process, sends GET /items/:id/similar for
// random ids (and a share of POST /search) for a fixed time with autocannon, prints throughput and p50/p99
// latency, then stops the server with SIGTERM (graceful) and checks it exited cleanly.
//
//   node examples/similar-items-server/load-test.mjs [--seconds 10] [--connections 32] [--workers 2] [--index FILE]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' },
  workers: { type: 'string', default: '2' }, index: { type: 'string' }, port: { type: 'string', default: '18080' },
} });
const server = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url)), '--port', values.port, '--workers', values.workers,
  ...(values.index ? ['--index', values.index] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => { process.stdout.write(d); if (String(d).includes('server on')) resolve(); });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const base = `http://127.0.0.1:${values.port}`;
const health = await (await fetch(`${base}/health`)).json();
const vector = JSON.stringify({ vector: Array.from({ length: health.dimensions }, (_, i) => Math.sin(i)), k: 10 });
const result = await autocannon({
  url: base,
  connections: Number(values.connections),
  duration: Number(values.seconds),
  requests: [{
    setupRequest: (req) => {
      if (Math.random() < 0.2) return { ...req, method: 'POST', path: '/search', body: vector, headers: { 'content-type': 'application/json' } };
      return { ...req, method: 'GET', path: `/items/${Math.floor(Math.random() * health.items)}/similar?k=10` };
    },
  }],
});
server.kill('SIGTERM');
const code = await new Promise((resolve) => server.once('exit', resolve));
const summary = {
  workers: health.workers, connections: Number(values.connections), seconds: Number(values.seconds),
  requests: result.requests.total, rps: Math.round(result.requests.average),
  p50ms: result.latency.p50, p99ms: result.latency.p99, errors: result.errors, non2xx: result.non2xx, serverExit: code,
};
console.log(JSON.stringify(summary));
if (code !== 0 || result.non2xx > 0 || result.errors > 0) process.exit(1);
