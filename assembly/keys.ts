// The loader's check of the string keys section (layout.ts SECTION_KEYS), in one sequential pass over the ranks:
// offsets increasing inside the bytes, every key non-empty, valid UTF-8 and greater than the one before (so keys are
// distinct and a binary search finds every one), order and rank inverse to each other over exactly the present ids,
// holes without a rank. Its length was checked with the header.
import { H_SIZE, H_COUNT, SECTION_KEYS, PARAM_KEY_BYTES, hdr32, isPresent, sectionAt, sectionParam, align16 } from './layout';

export let keysDetail: u32 = 0;
const NO_RANK: u32 = 0xFFFFFFFF;

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
function utf8Ok(p: usize, n: usize): bool {
  let i: usize = 0;
  while (i < n) {
    if (i + 8 <= n && (load<u64>(p + i) & 0x8080808080808080) == 0) { i += 8; continue; } // ASCII, 8 at a time
    const b = <u32>load<u8>(p + i);
    if (b < 0x80) { i++; continue; }
    let need: usize, min: u32, cp: u32;
    if ((b & 0xE0) == 0xC0) { need = 1; min = 0x80; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { need = 2; min = 0x800; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { need = 3; min = 0x10000; cp = b & 0x07; }
    else return false;
    if (i + need >= n) return false;
    for (let j: usize = 1; j <= need; j++) {
      const c = <u32>load<u8>(p + i + j);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += need + 1;
  }
  return true;
}

// Key [a0, a1) strictly below key [b0, b1), bytewise (a proper prefix first).
function below(p: usize, a0: u32, a1: u32, b0: u32, b1: u32): bool {
  const la = a1 - a0, lb = b1 - b0;
  const n = min<u32>(la, lb);
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) { // 8 bytes at a time; the first differing byte is the lowest set in their xor
    const x = load<u64>(p + a0 + i), y = load<u64>(p + b0 + i);
    if (x != y) {
      const shift = ctz<u64>(x ^ y) & ~(<u64>7);
      return ((x >> shift) & 0xFF) < ((y >> shift) & 0xFF);
    }
  }
  for (; i < n; i++) {
    const x = load<u8>(p + a0 + i), y = load<u8>(p + b0 + i);
    if (x != y) return x < y;
  }
  return la < lb;
}

// true when the section is valid (or empty).
export function keysOk(file: usize): bool {
  const at = sectionAt(file, SECTION_KEYS);
  if (at == 0) return true;
  const size = hdr32(file, H_SIZE), count = hdr32(file, H_COUNT);
  const total = sectionParam(file, PARAM_KEY_BYTES);
  const offsets = at;
  const order = offsets + <usize>align16(<u64>(count + 1) << 2);
  const rank = order + <usize>align16(<u64>count << 2);
  const bytes = rank + <usize>align16(<u64>size << 2);
  keysDetail = 0;
  if (load<u32>(offsets) != 0 || load<u32>(offsets + (<usize>count << 2)) != total) return false;
  let a: u32 = 0, prevStart: u32 = 0;
  for (let r: u32 = 0; r < count; r++) {
    const b = load<u32>(offsets + (<usize>(r + 1) << 2));
    const id = load<u32>(order + (<usize>r << 2));
    keysDetail = id;
    if (b <= a || b > total) return false;
    if (!utf8Ok(bytes + a, b - a)) return false;
    if (r > 0 && !below(bytes, prevStart, a, a, b)) return false; // out of order, or a key twice
    if (id >= size || !isPresent(file, id) || load<u32>(rank + (<usize>id << 2)) != r) return false;
    prevStart = a;
    a = b;
  }
  // count present ids each hold a rank (they are the order's entries, distinct since ranks are); holes hold none
  for (let id: u32 = 0; id < size; id++) {
    keysDetail = id;
    if (!isPresent(file, id) && load<u32>(rank + (<usize>id << 2)) != NO_RANK) return false;
  }
  keysDetail = 0;
  return true;
}
