// Loading from a file (Node): streamed straight into wasm memory, 64 MiB per read, so the file is in memory once
// (an Annoy file is read whole, then converted).
import { AnnoyError } from '../errors.js';
import { HEADER_BYTES } from '../format/layout.js';
import type { IndexImage, MemoryPlan } from '../index/image.js';
import { CHUNK_BYTES, nodeFs } from '../runtime/node-fs.js';
import { loadAnnoy } from './annoy.js';
import { load } from './bytes.js';
import { checkLoadOptions, type LoadOptions } from './options.js';

const shrank = (path: string) => new AnnoyError('CORRUPT_INDEX', `not a valid annoy-wasm index: ${path} shrank while it was read`);

export function loadFileSync(path: string, plan: MemoryPlan, options?: LoadOptions): IndexImage {
  const annoy = checkLoadOptions(options);
  const fs = nodeFs();
  if (annoy) return loadAnnoy(fs.readFileSync(path), annoy, plan);
  const fd = fs.openSync(path, 'r');
  try {
    const fileBytes = fs.fstatSync(fd).size;
    const head = new Uint8Array(Math.min(HEADER_BYTES, fileBytes));
    fs.readSync(fd, head, 0, head.length, 0);
    return load(fileBytes, head, plan, (dest) => {
      for (let done = 0; done < dest.length;) {
        const n = fs.readSync(fd, dest, done, Math.min(CHUNK_BYTES, dest.length - done), done);
        if (n === 0) throw shrank(path);
        done += n;
      }
    });
  } finally {
    fs.closeSync(fd);
  }
}

export async function loadFile(path: string, plan: MemoryPlan, options?: LoadOptions): Promise<IndexImage> {
  const annoy = checkLoadOptions(options);
  const fs = nodeFs();
  if (annoy) return loadAnnoy(await fs.promises.readFile(path), annoy, plan);
  const file = await fs.promises.open(path, 'r');
  try {
    const fileBytes = (await file.stat()).size;
    const head = new Uint8Array(Math.min(HEADER_BYTES, fileBytes));
    await file.read(head, 0, head.length, 0);
    let pending: Promise<void> = Promise.resolve();
    return await load(fileBytes, head, plan, (dest) => {
      pending = (async () => {
        for (let done = 0; done < dest.length;) {
          const { bytesRead } = await file.read(dest, done, Math.min(CHUNK_BYTES, dest.length - done), done);
          if (bytesRead === 0) throw shrank(path);
          done += bytesRead;
        }
      })();
    }, () => pending);
  } finally {
    await file.close();
  }
}
