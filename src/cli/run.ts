// The `annoy-wasm` command: dispatches to one module per subcommand and turns what they throw into a message on
// stderr and an exit code (0 success, 1 failure, 2 bad usage). In-process callers (the tests) pass their own Io.
import { AnnoyError } from '../errors.js';
import { bench, BENCH_USAGE } from './bench.js';
import { build, BUILD_USAGE } from './build.js';
import { convert, CONVERT_USAGE } from './convert.js';
import { demo, DEMO_USAGE } from './demo.js';
import { describe, HelpRequested, UsageError } from './errors.js';
import { info, INFO_USAGE } from './info.js';
import { manifest, MANIFEST_USAGE } from './manifest.js';
import { println, type Io } from './io.js';
import { query, QUERY_USAGE } from './query.js';

export const USAGE = `usage: annoy-wasm <command> [options]

commands:
  build <input> -o <index> --metric <m>   build an index from .npy, .fvecs/.bvecs, JSON Lines, CSV/TSV or Parquet
                                          (--shard-size N [--shard I/N]: shards in a folder, for more than 4 GiB)
  manifest <dir>                          list the shards that separate "build --shard I/N" runs wrote
  query <index> --item <id> | --vector <json> | --input <file>   nearest neighbours
  info <index>                            check an index file and print what it holds
  convert <in> -o <out>                   between annoy-wasm and Annoy's .ann format
  bench <index> --queries <file>          recall@k and queries/s
  demo [word ...]                         build an index of the bundled GloVe sample and print nearest words

"query", "info" and "bench" also take a shard manifest (manifest.json, or the folder holding it) as <index>.
Run "annoy-wasm <command> --help" for a command's options.
exit status: 0 success, 1 failure (the message names the file and the problem), 2 bad usage`;

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  build: { run: build, usage: BUILD_USAGE },
  query: { run: query, usage: QUERY_USAGE },
  info: { run: info, usage: INFO_USAGE },
  convert: { run: convert, usage: CONVERT_USAGE },
  bench: { run: bench, usage: BENCH_USAGE },
  manifest: { run: manifest, usage: MANIFEST_USAGE },
  demo: { run: demo, usage: DEMO_USAGE },
};

export async function run(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    println(io.stderr, USAGE);
    return 2;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && COMMANDS[topic]) println(io.stdout, COMMANDS[topic].usage);
    else println(io.stdout, USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    println(io.stderr, `annoy-wasm: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof HelpRequested) {
      println(io.stdout, command.usage);
      return 0;
    }
    if (e instanceof UsageError) {
      println(io.stderr, `annoy-wasm ${name}: ${e.message}\nRun "annoy-wasm ${name} --help" for usage.`);
      return 2;
    }
    const code = (e as { exitCode?: number }).exitCode;
    println(io.stderr, `annoy-wasm ${name}: ${e instanceof AnnoyError || code === undefined ? describe(e) : (e as Error).message}`);
    if (code === undefined && io.env.ANNOY_WASM_DEBUG) println(io.stderr, (e as Error).stack ?? '');
    return 1;
  }
}
