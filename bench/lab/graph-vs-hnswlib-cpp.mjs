// The graph against hnswlib's own C++ (bench/native/hnswlib-cpp.cc, -O3 -march=native, M 16, efConstruction 200),
// interleaved: each side is built once (cached under /tmp, so a sweep can be repeated), then at every ef point the
// native harness runs in its own process on its saved index (load=1, one pass) and ours runs here, A, B, A, B, best
// q/s of each. One thread, k = 10, the data set's 1000 held-out queries, recall against its exact ground truth.
//   node bench/lab/graph-vs-hnswlib-cpp.mjs glove-100-angular [degree=32] [efs=10,20,...] [rounds=2] [tag=x]
// Build times are printed as measured when a side is built (not interleaved: a build takes minutes; on a loaded
// machine compare CPU seconds: ours from process.cpuUsage, the native build's from `/usr/bin/time -v`); peak RSS of
// the native build comes from its own report (bench/native/harness.h).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IndexBuilder, Index } from '../../dist/esm/index.js';
import { loadDataset } from '../datasets.mjs';
import { specFiles } from '../derived.mjs';
import { compile } from '../peers/native.mjs';
import { FLAGS } from '../peers/hnswlib-cpp.mjs';

const [name = 'glove-100-angular', ...rest] = process.argv.slice(2);
const o = Object.fromEntries(rest.map((a) => a.split('=')));
const degree = Number(o.degree ?? 32), rounds = Number(o.rounds ?? 2), k = 10;
const efs = (o.efs ?? '10,20,40,80,160,320,640,1280').split(',').map(Number);
const ds = await loadDataset(name);
const { dimensions: d, metric, train, queries, groundTruth: gt } = ds;
const n = train.length / d, nq = queries.length / d;
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`${name}: ${n} x ${d} ${metric}, ${nq} queries; ${os.cpus()[0].model}, ${os.cpus().length} vCPU, load ${load()}`);

const recallOf = (ids) => {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const t = gt.subarray(q * 100, q * 100 + k);
    for (let i = 0; i < k; i++) if (t.includes(ids[q * k + i])) hit++;
  }
  return hit / (nq * k);
};

// Ours: built once with the library's settings, saved.
const ourFile = `/tmp/gvh-${name}-${degree}${o.tag ? `-${o.tag}` : ''}.idx`;
let index;
if (fs.existsSync(ourFile)) index = await Index.open(ourFile);
else {
  const t0 = performance.now(), c0 = process.cpuUsage();
  index = new IndexBuilder({ dimensions: d, metric, seed: 42, graph: { degree } }).addBatch(train).build();
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  console.log(`annoy-wasm-graph degree ${degree}: build ${s.toFixed(1)} s (one thread; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s), file ${(index.byteLength / 2 ** 20).toFixed(1)} MiB, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, load ${load()}`);
  await index.save(ourFile);
}

// hnswlib-cpp: built once by its harness, saved; every ef point loads it.
const { binary } = compile('hnswlib-cpp', { pkg: 'libhnswlib-dev', header: 'hnswlib/hnswlib.h', flags: FLAGS });
const files = specFiles(name);
// hnsw=<path>: an index saved by an earlier harness run (wait=1: wait until that run's report file says it is saved)
const hnswFile = o.hnsw ?? `/tmp/hg/${name}.bin`;
fs.mkdirSync('/tmp/hg', { recursive: true });
while (o.wait && !(fs.existsSync(o.wait) && fs.readFileSync(o.wait, 'utf8').includes('"point"'))) await new Promise((r) => setTimeout(r, 10000));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gvh-'));
const native = (grid, extra) => {
  const args = [`train=${files.train}`, `queries=${files.queries}`, `n=${n}`, `d=${d}`, `metric=${metric}`, `nq=${nq}`, `k=${k}`,
    'passes=1', 'M=16', 'efConstruction=200', `grid=${grid}`, `file=${hnswFile}`, `out=${outDir}`, ...extra];
  const r = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`hnswlib-cpp exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
};
if (!fs.existsSync(hnswFile)) {
  const lines = native(efs[0], []);
  const b = lines.find((l) => l.buildSeconds !== undefined);
  console.log(`hnswlib-cpp M 16 efC 200: build ${b.buildSeconds.toFixed(1)} s, file ${(b.fileBytes / 2 ** 20).toFixed(1)} MiB, peak RSS ${b.afterBuildRssMiB} MiB, load ${load()}`);
}

const runNative = (ef) => {
  const p = native(ef, ['load=1']).find((l) => l.point !== undefined);
  const buf = fs.readFileSync(path.join(outDir, 'ids-0.i32'));
  return { qps: p.qps, recall: recallOf(new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)) };
};
const ids = new Int32Array(nq * k);
const runOurs = (ef) => {
  const t = performance.now();
  const r = index.searchBatch(queries, k, { ef: Math.max(ef, k) });
  const qps = nq / ((performance.now() - t) / 1000);
  for (let q = 0; q < nq; q++) for (let i = 0; i < k; i++) ids[q * k + i] = i < r.counts[q] ? r.ids[q * k + i] : -1;
  return { qps, recall: recallOf(ids) };
};

console.log('ef | annoy-wasm-graph recall, q/s | hnswlib-cpp recall, q/s | q/s ratio | load');
for (const ef of efs) {
  let a = { qps: 0 }, b = { qps: 0 };
  for (let r = 0; r < rounds; r++) {
    const x = runOurs(ef); if (x.qps > a.qps) a = x;
    const y = runNative(ef); if (y.qps > b.qps) b = y;
  }
  console.log(`${ef} | ${a.recall.toFixed(4)}, ${a.qps.toFixed(0)} | ${b.recall.toFixed(4)}, ${b.qps.toFixed(0)} | ${(a.qps / b.qps).toFixed(2)} | ${load()}`);
}
fs.rmSync(outDir, { recursive: true, force: true });
