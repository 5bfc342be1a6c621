#!/usr/bin/env node
// The `annoy-wasm` command (package bin). Everything is in run.ts; this only connects it to the process.
import { processIo } from './io.js';
import { run } from './run.js';

// A reader that stops early (`annoy-wasm query ... | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await run(process.argv.slice(2), processIo());
