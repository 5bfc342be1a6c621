// The two ways a command fails: bad usage (exit 2, the usage text follows) and a failure while working (exit 1);
// and --help, which ends a command early with its usage on stdout (exit 0).
// Messages name the file and the problem; the dispatcher prefixes "annoy-wasm <command>: ".
import { AnnoyError } from '../errors.js';

/** Wrong arguments: something that is wrong before any file is read. Exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** -h/--help among a command's arguments: the dispatcher prints that command's usage and exits 0. */
export class HelpRequested extends Error {
  constructor() {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

/** A failure while working: a file that cannot be read, a bad row, a corrupt index. Exit code 1. */
export class CliError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** The message of anything thrown, with the library's error code and Node's fs codes made readable. */
export function describe(e: unknown): string {
  if (e instanceof AnnoyError) return `${e.message} (${e.code})`;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && typeof err.syscall === 'string') {
    const what: Record<string, string> = {
      ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory',
      ENOTDIR: 'a parent is not a directory', ENOSPC: 'no space left on the device', EROFS: 'read-only file system',
      EEXIST: 'already exists', EMFILE: 'too many open files',
    };
    return what[err.code] ?? `${err.code} (${err.syscall})`;
  }
  return err instanceof Error ? err.message : String(e);
}

/** Runs `f`; anything it throws that is not already a CLI error becomes a CliError naming `file`. */
export async function about<T>(file: string, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsageError || e instanceof CliError) throw e;
    throw new CliError(`${file}: ${describe(e)}`, { cause: e });
  }
}
