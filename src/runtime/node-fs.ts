// Node's fs without a static import, so the same entry point loads in browsers (file paths are Node-only).
import type * as fsTypes from 'node:fs';
import { AnnoyError } from '../errors.js';

type Fs = typeof fsTypes;

export function nodeFs(): Fs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
  if (!fs) throw new AnnoyError('INVALID_STATE', 'file paths need Node.js >= 20.16; in browsers use Index.fromURL or Index.fromBytes');
  return fs;
}

/** Bytes a file load reads per call: large enough to stream at disk speed, small enough to bound each call. */
export const CHUNK_BYTES = 64 * 1024 * 1024;

/** Writes `bytes` to `path` through a temporary file and a rename, so `path` is never half-written. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const fs = nodeFs();
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export async function writeFileAtomicAsync(path: string, bytes: Uint8Array): Promise<void> {
  const fs = nodeFs();
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, path);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}
