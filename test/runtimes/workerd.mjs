// Runs a Worker bundled by `wrangler deploy --dry-run --outdir <bundle>` in workerd (through Miniflare, as
// `wrangler dev` does), with <assets> as its static assets, and asks it each path in turn. Prints one JSON line:
// { answers: [{ path, status, body, ms }], startMs, workerdPeakRssKiB }. Needs Node >= 22 (Miniflare's floor).
//
//   node workerd.mjs <bundle dir> <assets dir> <compatibility flags, comma-separated> <path> [<path>...]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';

const [bundle, assets, flags, ...paths] = process.argv.slice(2);
const modules = readdirSync(bundle).filter((f) => f.endsWith('.js')).map((f) => ({ type: 'ESModule', path: join(bundle, f) }));
for (const f of readdirSync(bundle)) if (f.endsWith('.wasm')) modules.push({ type: 'CompiledWasm', path: join(bundle, f) });

let started = performance.now();
const mf = new Miniflare({
  modules,
  modulesRoot: bundle,
  compatibilityDate: '2026-07-30',
  compatibilityFlags: flags ? flags.split(',') : [],
  assets: { directory: assets, binding: 'ASSETS', routerConfig: { has_user_worker: true } },
});
const url = await mf.ready;
const startMs = performance.now() - started;
const answers = [];
for (const path of paths) {
  started = performance.now();
  const response = await fetch(new URL(path, url));
  const text = await response.text();
  const ms = performance.now() - started;
  let body = text;
  try { body = JSON.parse(text); } catch {}
  answers.push({ path, status: response.status, body, ms });
}
// workerd's peak resident memory: the Worker's isolate, its wasm memory and workerd itself.
let workerdPeakRssKiB = null;
try {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const ppid = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (cmd.includes('workerd') && ppid === String(process.pid)) {
      workerdPeakRssKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    }
  }
} catch {}
await mf.dispose();
console.log(JSON.stringify({ answers, startMs, workerdPeakRssKiB }));
