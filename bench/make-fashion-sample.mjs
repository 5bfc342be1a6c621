// Build the small committed Fashion-MNIST fixture in data/fashion-sample/ (see data/fashion-sample/README.md):
// the first 4,000 training images as the base and the first 200 test images as queries, 784 uint8 pixels each.
//
//   node bench/make-fashion-sample.mjs            (re)write data/fashion-sample/{base,queries}.u8.gz
//   node bench/make-fashion-sample.mjs --check    verify the committed files decode to the same pixels
//
// Source: Debian's dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`), IDX files: a big-endian
// header (magic 0x00000803, count, rows, columns), then the pixels.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = '/usr/share/datasets/fashion-mnist';
const OUT = path.join(ROOT, 'data/fashion-sample');
const PARTS = [['base.u8.gz', 'train-images-idx3-ubyte.gz', 4000], ['queries.u8.gz', 't10k-images-idx3-ubyte.gz', 200]];

function firstImages(file, count) {
  const idx = zlib.gunzipSync(fs.readFileSync(path.join(SOURCE, file)));
  const dv = new DataView(idx.buffer, idx.byteOffset);
  if (dv.getUint32(0) !== 0x803 || dv.getUint32(8) * dv.getUint32(12) !== 784 || dv.getUint32(4) < count) throw new Error(`${file}: not a 28x28 IDX image file`);
  return idx.subarray(16, 16 + count * 784);
}

const check = process.argv.includes('--check');
for (const [name, source, count] of PARTS) {
  const pixels = firstImages(source, count);
  const target = path.join(OUT, name);
  if (check) {
    if (!Buffer.from(pixels).equals(zlib.gunzipSync(fs.readFileSync(target)))) throw new Error(`${target} differs from ${source}`);
    console.log(`${name}: same pixels as ${source}`);
  } else {
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(target, zlib.gzipSync(pixels, { level: 9 }));
    console.log(`wrote ${target} (${count} images, ${fs.statSync(target).size} bytes)`);
  }
}
