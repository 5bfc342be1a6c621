// hnswlib's own C++ (headers from Debian's libhnswlib-dev), called directly by bench/native/hnswlib-cpp.cc, compiled
// -O3 -march=native, one thread; M and efConstruction from the build, ef swept at query time. The HNSW anchor;
// hnswlib-node is the same library behind a Node binding. See native.mjs.
import { compile, measure as measureNative } from './native.mjs';

export const name = 'hnswlib-cpp';
export const kind = 'hnsw';
export const FLAGS = ['-O3', '-march=native'];

let binary;
export async function load() {
  const c = compile('hnswlib-cpp', { pkg: 'libhnswlib-dev', header: 'hnswlib/hnswlib.h', flags: FLAGS });
  binary = c.binary;
  return { version: `hnswlib ${c.version}`, notes: c.notes };
}

export function measure(job) {
  return measureNative(binary, { ...job, param: 'ef' });
}
