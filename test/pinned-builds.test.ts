// A seeded build is a pure function of (items, options, seed): these pin the exact bytes of one small index per
// metric and screening kind, and the exact answers (ids and distances) it and its reloaded copy give. A change
// meant to keep behaviour (a restructure, a faster kernel) must keep every digest; a change that alters built
// files or answers on purpose updates them here, in the same commit, saying why.
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { IndexBuilder, Index, type Metric } from '../src/index.js';
import { gloveSample } from './helpers.js';

const { vectors, queries } = gloveSample();
const DIMS = 100;
const ITEMS = 1500;
const QUERIES = 25;
const items = vectors.subarray(0, ITEMS * DIMS);
const queryRows = queries.subarray(0, QUERIES * DIMS);
// Hamming: the sign of each GloVe coordinate, one bit a dimension.
const bits = (v: Float32Array) => Float32Array.from(v, (x) => (x > 0 ? 1 : 0));

type Case = { metric: Metric; screening: 'none' | 'int8' | 'pca' };
const cases: Case[] = [];
for (const metric of ['angular', 'euclidean', 'manhattan', 'dot'] as const) {
  for (const screening of ['none', 'int8', 'pca'] as const) {
    if (!(metric === 'manhattan' && screening === 'pca')) cases.push({ metric, screening }); // pca keeps no L1
  }
}
cases.push({ metric: 'hamming', screening: 'none' });

// sha256 of the file, then of every answer: a batch search, item searches, exact distances, the same batch on
// the index loaded back from its bytes.
function digests({ metric, screening }: Case): { file: string; answers: string } {
  const hamming = metric === 'hamming';
  const data = hamming ? bits(items) : items;
  const qs = hamming ? bits(queryRows) : queryRows;
  const index = new IndexBuilder({ dimensions: DIMS, metric, seed: 7, screening, ...(hamming ? { leafSize: 7 } : {}) })
    .addBatch(data).build({ trees: 6 });
  const bytes = index.toBytes();
  const answers = createHash('sha256');
  const add = (a: ArrayBufferView) => answers.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const batch = (ix: Index) => {
    const r = ix.searchBatch(qs, 10, { searchK: 400, ...(screening === 'none' ? {} : { rerank: 11 }) });
    add(r.ids); add(r.distances); add(r.counts);
  };
  batch(index);
  for (let id = 0; id < 20; id++) {
    const r = index.searchItem(id * 37, 5, { searchK: 300 });
    add(r.ids); add(r.distances);
    add(Float32Array.of(index.distance(id, id * 71 % ITEMS), index.distanceTo(qs.subarray(id * DIMS, (id + 1) * DIMS), id * 13)));
  }
  const loaded = Index.fromBytes(bytes);
  batch(loaded);
  loaded.free();
  index.free();
  return { file: createHash('sha256').update(bytes).digest('hex'), answers: answers.digest('hex') };
}

const PINNED: Record<string, { file: string; answers: string }> = {
  'angular/none': {
    file: '38e8c6c9f197f9d7487da2604b050dad296e06401d4695a74feedbb3575b92dc',
    answers: '0a58b3d8df804ae047f2bec0bdf7f2401f83ac99308c724b14fe2f8c089ca179' },
  'angular/int8': {
    file: 'b5f7b71872427752b5effeaddeb8ba853617510de3f297256e84ff379c6c2737',
    answers: 'e79fef6b6efa747230a197766989cf81e43d2eef79f908b36851eb9f6591d204' },
  // angular and euclidean pca: trees split in the components' space (assembly/build.ts componentDims) since
  // 2026-12-02; files built before keep loading and answering as they did (test/format-versions.test.ts).
  'angular/pca': {
    file: 'c43842546e73a5dfe761a18382b63120acdd14ab472d239ed155062ac8bbf2a3',
    answers: 'b77bfe28196348b18d1986bff71b651b7287b66825ff1a2c12115ce2818e3b96' },
  'euclidean/none': {
    file: 'a206dbc1b90eea78e365dace2199db61a703eee177e52fe685bd5006862dc482',
    answers: '2b5637d91d484a7fcd5ba99b57705af8ca019493bb6032f67db3ed9c21cfc364' },
  'euclidean/int8': {
    file: '503381507577ee49a2be7955fb55a7cd3b04fa89925547d62985377cdba83129',
    answers: 'd6b9e55e50ae31fd5e9bee9454d5b458b87ff997c02db48ebdf3367db15280e5' },
  'euclidean/pca': {
    file: '3daddc26a3535d932adfc516802e986bcd75d9c93228b9291ad0833c84570349',
    answers: '5bb6ca04abe9923015fd6250ce54ae018a40fe46e0c8cf1348f77b868952e9af' },
  'manhattan/none': {
    file: 'db5f835d2fc4f729f2a5a2b3f64d87608c28c3cd6f15612b9f5d25eb737d4ff2',
    answers: 'c1b9fca18ce726b3ee40bc61cf505a31d2f1bffd0fd4e4804df2a5c6482c1c7e' },
  'manhattan/int8': {
    file: '4d4ee7841eef1066fc6b5f91dadbe35b47a653490f8f60f37ddbd416b1047745',
    answers: '65017d3dd335ae90deef086ab017af8a901ac4e9920ef310778a969f3c75eefb' },
  'dot/none': {
    file: '32e2a2d87d87ddf5bc681bfa45dd794e7dcf6760e49062ceaf679b6ce287806b',
    answers: '505daca8f417b3e6bad53ad1780f17a12230aaa31beecfbfc2f2744485b349c2' },
  'dot/int8': {
    file: 'c70d99bd842416883881b6750617c0c3d76e2f1450ef0aa88ee40554ffcd8865',
    answers: '91aea93eb50ff6c2f1a1aaefa112565867e9caa1cbf5cade37641bfaac19da96' },
  'dot/pca': {
    file: 'fe410034ea9d8f7e77540710a4e3f9178adef179d9435460bf511edc3b2f86a7',
    answers: '93f515e437d763b86b9f4a4cdde9d2e97bb264abf18dc07a6dd49ac0b674f498' },
  'hamming/none': {
    file: '1b3e5cdc8c503eca72da075842fcc9cdb52d8943ff63225d8163cb4b63ff7521',
    answers: '15a65ec3e2e2a3602ce3878608c5b3639af8880e69afda8b9794d5ef269acc37' },
};

describe('a seeded build is byte for byte the pinned one, and answers exactly as pinned', () => {
  for (const c of cases) {
    it(`${c.metric}, screening ${c.screening}`, () => {
      expect(digests(c)).toEqual(PINNED[`${c.metric}/${c.screening}`]);
    });
  }
});
