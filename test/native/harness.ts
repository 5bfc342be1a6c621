// Native Annoy for the tests: test/native/annoy-harness.cc compiled with g++ against annoylib.h from Debian's
// r-cran-rcppannoy (Annoy's header as RcppAnnoy 0.0.20 ships it). The header comes from $ANNOYLIB_INCLUDE, or from
// the package fetched once with `apt-get download` into node_modules/.cache/annoy-native (.ci/run fetches it
// too). When g++ or the package cannot be had, `native()` says why, and the tests using it report a skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metric } from '../../src/index.js';

const root = new URL('../..', import.meta.url).pathname;
const cache = join(root, 'node_modules', '.cache', 'annoy-native');
const source = join(root, 'test', 'native', 'annoy-harness.cc');

function headers(): string {
  const fromEnv = process.env.ANNOYLIB_INCLUDE;
  if (fromEnv) {
    if (!existsSync(join(fromEnv, 'annoylib.h'))) throw new Error(`ANNOYLIB_INCLUDE=${fromEnv} holds no annoylib.h`);
    return fromEnv;
  }
  const include = join(cache, 'root', 'usr', 'lib', 'R', 'site-library', 'RcppAnnoy', 'include');
  if (existsSync(join(include, 'annoylib.h'))) return include;
  mkdirSync(cache, { recursive: true });
  try {
    execFileSync('apt-get', ['download', 'r-cran-rcppannoy'], { cwd: cache, stdio: 'pipe' });
  } catch (e) {
    throw new Error(`could not fetch r-cran-rcppannoy (apt-get download r-cran-rcppannoy: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').pop()})`);
  }
  const deb = readdirSync(cache).find((f) => f.startsWith('r-cran-rcppannoy') && f.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download r-cran-rcppannoy wrote no .deb');
  execFileSync('dpkg', ['-x', deb, 'root'], { cwd: cache, stdio: 'pipe' });
  if (!existsSync(join(include, 'annoylib.h'))) throw new Error(`r-cran-rcppannoy holds no ${include}/annoylib.h`);
  return include;
}

let built: { binary?: string; reason?: string } | undefined;

/** The compiled harness, or why there is none. */
export function native(): { binary?: string; reason?: string } {
  if (built) return built;
  try {
    const include = headers();
    const key = createHash('sha256').update(readFileSync(source)).update(readFileSync(join(include, 'annoylib.h'))).digest('hex').slice(0, 16);
    const binary = join(cache, `annoy-harness-${key}`);
    if (!existsSync(binary)) {
      mkdirSync(cache, { recursive: true });
      const r = spawnSync('g++', ['-O2', '-std=c++17', '-I', include, '-o', binary, source], { encoding: 'utf8' });
      if (r.error) throw new Error(`no g++ (${r.error.message})`);
      if (r.status !== 0) throw new Error(`g++ failed: ${r.stderr}`);
    }
    built = { binary };
  } catch (e) {
    built = { reason: (e as Error).message };
  }
  return built;
}

export interface NativeQuery { vector?: ArrayLike<number>; item?: number; k: number; searchK: number }
export interface NativeAnswer { ids: number[]; distances: number[] }

/** Native Annoy's answers to `queries` on the .ann file at `path` (dimensions: bits for hamming). */
export function nativeAnswers(path: string, metric: Metric, dimensions: number, queries: NativeQuery[]): { items: number; answers: NativeAnswer[] } {
  const { binary, reason } = native();
  if (!binary) throw new Error(`native Annoy harness unavailable: ${reason}`);
  const input = queries.map((q) => (q.vector ? `v ${q.k} ${q.searchK} ${Array.from(q.vector).join(' ')}` : `i ${q.k} ${q.searchK} ${q.item}`)).join('\n') + '\n';
  const r = spawnSync(binary, [metric, String(dimensions), path], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`annoy-harness ${metric} ${dimensions} ${path}: exit ${r.status}: ${r.stderr}`);
  const [head, ...lines] = r.stdout.trim().split('\n');
  const answers = lines.map((line) => {
    const x = line.split(' ').map(Number);
    const n = x[0];
    return { ids: x.slice(1, 1 + n), distances: x.slice(1 + n, 1 + 2 * n) };
  });
  return { items: Number(head.split(' ')[1]), answers };
}
