// Firefox ESR (Debian's firefox-esr), driven by puppeteer-core over WebDriver BiDi (no patched browser needed):
//   - the browser demo's end-to-end test, cross-origin isolated (shared memory, several workers) and not (one
//     dedicated worker), typed into as a person would;
//   - the runtime scenario (test/runtimes/scenario.mjs) on a page with no bundler, importing the packed package
//     through an import map, isolated and not: its answers must equal Node 20's, bit for bit.
// .ci/run installs firefox-esr; elsewhere a missing Firefox skips these tests, saying why. Under CI it fails,
// unless .ci/run found that Debian's archive cannot serve the package (FIREFOX_UNAVAILABLE=1, reason printed).
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import { browserLock, buildDemo } from './demo-build.js';
import { answers, here, packedProject, root, runScenario, runtimes, type Packed } from './runtimes/packed.js';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const haveFirefox = existsSync(FIREFOX);
const found = runtimes();
// Under CI a missing Firefox is a failure (the launch fails), not a skip: .ci/run must have installed it.
const skip = (!haveFirefox && (!process.env.CI || process.env.FIREFOX_UNAVAILABLE === '1')) || Boolean(found.unavailable);
if (!haveFirefox && skip) console.warn(`test/firefox.test.ts: skipped: no Firefox at ${FIREFOX} (apt-get install firefox-esr; .ci/run does)`);
else if (found.unavailable) console.warn(`test/firefox.test.ts: skipped: ${found.unavailable}`);

let browser: Browser;
let release: (() => void) | undefined;
let demo: { url: string; close(): Promise<void> };
let packed: Packed;
let server: Server;
let base = '';
let node20: Record<string, any>;

beforeAll(async () => {
  if (skip) return;
  release = await browserLock(root); // not while test/browser.test.ts runs Chromium
  const { dist, startServer } = await buildDemo(root);
  demo = await startServer({ root: dist, port: 0 });

  packed = packedProject('firefox');
  node20 = await runScenario(process.execPath, ['esm.mjs', join(packed.dir, 'out'), ''], packed.dir);
  const pkg = join(packed.dir, 'node_modules', 'annoy-wasm');
  const page = `<!doctype html><meta charset="utf-8"><title>scenario</title>
    <script type="importmap">{ "imports": { "annoy-wasm": "/pkg/dist/esm/browser.js" } }</script>
    <script type="module">
      import * as lib from 'annoy-wasm';
      import { scenario } from '/scenario.mjs';
      try {
        await lib.init();
        window.result = await scenario(lib, { url: '/scenario.annoy', threads: true });
      } catch (e) { window.result = { failure: String(e && e.stack || e) }; }
    </script>`;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const headers: Record<string, string> = {};
    if (url.searchParams.get('isolated') === '1' || req.headers['sec-fetch-dest'] !== 'document') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    let body: Uint8Array | string | undefined;
    if (url.pathname === '/') body = page;
    else if (url.pathname === '/scenario.mjs') body = readFileSync(join(here, 'scenario.mjs'));
    else if (url.pathname === '/scenario.annoy') body = readFileSync(join(packed.dir, 'out', 'scenario.annoy'));
    else if (url.pathname.startsWith('/pkg/')) {
      const path = normalize(join(pkg, url.pathname.slice(5)));
      if (path.startsWith(pkg + sep) && existsSync(path)) body = readFileSync(path);
    }
    if (body === undefined) { res.writeHead(404).end(); return; }
    const type = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '': 'text/html' }[extname(url.pathname)] ?? 'application/octet-stream';
    res.writeHead(200, { ...headers, 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;

  const puppeteer = (await import(join(here, 'node_modules', 'puppeteer-core', 'lib', 'esm', 'puppeteer', 'puppeteer-core.js'))).default;
  browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocol: 'webDriverBiDi' });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  packed?.close();
  release?.();
});

/** A page that fails the test on any uncaught error or console error. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push((e as Error).message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  return { page, errors };
}

/** Polls until `check` holds (or 20 s pass: then the last value fails the expectation). */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  let v = await read();
  for (const started = Date.now(); !check(v) && Date.now() - started < 20_000;) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

const words = (page: Page) => page.$$eval('#results .word', (els) => els.map((e) => e.textContent ?? ''));
const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
async function fill(page: Page, value: string) {
  await page.$eval('#query', (e) => { (e as HTMLInputElement).value = ''; });
  await page.type('#query', value, { delay: 20 });
}

describe.skipIf(skip)('Firefox ESR', () => {
  it('is the Firefox the README names (ESR, over WebDriver BiDi)', async () => {
    expect(await browser.version()).toMatch(/^firefox\/\d+/i);
  });

  for (const [name, query, mode] of [['isolated', '', 'shared'], ['not isolated', '?isolation=off', 'dedicated']] as const) {
    it(`the demo page, ${name}: ${mode} workers, "king" finds "queen", arithmetic works`, async () => {
      const { page, errors } = await open(`${demo.url}${query}`);
      await page.evaluate(() => (window as unknown as { demo: { ready: Promise<void> } }).demo.ready);
      const facts = await page.evaluate(() => {
        const d = (window as unknown as { demo: { state: { pool: { mode: string; workers: number } } } }).demo;
        return { isolated: crossOriginIsolated, mode: d.state.pool.mode, workers: d.state.pool.workers };
      });
      expect(facts.isolated).toBe(mode === 'shared');
      expect(facts.mode).toBe(mode);
      if (mode === 'shared') expect(facts.workers).toBeGreaterThanOrEqual(2);
      else expect(facts.workers).toBe(1);
      expect(await until(() => text(page, '#status'), (t) => /isolated/.test(t))).toMatch(
        mode === 'shared' ? /Cross-origin isolated.*shared memory.*\d workers/ : /Not cross-origin isolated.*1 dedicated worker/);

      await fill(page, 'king');
      expect(await until(() => words(page), (w) => w.includes('queen'))).toContain('queen');
      expect(await text(page, '#message')).toMatch(/Nearest to king/);
      await fill(page, 'guita');
      expect(await until(() => text(page, '#message'), (t) => /guitar/.test(t))).toMatch(/Nearest to guitar/);

      await page.click('#tab-analogy');
      await fill(page, 'paris - france + italy');
      expect(await until(() => words(page), (w) => w.includes('rome'))).toContain('rome');
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  for (const isolated of [false, true]) {
    it(`the runtime scenario on a page with no bundler, ${isolated ? 'isolated: a shared pool' : 'not isolated: a dedicated worker'}, answers as Node 20`, async () => {
      const { page, errors } = await open(`${base}/${isolated ? '?isolated=1' : ''}`);
      await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, { timeout: 60_000 });
      const out = await page.evaluate(() => (window as unknown as { result: Record<string, any> }).result);
      expect(out.failure).toBeUndefined();
      expect([out.pool.mode, out.pool.workers]).toEqual(isolated ? ['shared', 2] : ['dedicated', 1]);
      const { file: _file, pool, ...rest } = answers(node20) as Record<string, any>;
      expect({ ...out, pool: undefined }).toEqual({ ...rest, url: node20.file, pool: undefined }); // fetched: the file Node 20 saved
      expect({ search: out.pool.search, batch: out.pool.batch }).toEqual({ search: pool.search, batch: pool.batch });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
