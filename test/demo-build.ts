// The browser tests (Chromium: test/browser.test.ts, Firefox: test/firefox.test.ts) run in parallel processes;
// each takes this lock for its whole file. Two browsers at once on a small machine would starve each other's
// pages (the demo test measures how long the page waits), and two Vite builds of the demo into one dist/ would
// trip over each other.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Waits for the browsers' lock; resolves to its release. */
export async function browserLock(root: string): Promise<() => void> {
  const lock = join(root, 'examples', 'browser-demo', '.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch {
      // A lock older than 10 minutes was left by a killed run.
      try { if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true }); } catch {}
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Builds the browser demo (call it holding browserLock) and returns its server. */
export async function buildDemo(root: string): Promise<{ dist: string; startServer: (o: object) => Promise<{ url: string; close(): Promise<void> }> }> {
  const demoDir = join(root, 'examples', 'browser-demo');
  const { buildDemo: build } = await import(pathToFileURL(join(demoDir, 'build.mjs')).href);
  await build();
  const { startServer } = await import(pathToFileURL(join(demoDir, 'serve.mjs')).href);
  return { dist: join(demoDir, 'dist'), startServer };
}
