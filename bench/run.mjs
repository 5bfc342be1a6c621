// npm run bench: annoy-wasm beside its peers, measured in the same run on the real data sets of ../shared/DATA.md.
//
//   npm run bench                                   everything (glove-100-angular, fashion-mnist-784; ~20 minutes)
//   npm run bench -- --quick                        20k-row subsets, 200 queries, a small grid, best of 2 (~3 min)
//   npm run bench -- --datasets fashion-mnist-784-euclidean --libraries annoy-wasm,annoy-native --queries 500
//   npm run bench -- --trees 10 --search-k 1000,10000 --ef 20,80 --degree 32     override the grids
//   npm run bench -- --scaling                      the scaling law instead (bench/scaling.mjs)
//   node bench/run.mjs --report bench/results/<stamp>.json            redo the tables and plots of a results file
//
// Libraries (one adapter each in bench/peers/; the list, with each one's kind and colour: bench/libraries.mjs): annoy-wasm (this library, default options: screening chosen from the
// data), annoy-wasm-graph (with its neighbour graph: a degree grid, ef swept), annoy-wasm-none, annoy-wasm-int8 and
// annoy-wasm-pca (the same with screening none / int8 / pca asked for; annoy-wasm-none is not in the default list),
// annoy-wasm-int8-leaf64 (int8 and leafSize 64), annoy-wasm-f16 and annoy-wasm-int8-storage (item vectors stored as
// float16 / int8: the "peak RSS" column shows what that saves), annoy-wasm-compact and annoy-wasm-int8-compact (compact
// trees, with float32 / int8 vectors: the file column shows the trees' share), annoy-cpp and hnswlib-cpp
// (the libraries' own C++ called directly by our harness in bench/native/, compiled at first use with -O3 -march=native,
// headers from Debian at bench time: the anchors), annoy-native (Annoy's C++ via the `annoy` package, compiled here with -march=native), annoy-npm
// (the same package as a plain npm install builds it: SSE2), hnswlib-node, usearch, hnswlib-wasm, exact (JS brute
// force). The peers are the benchmark's own optional
// dependencies (bench/package.json), installed on first use with `npm install --prefix bench`; a peer that cannot
// install or load is skipped with its reason.
//
// For each data set, library and build setting, bench/child.mjs runs in a fresh process (so peak RSS is that
// library's own): build time, file size (saved to a temp file), peak RSS, and recall@k and queries/s over the query
// grid (trees x searchK for the tree libraries, ef for HNSW), best of --passes, one thread.
// Output: bench/results/<stamp>.{json,md}, one recall-vs-queries/s SVG per data set, and latest.* copies.
import { parseArgs } from 'node:util';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { prepareSpec } from './derived.mjs';
import { summarize, fullMarkdown, summaryTable, ratioLines } from './report.mjs';
import { recallChart } from './plot.mjs';
import { LIBRARIES, DEFAULT_LIBRARIES } from './libraries.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

export const CXXFLAGS = '-O3 -march=native -ffast-math -fno-associative-math';

const HNSW_BUILD = { M: 16, efConstruction: 200 };
// graphEf: annoy-wasm-graph's ef sweep, run up to where its recall passes 0.995 (glove-100 needs a larger ef than
// hnswlib for the same recall, each ef step costing less: bench/lab/graph-vs-hnswlib-cpp.mjs)
const GRIDS = {
  'glove-100-angular': { trees: [10, 100], searchK: [1000, 2000, 5000, 10000, 20000, 50000], ef: [10, 20, 40, 80, 160, 320, 640], graphEf: [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120], degree: [32] },
  'fashion-mnist-784-euclidean': { trees: [10, 50], searchK: [100, 200, 500, 1000, 2000, 5000, 10000], ef: [10, 20, 40, 80, 160, 320], graphEf: [10, 20, 30, 40, 80, 160, 320], degree: [32] },
};
const QUICK_GRID = { trees: [10], searchK: [500, 2000, 10000], ef: [10, 40, 160], graphEf: [10, 40, 160], degree: [32] };
const QUICK_ROWS = 20000;

const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const nums = (s) => list(s).map(Number);
const log = (m) => process.stderr.write(`${m}\n`);

/** npm install --prefix bench (with CXXFLAGS) when a needed peer package is missing; once per bench/package.json. */
export function ensurePeers(libraries, { install = true, reinstall = false } = {}) {
  const benchModules = path.join(here, 'node_modules');
  const missing = libraries.filter((l) => LIBRARIES[l]?.npm && !fs.existsSync(path.join(benchModules, LIBRARIES[l].npm, 'package.json')));
  if (!reinstall && (!missing.length || !install)) return;
  const hash = createHash('sha256').update(fs.readFileSync(path.join(here, 'package.json'))).digest('hex');
  const marker = path.join(benchModules, '.bench-install.json');
  let prev = null;
  try { prev = JSON.parse(fs.readFileSync(marker, 'utf8')); } catch { /* never installed */ }
  if (!reinstall && prev?.hash === hash) {
    log(`bench peers ${missing.map((l) => LIBRARIES[l].npm).join(', ')} missing, but npm install --prefix bench already ran for this bench/package.json (${prev.at}, exit ${prev.status}); --reinstall to retry`);
    return;
  }
  log(`installing the benchmark's peers: CXXFLAGS='${CXXFLAGS}' npm install --prefix bench (optional dependencies; each may fail alone) ...`);
  const r = spawnSync('npm', ['install', '--prefix', here, '--no-audit', '--no-fund'], {
    cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CXXFLAGS },
  });
  fs.mkdirSync(benchModules, { recursive: true });
  fs.writeFileSync(marker, JSON.stringify({ hash, at: new Date().toISOString(), status: r.status, cxxflags: CXXFLAGS }) + '\n');
}

/** Runs one job in a fresh process; returns its result (with .error when it failed). */
export function runChild(job, { timeoutMinutes = 60 } = {}) {
  const out = path.join(os.tmpdir(), `annoy-bench-${process.pid}-${Date.now()}.json`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(here, 'child.mjs'), JSON.stringify({ ...job, out })], {
    stdio: ['ignore', 'inherit', 'inherit'], timeout: timeoutMinutes * 60_000, killSignal: 'SIGKILL',
  });
  let result;
  try {
    result = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.rmSync(out, { force: true });
  } catch {
    result = { spec: job.spec, library: job.library, build: job.build, error: r.error ? String(r.error) : `child exited ${r.status ?? r.signal} with no result` };
  }
  return result;
}

function gitInfo() {
  try {
    const head = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'assembly', 'src'], { cwd: root }).toString()
      .split('\n').filter(Boolean).map((l) => l.slice(3));
    return { git: head, dirty };
  } catch {
    return { git: 'unknown', dirty: [] };
  }
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(argv) {
  if (argv.includes('--scaling')) {
    const { main: scaling } = await import('./scaling.mjs');
    return scaling(argv.filter((a) => a !== '--scaling'));
  }
  const { values: args } = parseArgs({
    args: argv,
    options: {
      datasets: { type: 'string', default: 'glove-100-angular,fashion-mnist-784-euclidean' },
      libraries: { type: 'string', default: DEFAULT_LIBRARIES.join(',') },
      queries: { type: 'string' },
      passes: { type: 'string' },
      k: { type: 'string', default: '10' },
      trees: { type: 'string' },
      'search-k': { type: 'string' },
      ef: { type: 'string' },
      degree: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-install': { type: 'boolean', default: false },
      reinstall: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60' },
      out: { type: 'string', default: path.join(here, 'results') },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (args.report) { // re-summarize a results JSON (e.g. after a change to report.mjs or plot.mjs), in place
    const { meta, builds, skipped } = JSON.parse(fs.readFileSync(args.report, 'utf8'));
    return writeOutputs(meta, builds, skipped ?? [], path.dirname(path.resolve(args.report)));
  }
  if (args.help) {
    const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
    console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
    return;
  }
  const quick = args.quick;
  const libraries = list(args.libraries);
  for (const l of libraries) if (!LIBRARIES[l]) throw new Error(`unknown library ${l}; known: ${Object.keys(LIBRARIES).join(', ')}`);
  const datasets = list(args.datasets).map((d) => (quick && !d.includes(':') ? `${d}:n=${QUICK_ROWS}` : d));
  const queries = Number(args.queries ?? (quick ? 200 : 1000));
  const passes = Number(args.passes ?? (quick ? 2 : 3));
  const k = Number(args.k);

  ensurePeers(libraries, { install: !args['no-install'], reinstall: args.reinstall });

  const started = new Date();
  const meta = {
    started: started.toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model?.trim(),
    k, queries, passes, quick, ...gitInfo(), loadavg: { start: loadavg() }, hnswBuild: HNSW_BUILD, libraries: {}, plots: {},
    argv,
  };
  const builds = [];
  const skipped = new Map(); // library -> reason (a peer that cannot load is skipped for the rest of the run)
  for (const spec of datasets) {
    const info = await prepareSpec(spec);
    const base = spec.split(':')[0];
    const g = quick ? QUICK_GRID : (GRIDS[base] ?? QUICK_GRID);
    const trees = args.trees ? nums(args.trees) : g.trees;
    const searchK = args['search-k'] ? nums(args['search-k']) : g.searchK;
    const ef = args.ef ? nums(args.ef) : g.ef;
    const graphEf = args.ef ? nums(args.ef) : g.graphEf;
    const degree = args.degree ? nums(args.degree) : g.degree;
    log(`\n== ${spec}: ${info.nTrain} x ${info.dimensions} ${info.metric}, ${Math.min(queries, info.nQueries)} queries, k=${k}, best of ${passes}`);
    for (const library of libraries) {
      if (skipped.has(library)) continue;
      const kind = LIBRARIES[library].kind;
      const configs = kind === 'tree' ? trees.map((t) => ({ trees: t })) : kind === 'hnsw' ? [HNSW_BUILD] : kind === 'graph' ? degree.map((d) => ({ degree: d })) : [{}];
      const grid = kind === 'tree' ? searchK.map((s) => ({ searchK: s })) : kind === 'hnsw' ? ef.map((e) => ({ ef: e })) : kind === 'graph' ? graphEf.map((e) => ({ ef: e })) : [{}];
      for (const build of configs) {
        log(`  ${library} ${Object.entries(build).map(([a, b]) => `${a} ${b}`).join(', ')}  (load average ${loadavg()})`);
        const t0 = performance.now();
        const r = runChild({ spec, library, build, grid, queries, k, passes }, { timeoutMinutes: Number(args.timeout) });
        r.dataset = spec;
        r.wallSeconds = (performance.now() - t0) / 1000;
        if (r.error && !r.buildSeconds && !r.points) {
          const reason = r.error.split('\n')[0];
          log(`  ${library}: skipped: ${reason}`);
          // could not load: skip it everywhere; the data set could not be read: only this build
          if (r.version === undefined && !r.dataError) { skipped.set(library, reason); break; }
        } else if (r.error) {
          log(`  ${library}: error: ${r.error.split('\n')[0]}`);
        }
        if (r.version !== undefined) meta.libraries[library] = { version: r.version, notes: r.notes };
        builds.push(r);
      }
    }
  }
  meta.loadavg.end = loadavg();
  meta.finished = new Date().toISOString();

  writeOutputs(meta, builds, [...skipped].map(([library, reason]) => ({ library, reason })), args.out);
}

/** Summary, markdown, plots: <stamp>.{json,md}, <stamp>-<data set>.svg and the latest.* copies in `out`. */
export function writeOutputs(meta, builds, skippedList, out) {
  const summary = summarize(builds);
  const stamp = meta.started.replace(/[:.]/g, '-');
  const datasets = [...new Set(builds.map((b) => b.dataset))];
  fs.mkdirSync(out, { recursive: true });
  meta.plots = {};
  for (const ds of datasets) {
    const file = `${stamp}-${ds.replace(/[:=]/g, '_')}.svg`;
    fs.writeFileSync(path.join(out, file), recallChart(ds, builds, meta));
    fs.copyFileSync(path.join(out, file), path.join(out, `latest-${ds.replace(/[:=]/g, '_')}.svg`));
    meta.plots[ds] = path.relative(root, path.join(out, `latest-${ds.replace(/[:=]/g, '_')}.svg`));
  }
  const json = JSON.stringify({ meta, skipped: skippedList, summary, builds }, null, 1);
  const md = fullMarkdown(meta, builds, summary, skippedList);
  fs.writeFileSync(path.join(out, `${stamp}.json`), json);
  fs.writeFileSync(path.join(out, `${stamp}.md`), md);
  fs.copyFileSync(path.join(out, `${stamp}.json`), path.join(out, 'latest.json'));
  fs.copyFileSync(path.join(out, `${stamp}.md`), path.join(out, 'latest.md'));
  console.log(`\n${summaryTable(summary)}\n\n${ratioLines(summary)}\n`);
  for (const s of skippedList) console.log(`skipped ${s.library}: ${s.reason}`);
  console.log(`\nwrote ${path.join(out, `${stamp}.{json,md}`)}, plots ${Object.values(meta.plots).join(', ')}, and latest.*`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1; });
}
