// Summaries of bench/run.mjs results: the recall/queries-per-second frontier, queries/s at a target recall
// (interpolated on the frontier), same-run ratios, and the markdown tables.
import { OURS, REFERENCES } from './libraries.mjs';

/** Pareto frontier of {recall, qps} points: ascending recall, descending qps; no point beaten on both. */
export function frontier(points) {
  const sorted = points.filter((p) => Number.isFinite(p.qps) && p.qps > 0).slice().sort((a, b) => b.recall - a.recall || b.qps - a.qps);
  const out = [];
  let best = -Infinity;
  for (const p of sorted) if (p.qps > best) { out.push(p); best = p.qps; }
  return out.reverse();
}

/**
 * Queries/s at recall `target` on the frontier of `points`: log(qps) interpolated linearly in recall between the two
 * frontier points around the target. null when no point reaches it. When every frontier point is above the target,
 * the fastest one's qps is returned with lowerBound: true (no extrapolation: the true figure is at least that).
 */
export function qpsAtRecall(points, target) {
  const f = frontier(points);
  if (!f.length || f[f.length - 1].recall < target) return null;
  const i = f.findIndex((p) => p.recall >= target);
  if (i === 0) return { qps: f[0].qps, lowerBound: f[0].recall > target, from: [f[0]] };
  const lo = f[i - 1], hi = f[i];
  const t = (target - lo.recall) / (hi.recall - lo.recall);
  return { qps: Math.exp(Math.log(lo.qps) + t * (Math.log(hi.qps) - Math.log(lo.qps))), lowerBound: false, from: [lo, hi] };
}

export const TARGETS = [0.9, 0.95];

const int = (x) => (x == null ? '' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x == null ? '' : x.toFixed(1));
const f2 = (x) => (x == null ? '' : x.toFixed(2));
const mib = (b) => (b == null ? '' : (b / 2 ** 20).toFixed(0));
const ratio = (a, b) => (a == null || b == null || !b ? null : a / b);
const rx = (r) => (r == null ? 'n/a' : `${r.toFixed(2)}x`);
const atStr = (a) => (a == null ? '—' : `${a.lowerBound ? '≥ ' : ''}${int(a.qps)}`);

export function buildLabel(b) {
  if (b.build?.trees !== undefined) return `${b.build.trees} trees`;
  if (b.build?.degree !== undefined) return `graph degree ${b.build.degree}`;
  if (b.build?.M !== undefined) return `M ${b.build.M}, efC ${b.build.efConstruction}`;
  return 'scan';
}
export function paramLabel(params) {
  return Object.entries(params ?? {}).map(([k, v]) => `${k === 'searchK' ? 'searchK' : k} ${int(v)}`).join(', ') || '—';
}

/** Per data set: per build and per library (best build) q/s at the targets, and the annoy ratios. */
export function summarize(builds) {
  const datasets = [...new Set(builds.map((b) => b.dataset))];
  return datasets.map((dataset) => {
    const bs = builds.filter((b) => b.dataset === dataset);
    const perBuild = bs.filter((b) => !b.error).map((b) => ({
      library: b.library, build: buildLabel(b), buildSeconds: b.buildSeconds, addSeconds: b.addSeconds, fileBytes: b.fileBytes,
      peakRssMiB: b.rss?.peakFirstMiB ?? b.rss?.peakMiB, baselineRssMiB: b.rss?.baselineMiB,
      maxRecall: Math.max(...(b.points ?? []).map((p) => p.recall)),
      at: Object.fromEntries(TARGETS.map((t) => [t, qpsAtRecall(b.points ?? [], t)])),
    }));
    // A library's best at a recall: the best of its builds, each interpolated along its own query-parameter curve
    // (the upper envelope of the curves; pooling all points into one frontier would interpolate across builds).
    const libs = [...new Set(perBuild.map((b) => b.library))];
    const perLibrary = Object.fromEntries(libs.map((lib) => {
      const mine = perBuild.filter((b) => b.library === lib);
      const at = Object.fromEntries(TARGETS.map((t) => {
        let best = null;
        for (const b of mine) if (b.at[t] && (!best || b.at[t].qps > best.qps)) best = { ...b.at[t], build: b.build };
        return [t, best];
      }));
      return [lib, { at, maxRecall: Math.max(...mine.map((b) => b.maxRecall)) }];
    }));
    // annoy-wasm (and its screened variants) against each native build present: q/s at equal recall; build time, file and
    // peak RSS at equal tree count (Annoy's builds only)
    const ratios = [];
    // annoy-cpp and hnswlib-cpp are the libraries' own C++ called directly; annoy-native / annoy-npm the npm binding
    for (const ours of OURS) for (const ref of REFERENCES) {
      if (!perLibrary[ours] || !perLibrary[ref]) continue;
      const r = { library: ours, against: ref, qps: {}, builds: [] };
      for (const t of TARGETS) {
        const a = perLibrary[ours].at[t], b = perLibrary[ref].at[t];
        r.qps[t] = a && b && !a.lowerBound && !b.lowerBound ? a.qps / b.qps : null;
      }
      for (const w of perBuild.filter((p) => p.library === ours)) {
        const n = perBuild.find((p) => p.library === ref && p.build === w.build);
        if (n) r.builds.push({ build: w.build, buildSeconds: ratio(w.buildSeconds, n.buildSeconds), fileBytes: ratio(w.fileBytes, n.fileBytes), peakRss: ratio(w.peakRssMiB, n.peakRssMiB) });
      }
      ratios.push(r);
    }
    const errors = bs.filter((b) => b.error).map((b) => ({ library: b.library, build: buildLabel(b), error: b.error.split('\n')[0] }));
    return { dataset, perBuild, perLibrary, ratios, errors };
  });
}

/** The compact table (README): one row per library and build. */
export function summaryTable(summary, { datasetColumn = true } = {}) {
  const lines = [];
  const head = ['library', 'build', 'build s', 'file MiB', 'peak RSS MiB', 'max recall', 'q/s @ 0.90', 'q/s @ 0.95'];
  if (datasetColumn) head.unshift('data set');
  lines.push(`| ${head.join(' | ')} |`);
  lines.push(`|${head.map((h, i) => (i < (datasetColumn ? 3 : 2) ? '---' : '---:')).join('|')}|`);
  for (const s of summary) {
    for (const b of s.perBuild) {
      const row = [b.library, b.build, f1(b.buildSeconds), b.fileBytes == null ? '—' : mib(b.fileBytes),
        b.peakRssMiB == null ? '' : `${int(b.peakRssMiB)} (+${int(b.peakRssMiB - b.baselineRssMiB)})`,
        b.maxRecall.toFixed(3), atStr(b.at[0.9]), atStr(b.at[0.95])];
      if (datasetColumn) row.unshift(s.dataset.replace('-euclidean', '').replace('-angular', ''));
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** Best q/s at the targets per library (its best build) with the annoy-wasm ratios: one line per data set. */
export function ratioLines(summary) {
  const out = [];
  for (const s of summary) {
    const libs = Object.entries(s.perLibrary).filter(([lib]) => lib !== 'exact')
      .map(([lib, v]) => `${lib} ${atStr(v.at[0.9])} / ${atStr(v.at[0.95])}`);
    out.push(`- **${s.dataset}** q/s at recall 0.90 / 0.95 (best build): ${libs.join('; ')}.`);
    for (const r of s.ratios) {
      const b = r.builds.map((x) => `${x.build}: build time ${rx(x.buildSeconds)}, file ${rx(x.fileBytes)}, peak RSS ${rx(x.peakRss)}`).join('; ');
      out.push(`  ${r.library} / ${r.against}: queries/s ${rx(r.qps[0.9])} at 0.90, ${rx(r.qps[0.95])} at 0.95${b ? `; ${b}` : ''}.`);
    }
  }
  return out.join('\n');
}

/** The full results markdown. */
export function fullMarkdown(meta, builds, summary, skipped) {
  const o = [];
  o.push(`# annoy-wasm same-run benchmark, ${meta.started}`, '');
  o.push(`${meta.cpu}, ${meta.cpus} cpus, node ${meta.node}; annoy-wasm at ${meta.git}${meta.dirty?.length ? ` with uncommitted changes in ${meta.dirty.join(', ')}` : ''}.`);
  o.push(`One thread, k = ${meta.k}, ${meta.queries} queries (exact: the first 100), best of ${meta.passes} passes; load average ${meta.loadavg.start} at the start, ${meta.loadavg.end} at the end. Every library's build and queries ran in its own fresh process.`);
  o.push(`Peak RSS: the process high-water mark after build, save and the first grid point; (+x) is what it added over the loaded data set. q/s at a recall: interpolated (log q/s, linear recall) on the build's frontier; ≥ means every point was above the target; — means none reached it.`, '');
  o.push('## Libraries', '');
  for (const [lib, info] of Object.entries(meta.libraries)) o.push(`- ${lib} ${info.version ?? ''}: ${info.notes ?? ''}`);
  for (const s of skipped) o.push(`- ${s.library}: **skipped** (${s.reason})`);
  o.push('', '## Summary', '', summaryTable(summary), '', ratioLines(summary), '');
  for (const s of summary) for (const e of s.errors) o.push(`- ${s.dataset} ${e.library} ${e.build}: error ${e.error}`);
  o.push('## Plots', '');
  for (const [ds, file] of Object.entries(meta.plots ?? {})) o.push(`- ${ds}: ${file}`);
  o.push('', '## Full grid', '');
  o.push('| data set | library | build | build s | add s | file MiB | peak RSS MiB | query | recall@10 | queries/s |');
  o.push('|---|---|---|---:|---:|---:|---:|---|---:|---:|');
  for (const b of builds) {
    if (b.error) continue;
    for (const p of b.points ?? []) {
      o.push(`| ${b.dataset} | ${b.library} | ${buildLabel(b)} | ${f2(b.buildSeconds)} | ${f2(b.addSeconds)} | ${b.fileBytes == null ? '—' : (b.fileBytes / 2 ** 20).toFixed(1)} | ${int(b.rss?.peakFirstMiB)} | ${paramLabel(p.params)} | ${p.recall.toFixed(3)} | ${int(p.qps)} |`);
    }
  }
  return o.join('\n') + '\n';
}
