// Serves the built demo (examples/browser-demo/dist) over plain node:http, with the headers that make the page
// cross-origin isolated (COOP same-origin + COEP require-corp): SharedArrayBuffer, so one shared memory and N
// workers. A page requested with ?isolation=off (or everything, with --no-isolation) goes out without them, to
// see the fallback: one dedicated worker.
//
//   node examples/browser-demo/serve.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation]    (PORT, HOST too)
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.wasm': 'application/wasm', '.annoy': 'application/octet-stream', '.ico': 'image/x-icon',
};
const COMPRESS = new Set(['.html', '.js', '.css', '.json', '.txt', '.svg']);

/** Starts the server; resolves once it listens. `isolation: false` never sends COOP/COEP. */
export function startServer({ root = join(here, 'dist'), port = 8080, host = '127.0.0.1', isolation = true } = {}) {
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${root}/index.html is missing: build the demo first (npm run demo:web builds, then serves)`);
  const gzipped = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    let path;
    try { path = normalize(join(root, decodeURIComponent(url.pathname))); } catch { res.writeHead(400).end(); return; }
    if (path !== root && !path.startsWith(root + sep)) { res.writeHead(403).end(); return; }
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
    if (!existsSync(path)) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    const ext = extname(path);
    const headers = { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
    if (isolation && url.searchParams.get('isolation') !== 'off') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    const { size, mtimeMs } = statSync(path);
    let body = readFileSync(path);
    if (COMPRESS.has(ext) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      const key = `${path}:${mtimeMs}`;
      if (!gzipped.has(key)) gzipped.set(key, gzipSync(body));
      body = gzipped.get(key);
      headers['content-encoding'] = 'gzip';
      headers.vary = 'accept-encoding';
    }
    headers['content-length'] = String(body.length ?? size);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({ server, url: `http://${shown}:${bound}/`, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, 'no-isolation': { type: 'boolean' } } });
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  const isolation = !values['no-isolation'];
  try {
    const { url, close } = await startServer({ port, host, isolation });
    console.log(`annoy-wasm browser demo: ${url}`);
    if (isolation) {
      console.log('  served with COOP/COEP: cross-origin isolated, one shared memory searched by several Web Workers');
      console.log(`  the fallback (no isolation, one dedicated worker): ${url}?isolation=off`);
    } else {
      console.log('  served without COOP/COEP: not isolated, one dedicated Web Worker');
    }
    console.log('  Ctrl-C stops it');
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => close().then(() => process.exit(0)));
  } catch (e) {
    console.error(`browser demo: ${e.code === 'EADDRINUSE' ? `port ${port} is in use (PORT=8081 npm run demo:web)` : e.message}`);
    process.exit(1);
  }
}
