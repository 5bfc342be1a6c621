// The package as a user installs it: `npm pack` of this checkout, installed from the tarball into a scratch
// project under a temp dir, with the runtime scenario files beside it. Also finds the installed runtimes
// (scripts/install-runtimes.mjs installs them on first use; .ci/run runs it once up front).
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script with no typings
import { RUNTIMES, installRuntimes } from '../../scripts/install-runtimes.mjs';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const here = fileURLToPath(new URL('.', import.meta.url));

export interface Runtimes { unavailable: string | null; versions: Record<string, string>; bin: Record<string, string> }

/** The pinned runtimes, installed if they are not yet; `unavailable` says why the registry could not serve one. */
export function runtimes(): Runtimes {
  const found = installRuntimes({ quiet: true });
  const bin = Object.fromEntries(Object.entries(RUNTIMES as Record<string, { bin: string }>).map(([k, r]) => [k, r.bin]));
  return { ...found, bin };
}

export interface Packed { dir: string; tarball: string; close(): void }

/** Packs the checkout (dist/ and build/ as they are: `npm test` built them) and installs it into a scratch project. */
export function packedProject(prefix: string): Packed {
  const dir = mkdtempSync(join(tmpdir(), `annoy-wasm-${prefix}-`));
  const run = (cmd: string, args: string[], cwd: string) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  // --ignore-scripts: no `prepare` rebuild while other test files read dist/.
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], root);
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  const project = join(dir, 'project');
  mkdirSync(join(project, 'out'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], project);
  for (const f of ['scenario.mjs', 'esm.mjs', 'cjs.cjs', 'deno.mjs', 'scenario-worker.mjs']) copyFileSync(join(here, f), join(project, f));
  return { dir: project, tarball, close: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a runtime on a scenario entry and parses the one JSON line it prints (asynchronously: a test's HTTP server keeps serving). */
export async function runScenario(bin: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const r = await new Promise<{ status: number | string; stdout: string; stderr: string }>((resolve) => {
    execFile(bin, args, { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20, env: env ?? process.env }, (error, stdout, stderr) =>
      resolve({ status: error ? (error.code ?? error.signal ?? 'error') as number | string : 0, stdout, stderr }));
  });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-4000)}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${bin} ${args.join(' ')} printed no answer:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
}

/** The answer without the fields that name the runtime, for comparing with Node 20's. */
export function answers(out: Record<string, unknown>): Record<string, unknown> {
  const { runtime: _r, entry: _e, ...rest } = out;
  return rest;
}
