// The scaling law, annoy-wasm beside native Annoy in one run: build time and queries/s as the index grows and as the
// dimension grows, at fixed settings (10 trees; searchK 1,000 and 10,000; one thread, k = 10, best of 3).
//
//   npm run bench -- --scaling [--libraries annoy-wasm,annoy-wasm-int8,annoy-native,annoy-npm] [--queries 1000] [--quick]
//   node --expose-gc bench/scaling.mjs [same options]
//   node bench/scaling.mjs --report bench/results/scaling-<stamp>.json     redo its tables and charts
//
// Items: glove-100-angular cut to seeded random subsets of 10,000 and 100,000 train rows, and all 340,479.
// Dimensions: the 100,000-row glove subset multiplied by a seeded Gaussian random matrix (N(0, 1/d) entries) to
// d = 25, 784 and 1,000, beside d = 100 (the vectors themselves). Projecting up keeps the neighbourhoods (the data stay
// 100-dimensional at heart), so the d series isolates the cost of longer vectors; projecting down to 25 loses some
// structure, so recall moves too. Each spec has its own exact ground truth (bench/derived.mjs, cached in
// bench/.cache/derived). Each build runs in a fresh process (bench/child.mjs).
// Output: bench/results/scaling-<stamp>.{json,md}, four SVG charts, and scaling-latest.*.
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareSpec } from './derived.mjs';
import { ensurePeers, runChild } from './run.mjs';
import { lineChart, colorOf, DASHES } from './plot.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = 'glove-100-angular';
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const log = (m) => process.stderr.write(`${m}\n`);
const int = (x) => (x == null ? '' : Math.round(x).toLocaleString('en-US'));

/** Least-squares slope of log y against log x: the exponent of a power law y ~ x^e. */
function exponent(xs, ys) {
  const pts = xs.map((x, i) => [Math.log(x), Math.log(ys[i])]).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length, my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let num = 0, den = 0;
  for (const [a, b] of pts) { num += (a - mx) * (b - my); den += (a - mx) ** 2; }
  return den ? num / den : null;
}

export async function main(argv) {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      libraries: { type: 'string', default: 'annoy-wasm,annoy-wasm-int8,annoy-native' },
      queries: { type: 'string' },
      passes: { type: 'string' },
      trees: { type: 'string', default: '10' },
      'search-k': { type: 'string', default: '1000,10000' },
      quick: { type: 'boolean', default: false },
      'no-install': { type: 'boolean', default: false },
      reinstall: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60' },
      out: { type: 'string', default: path.join(here, 'results') },
      report: { type: 'string' },
    },
  });
  if (args.report) { // redo the tables and charts of a scaling results file, in place
    const { meta, rows } = JSON.parse(fs.readFileSync(args.report, 'utf8'));
    return writeScaling(meta, rows, path.dirname(path.resolve(args.report)));
  }
  const quick = args.quick;
  const libraries = list(args.libraries);
  const queries = Number(args.queries ?? (quick ? 200 : 1000));
  const passes = Number(args.passes ?? (quick ? 2 : 3));
  const trees = Number(args.trees);
  const grid = list(args['search-k']).map((s) => ({ searchK: Number(s) }));
  const k = 10;
  const nSeries = quick ? [10000, 30000] : [10000, 100000, null]; // null: every train row
  const dN = quick ? 10000 : 100000;
  const dSeries = [25, 100, 784, 1000];
  const specOf = (n, d) => [BASE, n ? `n=${n}` : null, d && d !== 100 ? `d=${d}` : null].filter(Boolean).join(':');
  const jobs = [
    ...nSeries.map((n) => ({ series: 'items', spec: specOf(n, null) })),
    ...dSeries.map((d) => ({ series: 'dimensions', spec: specOf(dN, d) })),
  ];

  ensurePeers(libraries, { install: !args['no-install'], reinstall: args.reinstall });
  const started = new Date();
  const meta = { started: started.toISOString(), node: process.version, cpu: os.cpus()[0]?.model?.trim(), cpus: os.cpus().length,
    k, queries, passes, trees, grid, libraries, loadavg: { start: os.loadavg().map((x) => x.toFixed(2)).join(' ') } };
  const rows = [];
  const done = new Map(); // spec -> results (the 100k glove spec is in both series)
  for (const job of jobs) {
    const info = await prepareSpec(job.spec);
    if (!done.has(job.spec)) {
      const results = [];
      log(`\n== ${job.spec}: ${info.nTrain} x ${info.dimensions}`);
      for (const library of libraries) {
        log(`  ${library} trees ${trees}`);
        results.push(runChild({ spec: job.spec, library, build: { trees }, grid, queries, k, passes }, { timeoutMinutes: Number(args.timeout) }));
      }
      done.set(job.spec, results);
    }
    for (const r of done.get(job.spec)) rows.push({ series: job.series, spec: job.spec, n: info.nTrain, d: info.dimensions, ...r });
  }
  meta.loadavg.end = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  meta.finished = new Date().toISOString();
  meta.dN = dN;
  writeScaling(meta, rows, args.out);
}

/** Tables, fitted exponents, ratios and charts: scaling-<stamp>.{json,md}, four SVGs and the *-latest copies. */
export function writeScaling(meta, rows, out) {
  const { k, queries, passes, trees, grid, libraries } = meta;
  const dN = meta.dN ?? rows.find((r) => r.series === 'dimensions')?.n;
  const md = [`# annoy-wasm scaling, ${meta.started}`, '',
    `${meta.cpu}, ${meta.cpus} cpus, node ${meta.node}; one thread, k = ${k}, ${queries.toLocaleString('en-US')} queries, best of ${passes}, ${trees} trees; load average ${meta.loadavg.start} at the start, ${meta.loadavg.end} at the end.`,
    `Items: seeded random subsets of glove-100-angular. Dimensions: its ${dN.toLocaleString('en-US')}-row subset times a seeded Gaussian random matrix (d = 100: the vectors themselves). Ratios are annoy-wasm / the other library in the same run (build: below 1 is faster; q/s: above 1 is faster).`, ''];
  const summary = {};
  for (const series of ['items', 'dimensions']) {
    const sr = rows.filter((r) => r.series === series && !r.error);
    const xKey = series === 'items' ? 'n' : 'd';
    md.push(`## ${series === 'items' ? 'Items (d = 100)' : `Dimensions (n = ${dN.toLocaleString('en-US')})`}`, '');
    const head = [xKey, 'library', 'build s', 'file MiB', ...grid.flatMap((g) => [`recall @ sK ${int(g.searchK)}`, `q/s @ sK ${int(g.searchK)}`])];
    md.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 1 ? '---' : '---:')).join('|')}|`);
    for (const r of sr) {
      md.push(`| ${int(r[xKey])} | ${r.library} | ${r.buildSeconds.toFixed(2)} | ${(r.fileBytes / 2 ** 20).toFixed(0)} | ${r.points.flatMap((p) => [p.recall.toFixed(3), int(p.qps)]).join(' | ')} |`);
    }
    md.push('');
    summary[series] = {};
    for (const lib of libraries) {
      const lr = sr.filter((r) => r.library === lib).sort((a, b) => a[xKey] - b[xKey]);
      if (!lr.length) continue;
      const xs = lr.map((r) => r[xKey]);
      summary[series][lib] = {
        buildExponent: exponent(xs, lr.map((r) => r.buildSeconds)),
        qpsExponent: Object.fromEntries(grid.map((g, i) => [g.searchK, exponent(xs, lr.map((r) => r.points[i]?.qps))])),
      };
    }
    const fmtE = (e) => (e == null ? 'n/a' : e.toFixed(2));
    md.push(`Fitted power laws (least squares on log-log) over ${xKey}: ` + Object.entries(summary[series]).map(([lib, s]) =>
      `${lib} build time ~ ${xKey}^${fmtE(s.buildExponent)}, q/s ~ ${Object.entries(s.qpsExponent).map(([sk, e]) => `${xKey}^${fmtE(e)} (searchK ${int(sk)})`).join(', ')}`).join('; ') + '.', '');
    for (const [ours, ref] of libraries.filter((l) => l.startsWith('annoy-wasm')).flatMap((o) => libraries.filter((l) => !l.startsWith('annoy-wasm')).map((r) => [o, r]))) {
      const parts = [];
      for (const x of [...new Set(sr.map((r) => r[xKey]))]) {
        const w = sr.find((r) => r.library === ours && r[xKey] === x), n = sr.find((r) => r.library === ref && r[xKey] === x);
        if (!w || !n) continue;
        parts.push(`${xKey} = ${int(x)}: build ${(w.buildSeconds / n.buildSeconds).toFixed(2)}x, q/s ${w.points.map((p, i) => `${(p.qps / n.points[i].qps).toFixed(2)}x`).join(' / ')}`);
      }
      if (parts.length) md.push(`${ours} / ${ref} (q/s at searchK ${grid.map((g) => int(g.searchK)).join(' / ')}): ${parts.join('; ')}.`, '');
    }
  }
  for (const r of rows.filter((x) => x.error)) md.push(`- ${r.spec} ${r.library}: error ${r.error.split('\n')[0]}`);

  // charts: q/s and build time against n and d, log-log
  const stamp = meta.started.replace(/[:.]/g, '-');
  fs.mkdirSync(out, { recursive: true });
  meta.plots = {};
  for (const series of ['items', 'dimensions']) {
    const xKey = series === 'items' ? 'n' : 'd';
    const sr = rows.filter((r) => r.series === series && !r.error);
    const libs = libraries.filter((l) => sr.some((r) => r.library === l));
    const qpsSeries = libs.flatMap((lib, li) => grid.map((g, gi) => ({
      label: `${lib}, searchK ${int(g.searchK)}`, color: colorOf(lib, li), dash: DASHES[gi % DASHES.length],
      points: sr.filter((r) => r.library === lib).sort((a, b) => a[xKey] - b[xKey]).map((r) => ({ x: r[xKey], y: r.points[gi].qps, tag: `recall ${r.points[gi].recall.toFixed(3)}` })),
    })));
    const buildSeries = libs.map((lib, li) => ({
      label: lib, color: colorOf(lib, li),
      points: sr.filter((r) => r.library === lib).sort((a, b) => a[xKey] - b[xKey]).map((r) => ({ x: r[xKey], y: r.buildSeconds })),
    }));
    const what = series === 'items' ? 'items (glove-100, d = 100)' : `dimensions (glove-100 ${dN.toLocaleString('en-US')} rows, random projections)`;
    const sub = `${trees} trees · k = ${k} · ${queries.toLocaleString('en-US')} queries · best of ${passes} · one thread · ${meta.started.slice(0, 16).replace('T', ' ')}`;
    for (const [name, chart] of [
      [`scaling-${series}-qps`, { title: `queries/s against ${what}`, yLabel: 'queries per second (log)', series: qpsSeries }],
      [`scaling-${series}-build`, { title: `build time against ${what}`, yLabel: 'build seconds (log)', series: buildSeries }],
    ]) {
      const xTicks = [...new Set(sr.map((r) => r[xKey]))].sort((a, b) => a - b);
      const svg = lineChart({ ...chart, subtitle: sub, xLabel: `${xKey === 'n' ? 'items' : 'dimensions'} (log scale)`, xLog: true, yLog: true, xTicks });
      fs.writeFileSync(path.join(out, `${stamp}-${name}.svg`), svg);
      fs.copyFileSync(path.join(out, `${stamp}-${name}.svg`), path.join(out, `${name}-latest.svg`));
      meta.plots[name] = path.relative(path.join(here, '..'), path.join(out, `${name}-latest.svg`));
    }
  }
  md.push('', '## Plots', '', ...Object.values(meta.plots).map((p) => `- ${p}`), '');
  const text = md.join('\n');
  fs.writeFileSync(path.join(out, `scaling-${stamp}.json`), JSON.stringify({ meta, summary, rows }, null, 1));
  fs.writeFileSync(path.join(out, `scaling-${stamp}.md`), text);
  fs.copyFileSync(path.join(out, `scaling-${stamp}.json`), path.join(out, 'scaling-latest.json'));
  fs.copyFileSync(path.join(out, `scaling-${stamp}.md`), path.join(out, 'scaling-latest.md'));
  console.log(`\n${text}\nwrote ${path.join(out, `scaling-${stamp}.{json,md}`)} and scaling-latest.*`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => { console.error(e); process.exitCode = 1; });
}
