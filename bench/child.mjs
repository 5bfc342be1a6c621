// One measurement in a fresh process, so peak RSS is this library's own: load a data set spec, build one index with
// one library and one build setting, save it to a temp file (size), then sweep the query grid (best of `passes` timed
// passes over the same queries; recall@k from the last pass). Started by bench/run.mjs and bench/scaling.mjs:
//
//   node --expose-gc bench/child.mjs '<json job>'     job = {spec, library, build, grid, queries, k, passes, out}
//
// Writes {library, version, notes, buildSeconds, addSeconds, fileBytes, rss, points} to job.out (JSON). Peak RSS is
// the process's high-water mark (VmHWM): rss.baselineMiB right after the data set is loaded (before the
// library is imported), rss.peakFirstMiB after build + save + the first grid point (what the reports show, so peak -
// baseline is the library's build + query), rss.peakMiB at the end of the sweep (usearch's views of the saved file,
// one per ef, add to it).
// A peer with measure() (the native anchors, bench/peers/native.mjs) builds and times in its own C++ process the same
// way; this process then only computes recall from the ids it hands back, and the RSS figures are the C++ process's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSpec } from './derived.mjs';

const job = JSON.parse(process.argv[2]);
const MiB = 2 ** 20;
// Peak RSS of this process image: /proc/self/status VmHWM. Not getrusage's maxRSS, which Linux carries over from the
// parent across fork + exec (the parent holding a data set would set every child's floor).
function maxRssMiB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return (process.resourceUsage().maxRSS * 1024) / MiB;
}
const rssMiB = () => process.memoryUsage().rss / MiB;

function recallAt(out, nq, k, gt, gtK) {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const truth = new Set(gt.subarray(q * gtK, q * gtK + k));
    for (let i = 0; i < k; i++) if (truth.has(out[q * k + i])) hit++;
  }
  return hit / (nq * k);
}

const result = { spec: job.spec, library: job.library, build: job.build };
try {
  let ds;
  try {
    ds = await loadSpec(job.spec);
  } catch (e) { // the data set's failure, not the library's: bench/run.mjs must not skip the library for it
    result.dataError = true;
    throw e;
  }
  const peer = await import(`./peers/${job.library}.mjs`);
  const k = job.k;
  const nq = Math.min(job.queries, ds.nQueries, peer.maxQueries ?? Infinity);
  globalThis.gc?.();
  result.rss = { baselineMiB: maxRssMiB() };
  const info = await peer.load();
  Object.assign(result, { version: info.version, notes: info.notes, queries: nq, k, n: ds.nTrain, dimensions: ds.dimensions });

  if (peer.measure) { // a native harness: it builds, saves and times in its own process (bench/peers/native.mjs)
    const m = peer.measure({ spec: job.spec, n: ds.nTrain, dimensions: ds.dimensions, metric: ds.metric, nq, k, passes: job.passes, build: job.build, grid: job.grid });
    Object.assign(result, { buildSeconds: m.buildSeconds, buildCpuSeconds: m.buildCpuSeconds ?? null, addSeconds: m.addSeconds ?? null, saveSeconds: m.saveSeconds, fileBytes: m.fileBytes });
    result.rss = { baselineMiB: m.baselineRssMiB, afterBuildMiB: m.afterBuildRssMiB, peakFirstMiB: m.points[0]?.peakRssMiB, peakMiB: m.points.at(-1)?.peakRssMiB };
    process.stderr.write(`    built in ${result.buildSeconds.toFixed(2)} s\n`);
    result.points = m.points.map((p) => {
      const recall = recallAt(p.ids, nq, k, ds.groundTruth, ds.gtK);
      const label = Object.entries(p.params).map(([a, b]) => `${a} ${b}`).join(', ');
      process.stderr.write(`    ${label.padEnd(16)} recall@${k} ${recall.toFixed(3)}  ${p.qps.toFixed(0).padStart(7)} q/s\n`);
      return { params: p.params, recall, qps: p.qps, passMs: p.passMs };
    });
    if (m.error) result.error = m.error;
    fs.writeFileSync(job.out, JSON.stringify(result));
    process.exit(0);
  }

  let t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const h = await peer.build({ train: ds.train, n: ds.nTrain, dimensions: ds.dimensions, metric: ds.metric, params: job.build, firstQuery: job.grid[0] });
  result.buildSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  result.buildCpuSeconds = (cpu.user + cpu.system) / 1e6; // this process's CPU time: what waiting for a core leaves out
  result.addSeconds = h.addSeconds ?? null;
  result.rss.afterBuildMiB = rssMiB();
  process.stderr.write(`    built in ${result.buildSeconds.toFixed(2)} s\n`);

  // The saved file stays until the sweep is over (usearch views it for each ef), then goes.
  let dir = null;
  if (peer.save) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'annoy-bench-'));
    h.file = path.join(dir, 'index.bin');
    t0 = performance.now();
    peer.save(h, h.file);
    result.saveSeconds = (performance.now() - t0) / 1000;
    result.fileBytes = fs.statSync(h.file).size;
  } else {
    result.fileBytes = null;
  }
  try {
    const prepared = peer.prepareQueries(ds.queries, nq, ds.dimensions);
    const out = new Int32Array(nq * k);
    result.points = [];
    for (const params of job.grid) {
      peer.configure?.(h, params);
      const passes = [];
      for (let p = 0; p < job.passes; p++) {
        out.fill(-1);
        const t = performance.now();
        peer.search(h, prepared, nq, k, params, out);
        passes.push(performance.now() - t);
      }
      const best = Math.min(...passes);
      const recall = recallAt(out, nq, k, ds.groundTruth, ds.gtK);
      const qps = nq / (best / 1000);
      result.points.push({ params, recall, qps, passMs: passes.map((x) => Math.round(x * 10) / 10) });
      result.rss.peakFirstMiB ??= maxRssMiB(); // build + save + the first grid point: the figure the reports show
      const label = Object.entries(params).map(([a, b]) => `${a} ${b}`).join(', ') || 'scan';
      process.stderr.write(`    ${label.padEnd(16)} recall@${k} ${recall.toFixed(3)}  ${qps.toFixed(0).padStart(7)} q/s\n`);
    }
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  peer.free?.(h);
  result.rss.peakMiB = maxRssMiB();
} catch (e) {
  result.error = String(e?.stack ?? e);
}
fs.writeFileSync(job.out, JSON.stringify(result));
process.exit(0);
