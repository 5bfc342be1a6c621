// Annoy's own C++ (annoylib.h from Debian's r-cran-rcppannoy: Annoy 1.17), called directly by bench/native/annoy-cpp.cc,
// compiled -O3 -march=native -ffast-math -fno-associative-math (Annoy's Python wheel flags), one thread. The anchor for
// the README's Annoy ratios; annoy-native / annoy-npm are what a Node user installs. See native.mjs.
import { compile, measure as measureNative } from './native.mjs';

export const name = 'annoy-cpp';
export const kind = 'tree';
export const FLAGS = ['-O3', '-march=native', '-ffast-math', '-fno-associative-math'];

let binary;
export async function load() {
  const c = compile('annoy-cpp', { pkg: 'r-cran-rcppannoy', header: 'annoylib.h', flags: FLAGS });
  binary = c.binary;
  return { version: `RcppAnnoy ${c.version} (annoylib.h 1.17)`, notes: c.notes };
}

export function measure(job) {
  return measureNative(binary, { ...job, param: 'searchK' });
}
