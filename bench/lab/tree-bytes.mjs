// Where a forest's bytes go, and what compact encodings of split planes and leaf ids would make of them: builds an
// index (or reads one), walks its node section, and prints today's bytes next to the bytes of each encoding,
// computed from the real nodes (no encoding is written; this sizes them before one is).
//
//   node bench/lab/tree-bytes.mjs                       glove-100 (bench/.cache), 10 trees, seed 1
//   node bench/lab/tree-bytes.mjs --trees 100 --file x.annoy   (--file: read this index instead of building)
//
// Today a node is a fixed record of nodeBytes = align16(max(16 + stride, 4 + 4 * leafCapacity)): a split holds a
// float32 plane, a leaf a u32 count and u32 ids, both padded to that size. The encodings sized here:
//   packed ids   leaves as a bit stream: count in ceil(log2(leafCapacity + 1)) bits, each id in ceil(log2(size))
//                bits, each leaf starting on a 32-bit word; split records of their own size (leaves leave the
//                node array: a child ref says leaf + word offset)
//   planes       float32 (today), bfloat16, int8 with one f32 scale per plane; each split record is
//                16 bytes (tag, two refs, offset) + plane, rounded to 16 bytes for SIMD loads
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: {
  trees: { type: 'string', default: '10' }, file: { type: 'string' }, seed: { type: 'string', default: '1' }, jobs: { type: 'string', default: '2' },
} });
const { IndexBuilder, Index } = await import(new URL('../../dist/esm/index.js', import.meta.url).href);

let bytes;
if (values.file) {
  bytes = new Uint8Array(fs.readFileSync(values.file));
} else {
  const dir = new URL('../.cache/glove-100-angular/', import.meta.url);
  const b = fs.readFileSync(new URL('train.f32', dir));
  const train = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const t0 = performance.now();
  const index = await new IndexBuilder({ dimensions: 100, metric: 'angular', seed: Number(values.seed), screening: 'none' })
    .addBatch(train).buildAsync({ trees: Number(values.trees), jobs: Number(values.jobs) });
  console.log(`built glove-100 (${index.size} x 100, ${index.trees} trees) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  bytes = index.toBytes();
  index.free();
}
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const u32 = (o) => dv.getUint32(o, true);
const u64 = (o) => Number(dv.getBigUint64(o, true));
const dims = u32(16), stride = u32(20), size = u32(24), trees = u32(32), nodeCount = u32(36), nodeBytes = u32(40), leafCapacity = u32(44);
const nodesAt = u64(88), vectorsBytes = u64(64), presentBytes = u64(80), rootsBytes = u64(112);

let splits = 0, leaves = 0, leafIds = 0, itemRefs = 0;
const fill = new Uint32Array(leafCapacity + 1);
for (let i = 0; i < nodeCount; i++) {
  const at = nodesAt + i * nodeBytes;
  const tag = u32(at);
  if (tag === 0xFFFFFFFF) {
    splits++;
    if (dv.getInt32(at + 4, true) < 0) itemRefs++;
    if (dv.getInt32(at + 8, true) < 0) itemRefs++;
  } else {
    leaves++;
    leafIds += tag;
    fill[tag]++;
  }
}
const align16 = (n) => Math.ceil(n / 16) * 16;
const idBits = Math.ceil(Math.log2(Math.max(2, size)));
const countBits = Math.ceil(Math.log2(leafCapacity + 1));
let packedWords = 0;
for (let c = 0; c <= leafCapacity; c++) packedWords += fill[c] * Math.ceil((countBits + c * idBits) / 32);
const packedLeafBytes = packedWords * 4;
const MiB = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const fixed = vectorsBytes + presentBytes + rootsBytes + 320;
const today = bytes.byteLength;

console.log(`${dims}-d, ${size} ids, ${trees} trees, ${nodeCount} nodes of ${nodeBytes} bytes (leaves hold up to ${leafCapacity})`);
console.log(`per tree: ${(splits / trees).toFixed(0)} splits, ${(leaves / trees).toFixed(0)} leaves (mean ${(leafIds / leaves).toFixed(1)} ids), ${(itemRefs / trees).toFixed(0)} one-item children`);
console.log(`today: file ${MiB(today)}; vectors ${MiB(vectorsBytes)}, splits ${MiB(splits * nodeBytes)} (planes ${MiB(splits * stride)}), leaves ${MiB(leaves * nodeBytes)} (ids ${MiB(leafIds * 4)}, padding ${MiB(leaves * nodeBytes - leaves * 4 - leafIds * 4)})`);
console.log(`packed ids: ${idBits} bits an id, ${countBits} bits a count: leaves ${MiB(packedLeafBytes)}`);
const planeKinds = [['float32', 4 * dims], ['bfloat16', 2 * dims], ['int8 + f32 scale', dims + 4]];
console.log(`\nfile size by encoding (${trees} trees; vectors float32):`);
console.log(`${'planes'.padEnd(18)} ${'split record'.padStart(12)} ${'leaves: u32'.padStart(14)} ${'leaves: packed'.padStart(15)}`);
for (const [name, planeBytes] of planeKinds) {
  const record = align16(16 + planeBytes);
  const splitBytes = splits * record;
  const u32Leaves = leaves * align16(4 + 4 * (leafIds / leaves)); // u32 ids, leaves of their own length (mean)
  console.log(`${name.padEnd(18)} ${String(record).padStart(10)} B ${MiB(fixed + splitBytes + u32Leaves).padStart(14)} ${MiB(fixed + splitBytes + packedLeafBytes).padStart(15)}`);
}
