// Installs the runtimes the runtime tests run the packed package in (test/runtimes/package.json, pinned by its
// lockfile): Node 22 and 24, Bun, Deno, workerd (wrangler + Miniflare), puppeteer-core for Firefox, and the
// package checkers publint and @arethetypeswrong/cli. Once per lockfile: a stamp skips it when nothing changed.
// Then it runs each runtime's --version and writes what it found to test/runtimes/node_modules/.runtimes.json.
//
// A runtime that cannot install fails (exit 1). Only a package the registry cannot serve (no such version, or
// none for this platform) is recorded as unavailable with npm's reason, and its tests print that reason and skip.
//
//   node scripts/install-runtimes.mjs
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'runtimes');
const modules = join(dir, 'node_modules');
const stampFile = join(modules, '.runtimes.json');
const lock = readFileSync(join(dir, 'package-lock.json'));
const stamp = createHash('sha256').update(lock).update(readFileSync(join(dir, 'package.json'))).digest('hex');

/** Where each runtime's binary is, and how to ask its version. */
export const RUNTIMES = {
  node22: { bin: join(modules, 'node22', 'bin', 'node'), args: ['--version'] },
  node24: { bin: join(modules, 'node24', 'bin', 'node'), args: ['--version'] },
  bun: { bin: join(modules, '.bin', 'bun'), args: ['--version'] },
  deno: { bin: join(modules, '.bin', 'deno'), args: ['--version'] },
  // The workerd Miniflare runs (its own pinned copy; wrangler, used only to bundle, brings a newer one).
  workerd: { bin: join(modules, 'miniflare', 'node_modules', 'workerd', 'bin', 'workerd'), args: ['--version'] },
  firefox: { bin: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', args: ['--version'] },
};

function installed() {
  if (!existsSync(stampFile)) return null;
  const found = JSON.parse(readFileSync(stampFile, 'utf8'));
  return found.stamp === stamp ? found : null;
}

/** Installs once: several test files (parallel processes) may ask at the same time; one installs, the others wait. */
export function installRuntimes({ quiet = false } = {}) {
  const lock = join(dir, '.install-lock');
  for (;;) {
    const found = installed();
    if (found) return found;
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true }); // left by a killed run
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return installed() ?? install(quiet);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function install(quiet) {
  const started = Date.now();
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
  const found = { stamp, unavailable: null, versions: {} };
  if (npm.status !== 0) {
    const log = `${npm.stdout}\n${npm.stderr}`;
    const code = /npm (?:ERR!|error) code (\w+)/.exec(log)?.[1];
    if (!['E404', 'ETARGET', 'EBADPLATFORM', 'ENOTSUP'].includes(code)) {
      throw new Error(`could not install the runtimes (npm ci in test/runtimes exited ${npm.status}):\n${log.slice(-3000)}`);
    }
    found.unavailable = `the registry cannot serve a pinned runtime package here (npm ${code}): ${log.trim().split('\n').slice(-6).join(' | ')}`;
    return found; // no stamp written: the next run tries again
  }
  for (const [name, r] of Object.entries(RUNTIMES)) {
    if (name === 'firefox') continue; // Debian's package: .ci/run installs it, test/firefox.test.ts checks it
    const v = spawnSync(r.bin, r.args, { encoding: 'utf8' });
    if (v.status !== 0) throw new Error(`${name} installed but does not run (${r.bin} ${r.args.join(' ')}): ${v.stderr || v.error}`);
    found.versions[name] = v.stdout.trim().split('\n')[0];
  }
  writeFileSync(stampFile, JSON.stringify(found, null, 2) + '\n');
  if (!quiet) console.log(`runtimes installed in ${((Date.now() - started) / 1000).toFixed(0)} s: ${Object.entries(found.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const found = installRuntimes();
    if (found.unavailable) console.log(`runtimes: ${found.unavailable}`);
    else console.log(`runtimes ready: ${Object.entries(found.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
