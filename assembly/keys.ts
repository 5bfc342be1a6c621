// The loader's check of the string keys section (layout.ts SECTION_KEYS): offsets in order and inside the bytes,
// present ids with non-empty valid UTF-8 keys and holes with none, and the key order a strictly increasing list of
// exactly the present ids (so keys are distinct and a binary search finds every one). Its length was checked with
// the header.
import { H_SIZE, H_COUNT, SECTION_KEYS, PARAM_KEY_BYTES, hdr32, isPresent, sectionAt, sectionParam, align16 } from './layout';

export let keysDetail: u32 = 0;

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
function utf8Ok(p: usize, n: usize): bool {
  let i: usize = 0;
  while (i < n) {
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

// -1, 0, 1: key a against key b, bytewise (a shorter prefix first).
function compare(p: usize, a0: u32, a1: u32, b0: u32, b1: u32): i32 {
  const la = a1 - a0, lb = b1 - b0;
  const n = min<u32>(la, lb);
  for (let i: u32 = 0; i < n; i++) {
    const x = load<u8>(p + a0 + i), y = load<u8>(p + b0 + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return la == lb ? 0 : la < lb ? -1 : 1;
}

// true when the section is valid (or empty).
export function keysOk(file: usize): bool {
  const at = sectionAt(file, SECTION_KEYS);
  if (at == 0) return true;
  const size = hdr32(file, H_SIZE), count = hdr32(file, H_COUNT);
  const total = sectionParam(file, PARAM_KEY_BYTES);
  const offsets = at;
  const order = offsets + <usize>align16(<u64>(size + 1) << 2);
  const bytes = order + <usize>align16(<u64>count << 2);
  if (load<u32>(offsets) != 0 || load<u32>(offsets + (<usize>size << 2)) != total) { keysDetail = size; return false; }
  for (let id: u32 = 0; id < size; id++) {
    const a = load<u32>(offsets + (<usize>id << 2)), b = load<u32>(offsets + (<usize>(id + 1) << 2));
    keysDetail = id;
    if (b < a || b > total) return false;
    if ((b > a) != isPresent(file, id)) return false;
    if (!utf8Ok(bytes + a, b - a)) return false;
  }
  let prev: u32 = 0xFFFFFFFF;
  for (let i: u32 = 0; i < count; i++) {
    const id = load<u32>(order + (<usize>i << 2));
    keysDetail = id;
    if (id >= size || !isPresent(file, id)) return false;
    if (prev != 0xFFFFFFFF) {
      const c = compare(bytes, load<u32>(offsets + (<usize>prev << 2)), load<u32>(offsets + (<usize>(prev + 1) << 2)),
        load<u32>(offsets + (<usize>id << 2)), load<u32>(offsets + (<usize>(id + 1) << 2)));
      if (c >= 0) return false; // out of order, or a key twice
    }
    prev = id;
  }
  keysDetail = 0;
  return true;
}
