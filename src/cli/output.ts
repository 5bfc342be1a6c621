// Writing an output file so that the destination is either untouched or complete: the data goes to a temporary
// file beside it, which is renamed over the destination only when fully written. The temporary file is removed on
// failure and, through the InterruptGuard, on Ctrl-C.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, UsageError, describe } from './errors.js';
import type { InterruptGuard } from './interrupt.js';

/** Fails early (before hours of work) when `path` cannot be written. */
export function checkWritable(path: string, inputs: string[] = []): void {
  if (path === '-') throw new UsageError('-o -: an index is a file that is written atomically, not a stream; give a file name');
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new CliError(`${path}: cannot write: ${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${path}: cannot write: ${dir}: ${describe(e)}`);
  }
  try {
    if (statSync(path).isDirectory()) throw new CliError(`${path}: cannot write: it is a directory`);
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
  for (const input of inputs) {
    if (input !== '-' && resolve(input) === resolve(path)) throw new CliError(`${path}: the output would overwrite the input`);
  }
}

/**
 * Calls `write(temporary)` to produce the file, then renames it to `path`. `write` may itself write atomically
 * (Index.save does: through its own temporary file named after ours), so the guard removes every file whose name
 * starts with the temporary name.
 */
export async function writeAtomically(path: string, guard: InterruptGuard, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  guard.track(temporary);
  guard.arm();
  try {
    await write(temporary);
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw new CliError(`${path}: cannot write: ${describe(e)}`, { cause: e });
  } finally {
    guard.untrack(temporary);
  }
}
