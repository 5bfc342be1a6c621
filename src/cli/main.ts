#!/usr/bin/env node
// The `annoy-wasm` command.
import { parseArgs } from 'node:util';
import { AnnoyError } from '../errors.js';
import { demo } from './demo.js';

const USAGE = `usage: annoy-wasm <command> [options]

commands:
  demo [word ...]   build an index of the bundled GloVe sample (10,000 words) and print nearest words

options:
  -h, --help        show help for a command`;

const DEMO_USAGE = `usage: annoy-wasm demo [word ...]

Builds an angular index over the 10,000 most frequent GloVe words shipped with the package and prints the
nearest words for each word given (or for a few examples).`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'demo') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help) { console.log(DEMO_USAGE); return 0; }
    return demo(positionals, (line) => console.log(line));
  }
  console.error(`annoy-wasm: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  const usage = e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(`annoy-wasm: ${e instanceof AnnoyError ? `${e.code}: ${e.message}` : (e as Error).message}`);
  process.exitCode = usage ? 2 : 1;
}
