// Small SVG line charts, no dependencies: recall@10 against queries/s (log x) per data set for bench/run.mjs, and the
// log-log scaling charts of bench/scaling.mjs.
//
//   node bench/plot.mjs [bench/results/latest.json]     re-draws the recall plots of a results file next to it

import { LIBRARIES } from './libraries.mjs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v) => (v >= 10000 ? `${v / 1000}k` : v >= 1 ? String(Math.round(v * 100) / 100) : String(v));

export const COLORS = Object.fromEntries(Object.entries(LIBRARIES).filter(([, l]) => l.colour).map(([name, l]) => [name, l.colour]));
const EXTRA = ['#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const DASHES = ['', '7 4', '2 3', '10 3 2 3'];

export function colorOf(library, i = 0) {
  return COLORS[library] ?? EXTRA[i % EXTRA.length];
}

/** Ticks of a log axis between lo and hi: 1-2-5 per decade (fewer when the range is wide). */
function logTicks(lo, hi) {
  const out = [];
  const decades = Math.log10(hi / lo);
  const mult = decades > 4 ? [1] : decades > 2.5 ? [1, 3] : [1, 2, 5];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mult) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

function linTicks(lo, hi) {
  const span = hi - lo;
  const step = span > 0.5 ? 0.1 : span > 0.2 ? 0.05 : span > 0.1 ? 0.02 : 0.01;
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

/**
 * @param {{title: string, subtitle?: string, xLabel: string, yLabel: string, xLog?: boolean, yLog?: boolean,
 *   yMin?: number, yMax?: number, xTicks?: number[], hlines?: {y: number, label: string}[],
 *   series: {label: string, color: string, dash?: string, points: {x: number, y: number, tag?: string}[]}[]}} chart
 * @returns {string} an SVG document
 */
export function lineChart(chart) {
  const W = 1000, H = 600, L = 78, R = 310, T = 64, B = 62;
  const pw = W - L - R, ph = H - T - B;
  const pts = chart.series.flatMap((s) => s.points).filter((p) => p.x > 0 && Number.isFinite(p.y));
  if (!pts.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="80"><text x="10" y="40">${esc(chart.title)}: no data</text></svg>`;
  let x0 = Math.min(...pts.map((p) => p.x)), x1 = Math.max(...pts.map((p) => p.x));
  let y0 = chart.yMin ?? Math.min(...pts.map((p) => p.y)), y1 = chart.yMax ?? Math.max(...pts.map((p) => p.y));
  // log axes: 6% of the span (at least a factor 1.1) beyond the outermost points
  const logPad = (lo, hi) => { const f = Math.max(1.1, (hi / lo) ** 0.06); return [lo / f, hi * f]; };
  if (chart.xLog) [x0, x1] = logPad(x0, x1);
  if (chart.yLog) [y0, y1] = logPad(y0, y1);
  else if (chart.yMin === undefined) { const pad = (y1 - y0) * 0.05 || 0.05; y0 -= pad; y1 += pad; }
  const sx = (x) => L + (chart.xLog ? Math.log(x / x0) / Math.log(x1 / x0) : (x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y) => T + ph - (chart.yLog ? Math.log(y / y0) / Math.log(y1 / y0) : (y - y0) / (y1 - y0 || 1)) * ph;
  const o = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`);
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="${L}" y="26" font-size="17" font-weight="bold">${esc(chart.title)}</text>`);
  if (chart.subtitle) o.push(`<text x="${L}" y="46" font-size="12" fill="#555">${esc(chart.subtitle)}</text>`);
  // grid and ticks
  const xt = chart.xTicks ?? (chart.xLog ? logTicks(x0, x1) : linTicks(x0, x1));
  const yt = chart.yLog ? logTicks(y0, y1) : linTicks(y0, y1);
  for (const v of xt) {
    const x = sx(v).toFixed(1);
    o.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${T + ph}" stroke="#e3e3e3"/>`);
    o.push(`<text x="${x}" y="${T + ph + 18}" text-anchor="middle">${chart.xTicks ? v.toLocaleString('en-US') : fmt(v)}</text>`);
  }
  for (const v of yt) {
    const y = sy(v).toFixed(1);
    o.push(`<line x1="${L}" y1="${y}" x2="${L + pw}" y2="${y}" stroke="#e3e3e3"/>`);
    o.push(`<text x="${L - 8}" y="${(+y + 4).toFixed(1)}" text-anchor="end">${chart.yLog ? fmt(v) : v.toFixed(2)}</text>`);
  }
  for (const h of chart.hlines ?? []) {
    if (h.y < y0 || h.y > y1) continue;
    const y = sy(h.y).toFixed(1);
    o.push(`<line x1="${L}" y1="${y}" x2="${L + pw}" y2="${y}" stroke="#888" stroke-dasharray="5 4"/>`);
    o.push(`<text x="${L + 6}" y="${(+y - 5).toFixed(1)}" fill="#666" font-size="11">${esc(h.label)}</text>`);
  }
  o.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  o.push(`<text x="${L + pw / 2}" y="${H - 16}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  o.push(`<text transform="translate(20 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  // series
  o.push(`<g clip-path="url(#plot)"><clipPath id="plot"><rect x="${L - 6}" y="${T - 6}" width="${pw + 12}" height="${ph + 12}"/></clipPath>`);
  for (const s of chart.series) {
    const sp = s.points.filter((p) => p.x > 0 && Number.isFinite(p.y));
    if (sp.length > 1) {
      const d = sp.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      o.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    }
    for (const p of sp) {
      o.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="${sp.length === 1 ? 5 : 3.2}" fill="${s.color}"><title>${esc(`${s.label}${p.tag ? ` ${p.tag}` : ''}: ${chart.xLabel} ${p.x.toFixed(0)}, ${chart.yLabel} ${p.y.toFixed(3)}`)}</title></circle>`);
    }
  }
  o.push('</g>');
  // legend
  const lx = L + pw + 18;
  chart.series.forEach((s, i) => {
    const y = T + 8 + i * 22;
    o.push(`<line x1="${lx}" y1="${y}" x2="${lx + 30}" y2="${y}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    o.push(`<circle cx="${lx + 15}" cy="${y}" r="3.2" fill="${s.color}"/>`);
    o.push(`<text x="${lx + 38}" y="${y + 4}">${esc(s.label)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n') + '\n';
}

/** The recall-vs-queries/s chart of one data set from bench/run.mjs's builds. */
export function recallChart(dataset, builds, meta) {
  const series = [];
  const byLib = new Map();
  for (const b of builds) {
    if (b.dataset !== dataset || b.error || !b.points?.length) continue;
    if (!byLib.has(b.library)) byLib.set(b.library, []);
    byLib.get(b.library).push(b);
  }
  let li = 0;
  for (const [lib, bs] of byLib) {
    bs.forEach((b, bi) => {
      const cfg = b.build.trees !== undefined ? `${b.build.trees} trees` : b.build.degree !== undefined ? `degree ${b.build.degree}` : b.build.M !== undefined ? `M ${b.build.M}, efC ${b.build.efConstruction}` : '';
      const pts = b.points.map((p) => ({ x: p.qps, y: p.recall, tag: Object.entries(p.params).map(([k, v]) => `${k} ${v}`).join(' ') }));
      series.push({ label: `${lib}${cfg ? ` (${cfg})` : ''}`, color: colorOf(lib, li), dash: DASHES[bi % DASHES.length], points: pts });
    });
    li++;
  }
  const d = builds.find((b) => b.dataset === dataset && b.n);
  const sub = [
    d ? `${d.n.toLocaleString('en-US')} x ${d.dimensions}` : '', `k = ${meta.k}`, `${meta.queries.toLocaleString('en-US')} queries (exact: 100)`,
    `best of ${meta.passes} passes, one thread`, meta.started?.slice(0, 16).replace('T', ' '), meta.cpu,
  ].filter(Boolean).join(' · ');
  return lineChart({
    title: `${dataset}: recall@${meta.k} vs queries/s`, subtitle: sub, xLabel: 'queries per second (log scale)',
    yLabel: `recall@${meta.k}`, xLog: true, yMax: 1.0,
    yMin: Math.max(0, Math.floor(Math.min(...series.flatMap((s) => s.points.map((p) => p.y))) * 10) / 10),
    hlines: [{ y: 0.9, label: 'recall 0.90' }, { y: 0.95, label: 'recall 0.95' }], series,
  });
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const file = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname;
  const { meta, builds } = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const ds of [...new Set(builds.map((b) => b.dataset))]) {
    const out = path.join(path.dirname(file), `${path.basename(file, '.json')}-${ds.replace(/[:=]/g, '_')}.svg`);
    fs.writeFileSync(out, recallChart(ds, builds, meta));
    console.log(`wrote ${out}`);
  }
}
