// The seeded PRNG behind every random choice of the build. Each tree gets its own stream, derived from the
// index seed and the tree number (never from a thread or a clock), so a build is the same on every machine
// and for any split of the trees across workers.

let state: u64 = 0;

@inline function splitmix(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
  return x ^ (x >> 31);
}

export function seedTree(seed: u32, tree: u32): void {
  state = splitmix((<u64>seed << 32) ^ <u64>tree ^ 0x9E3779B97F4A7C15);
  if (state == 0) state = 0x9E3779B97F4A7C15;
}

// xorshift64*: small, fast and good enough for sampling points and coin flips.
@inline export function next(): u64 {
  let x = state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state = x;
  return x * 0x2545F4914F6CDD1D;
}

// A uniform index in [0, n), n >= 1 (Lemire's multiply-shift on the top 32 bits; n < 2^32).
@inline export function index(n: u32): u32 {
  return <u32>(((next() >> 32) * <u64>n) >> 32);
}

@inline export function flip(): u32 {
  return <u32>(next() >> 63);
}
