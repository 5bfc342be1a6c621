#!/usr/bin/env node
// The `annoy-wasm` command (package bin). Everything is in run.ts; this only connects it to the process.
import { processIo } from './io.js';
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), processIo());
