// The exact scan of a filter's allowed ids: what a filtered search does when the filter allows so few items that
// a tree walk would visit most of the forest to collect searchK of them (src/filter/id-filter.ts decides when).
// Every allowed, present, not removed id becomes a candidate, and every candidate gets its exact distance.
import { H_SIZE, H_PRESENT_OFFSET, SLOT_CANDIDATES, hdr32, hdr64, slotOffset } from './layout';
import { prepareQuery, rankCandidates } from './search';

// Over the metric M, as search.ts (metrics/index.ts dispatches).
export function scanWith<M, S>(file: usize, slot: usize, fromItem: i32, k: u32, allowMap: usize, hiddenMap: usize): u32 {
  const q = prepareQuery<M>(file, slot, fromItem);
  const cands = slot + slotOffset(file, SLOT_CANDIDATES);
  const present = file + <usize>hdr64(file, H_PRESENT_OFFSET);
  const words = (<usize>hdr32(file, H_SIZE) + 31) >> 5;
  let n: u32 = 0; // at most the present ids: the candidate list holds H_COUNT
  for (let w: usize = 0; w < words; w++) {
    let bits = load<u32>(allowMap + (w << 2)) & load<u32>(present + (w << 2));
    if (hiddenMap != 0) bits &= ~load<u32>(hiddenMap + (w << 2));
    while (bits != 0) {
      store<u32>(cands + (<usize>n << 2), (<u32>w << 5) | ctz<u32>(bits));
      n++;
      bits &= bits - 1;
    }
  }
  return rankCandidates<M, S>(file, slot, q, k, n, 0);
}
