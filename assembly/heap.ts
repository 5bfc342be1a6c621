// A binary max-heap of u64 keys in raw memory. Callers pack (priority, tie-break) into one key, so a single
// integer compare orders entries and nothing is allocated per query.

export function heapPush(heap: usize, size: u32, key: u64): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pk = load<u64>(heap + (<usize>parent << 3));
    if (pk >= key) break;
    store<u64>(heap + (<usize>i << 3), pk);
    i = parent;
  }
  store<u64>(heap + (<usize>i << 3), key);
}

// Removes the top (the caller has read it) given the size before removal.
export function heapPop(heap: usize, size: u32): void {
  const n = size - 1;
  if (n == 0) return;
  siftDown(heap, n, load<u64>(heap + (<usize>n << 3)));
}

// Puts `key` at the root of a heap of `size` entries and restores order (replace-top).
export function siftDown(heap: usize, size: u32, key: u64): void {
  let i: u32 = 0;
  while (true) {
    let child: u32 = 2 * i + 1;
    if (child >= size) break;
    let ck = load<u64>(heap + (<usize>child << 3));
    if (child + 1 < size) {
      const rk = load<u64>(heap + (<usize>(child + 1) << 3));
      if (rk > ck) { child++; ck = rk; }
    }
    if (ck <= key) break;
    store<u64>(heap + (<usize>i << 3), ck);
    i = child;
  }
  store<u64>(heap + (<usize>i << 3), key);
}

// Maps a float to a u32 whose unsigned order is the float's order (-0 is folded into +0 first).
@inline export function orderedBits(x: f32): u32 {
  const b = reinterpret<u32>(x + 0.0);
  return (b >> 31) != 0 ? ~b : b | 0x80000000;
}
@inline export function floatOfOrderedBits(b: u32): f32 {
  return reinterpret<f32>((b >> 31) != 0 ? b & 0x7FFFFFFF : ~b);
}
