// Builds the browser demo (examples/browser-demo) once at a time: the Chromium and Firefox tests run in parallel
// processes and both need it, and two Vite builds into one dist/ would trip over each other.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function buildDemoLocked(root: string): Promise<{ dist: string; startServer: (o: object) => Promise<{ url: string; close(): Promise<void> }> }> {
  const demoDir = join(root, 'examples', 'browser-demo');
  const lock = join(demoDir, '.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 10 minutes was left by a killed run.
      try { if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true }); } catch {}
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    const { buildDemo } = await import(pathToFileURL(join(demoDir, 'build.mjs')).href);
    await buildDemo();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  const { startServer } = await import(pathToFileURL(join(demoDir, 'serve.mjs')).href);
  return { dist: join(demoDir, 'dist'), startServer };
}
