// Loaded by test/cli.test.ts with `node --import`: the first fs.promises.writeFile writes half its bytes, says so
// on stderr, then never finishes. A signal sent on that line provably arrives while the index file is half
// written, so the test checks the clean-up itself instead of a race between the write and the signal.
import fs from 'node:fs';

const writeFile = fs.promises.writeFile;
let paused = false;
fs.promises.writeFile = async (path, data, ...rest) => {
  if (paused) return writeFile(path, data, ...rest);
  paused = true;
  await writeFile(path, data.subarray(0, data.length >> 1), ...rest);
  process.stderr.write(`paused writing ${path}\n`);
  return new Promise(() => setInterval(() => {}, 1000)); // keeps the process alive until the signal
};
