// The file checksum: a 64-bit hash over every byte except the checksum field itself, four independent lanes
// of multiply-rotate rounds (the xxHash64 round) so the multiplies overlap. Files are multiples of 16 bytes. The
// fields every version shares are hashed as the header, everything after them (v2's section table too) as the body.
import { H_CHECKSUM, HEADER_V1_BYTES } from './layout';

const P1: u64 = 0x9E3779B185EBCA87;
const P2: u64 = 0xC2B2AE3D27D4EB4F;
const P3: u64 = 0x165667B19E3779F9;

@inline function round(h: u64, w: u64): u64 { return rotl<u64>(h + w * P2, 31) * P1; }

export function checksum(file: usize, bytes: usize): u64 {
  let h0: u64 = P1 + P2, h1: u64 = P2, h2: u64 = 0, h3: u64 = 0 - P1;
  // header: every word but the checksum
  for (let o: usize = 0; o < HEADER_V1_BYTES; o += 8) {
    if (o != H_CHECKSUM) h0 = round(h0, load<u64>(file + o));
  }
  let o: usize = HEADER_V1_BYTES;
  for (; o + 32 <= bytes; o += 32) {
    const p = file + o;
    h0 = round(h0, load<u64>(p));
    h1 = round(h1, load<u64>(p, 8));
    h2 = round(h2, load<u64>(p, 16));
    h3 = round(h3, load<u64>(p, 24));
  }
  for (; o + 8 <= bytes; o += 8) h0 = round(h0, load<u64>(file + o));
  let h = rotl<u64>(h0, 1) + rotl<u64>(h1, 7) + rotl<u64>(h2, 12) + rotl<u64>(h3, 18) + <u64>bytes;
  h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
  return h;
}

// Seals a finished file: its checksum, into its own header. The header in memory is the only copy of the header,
// so whoever completes a file (a build, a conversion) seals it here rather than writing a second header back.
export function seal(file: usize, bytes: usize): u64 {
  const h = checksum(file, bytes);
  store<u64>(file + H_CHECKSUM, h);
  return h;
}
