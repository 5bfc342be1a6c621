// Shared by annoy-cpp.mjs and hnswlib-cpp.mjs: the native anchors. A library's own C++ is called directly by a small
// harness of ours (bench/native/<name>.cc + harness.h), compiled at first use with g++ -O3 -march=native (+ Annoy's
// -ffast-math -fno-associative-math) into bench/.cache/native/. The library's headers come from Debian at bench time
// (`apt-get download <package>` + `dpkg -x`, no install, no R), or from /usr/include when the package is installed;
// they are never kept in this repository. No compiler or no package: load() throws and bench/run.mjs skips the
// library with that reason.
//
// The harness builds, saves and times the queries itself (C++ clock, same queries, best of `passes`, see harness.h)
// and writes each grid point's ids; measure() hands them back to bench/child.mjs, which computes recall with the same
// code as for the JS adapters.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { specFiles } from '../derived.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const sources = path.join(here, '..', 'native');
export const NATIVE_DIR = path.join(here, '..', '.cache', 'native');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return r.stdout;
}

/** The package's files unpacked under bench/.cache/native/<package>/ (downloaded once); returns that root and the version. */
function unpackDeb(pkg) {
  const dir = path.join(NATIVE_DIR, pkg);
  const marker = path.join(dir, '.version');
  if (fs.existsSync(marker)) return { root: dir, version: fs.readFileSync(marker, 'utf8').trim() };
  fs.mkdirSync(NATIVE_DIR, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(NATIVE_DIR, `${pkg}-`));
  try {
    run('apt-get', ['download', pkg], { cwd: tmp });
    const deb = fs.readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb`);
    run('dpkg', ['-x', path.join(tmp, deb), path.join(tmp, 'root')]);
    const version = run('dpkg-deb', ['-f', path.join(tmp, deb), 'Version']).trim();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(tmp, 'root'), dir);
    fs.writeFileSync(marker, `${version}\n`);
    return { root: dir, version };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function findFile(root, name) {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop();
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name === name) return p;
    }
  }
  return null;
}

/**
 * The include directory holding `header` (a path relative to it, e.g. 'annoylib.h' or 'hnswlib/hnswlib.h'):
 * /usr/include when the package is installed, else the Debian package unpacked under bench/.cache/native/.
 */
function includeDir(pkg, header) {
  if (fs.existsSync(path.join('/usr/include', header))) {
    let version = 'installed';
    try { version = run('dpkg-query', ['-W', '-f=${Version}', pkg]).trim() || version; } catch { /* not from a package */ }
    return { dir: '/usr/include', version, from: '/usr/include' };
  }
  let unpacked;
  try {
    unpacked = unpackDeb(pkg);
  } catch (e) {
    throw new Error(`no ${header}: neither /usr/include nor Debian's ${pkg} (${e.message.split('\n')[0]})`);
  }
  const file = findFile(unpacked.root, path.basename(header));
  if (!file) throw new Error(`Debian's ${pkg} ${unpacked.version} has no ${header}`);
  let dir = path.dirname(file);
  for (let i = header.split('/').length - 1; i > 0; i--) dir = path.dirname(dir);
  return { dir, version: unpacked.version, from: `Debian ${pkg} ${unpacked.version} (apt-get download, dpkg -x)` };
}

/** Compiles bench/native/<name>.cc once per (source, headers, flags); returns {binary, notes, version}. */
export function compile(name, { pkg, header, flags }) {
  const inc = includeDir(pkg, header);
  const src = path.join(sources, `${name}.cc`);
  const gxx = process.env.CXX || 'g++';
  let compiler;
  try { compiler = run(gxx, ['--version']).split('\n')[0]; } catch (e) { throw new Error(`no C++ compiler (${gxx}): ${e.message}`); }
  const args = ['-std=c++17', ...flags, '-DNDEBUG', `-I${sources}`, `-I${inc.dir}`, src, '-o'];
  const key = createHash('sha256').update(fs.readFileSync(src)).update(fs.readFileSync(path.join(sources, 'harness.h')))
    .update(fs.readFileSync(path.join(inc.dir, header))).update(compiler).update(args.join(' ')).update(os.cpus()[0]?.model ?? '')
    .digest('hex').slice(0, 12);
  const binary = path.join(NATIVE_DIR, `${name}-${key}`);
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(NATIVE_DIR, { recursive: true });
    const tmp = `${binary}.tmp-${process.pid}`;
    process.stderr.write(`    compiling ${name}: ${gxx} ${args.join(' ')} ${path.relative(process.cwd(), binary)}\n`);
    run(gxx, [...args, tmp]);
    fs.renameSync(tmp, binary);
  }
  return { binary, version: inc.version, notes: `C++ called directly (bench/native/${name}.cc), ${compiler}, ${flags.join(' ')}; headers from ${inc.from}` };
}

/**
 * Runs the harness for one build and its grid; returns what bench/child.mjs records, with each point's ids
 * (Int32Array, k per query) for the recall.
 */
export function measure(binary, { spec, n, dimensions, metric, nq, k, passes, build, grid, param }) {
  const files = specFiles(spec);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'annoy-bench-native-'));
  try {
    const args = [`train=${files.train}`, `queries=${files.queries}`, `n=${n}`, `d=${dimensions}`, `metric=${metric}`,
      `nq=${nq}`, `k=${k}`, `passes=${passes}`, ...Object.entries(build).map(([a, b]) => `${a}=${b}`),
      `grid=${grid.map((g) => g[param]).join(',')}`, `file=${path.join(dir, 'index.bin')}`, `out=${dir}`];
    const r = spawnSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    const lines = (r.stdout ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    if (r.status !== 0 && !lines.some((l) => l.buildSeconds !== undefined)) throw new Error(`${path.basename(binary)} exited ${r.status ?? r.signal}`);
    const res = Object.assign({}, ...lines.filter((l) => l.point === undefined));
    const points = lines.filter((l) => l.point !== undefined).map((l) => {
      const buf = fs.readFileSync(path.join(dir, `ids-${l.point}.i32`));
      return { params: l.params, qps: l.qps, passMs: l.passMs, peakRssMiB: l.peakRssMiB, ids: new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4) };
    });
    if (r.status !== 0) res.error = `${path.basename(binary)} exited ${r.status ?? r.signal} after ${points.length} of ${grid.length} points`;
    return { ...res, points };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
