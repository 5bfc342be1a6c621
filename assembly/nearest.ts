// searchAll from the file (layout.ts SECTION_NEAREST): every item's nearest other items as the graph build found
// them, so a row needs no search at all, only the metric's exact distances to the S stored ids. A row is the
// stored ids less the removed ones, each distance computed from the stored vectors with the metric's own distance
// (exactly index.distance's), ordered by (distance, id), its best k kept.
import { H_SIZE, H_STRIDE, H_DIMENSIONS, SECTION_NEAREST, SLOT_ITEMS, hdr32, sectionAt, nearestCount, nearestBitsFor, nearestRowWordsFor, isPresent, slotOffset, decodedBytes } from './layout';
import { leafBits } from './compact';
import { offerToRow } from './search-all';
import { itemF32 } from './storage';

@inline function hiddenIn(hidden: usize, id: u32): bool {
  return hidden != 0 && ((load<u32>(hidden + ((<usize>id >> 5) << 2)) >> (id & 31)) & 1) != 0;
}

// The rows of items [lo, hi) into `rows` (ids: size * k u32, then distances: size * k f32, then counts: size u32,
// search-all.ts's layout); k <= S. hidden: the removed ids' bitmap (0: none): they get no row and are in none.
// slot: this thread's scratch slot (items stored other than as float32 are decoded there).
export function searchAllStoredWith<M>(file: usize, slot: usize, rows: usize, k: u32, hidden: usize, lo: u32, hi: u32): void {
  const metric = changetype<M>(0);
  const size = hdr32(file, H_SIZE), n = <usize>size;
  const s = nearestCount(file), bits = nearestBitsFor(size), words = <usize>nearestRowWordsFor(s, size);
  const none: u32 = (<u32>1 << bits) - 1;
  const stride = <usize>hdr32(file, H_STRIDE);
  const items = slot + slotOffset(file, SLOT_ITEMS), second = items + <usize>decodedBytes(hdr32(file, H_DIMENSIONS));
  const section = sectionAt(file, SECTION_NEAREST);
  const counts = rows + ((n * <usize>k) << 3);
  for (let id = lo; id < hi; id++) {
    let c: u32 = 0;
    if (isPresent(file, id) && !hiddenIn(hidden, id)) {
      const ids = rows + ((<usize>id * <usize>k) << 2);
      const distances = rows + ((n * <usize>k) << 2) + ((<usize>id * <usize>k) << 2);
      const row = section + ((<usize>id * words) << 2);
      const q = itemF32(file, id, items), qq = metric.queryNorm(q, stride);
      for (let t: u32 = 0; t < s; t++) {
        const j = leafBits(row, <u64>t * <u64>bits, bits);
        if (j == none) break;
        if (hiddenIn(hidden, j)) continue;
        c = offerToRow(ids, distances, c, k, j, metric.rank(metric.distance(q, itemF32(file, j, second), stride, qq)));
      }
      for (let t: u32 = 0; t < c; t++) store<f32>(distances + (<usize>t << 2), metric.userOfRank(load<f32>(distances + (<usize>t << 2))));
    }
    store<u32>(counts + (<usize>id << 2), c);
  }
}
