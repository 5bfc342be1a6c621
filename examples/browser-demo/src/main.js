// The demo page: streams the index into an IndexPool (Web Workers over one shared memory when the page is
// cross-origin isolated, one dedicated worker otherwise), then answers as you type. Every search runs in a
// worker: the page never waits on one.
import { IndexPool } from 'annoy-wasm';
import './style.css';

const INDEX_URL = new URL('./data/glove-50k.annoy', document.baseURI);
const WORDS_URL = new URL('./data/glove-50k.words.txt', document.baseURI);
const K = 12;
const SEARCH_K = 5000; // candidates re-ranked exactly: recall@10 ~0.96 on this index (README)

const SIMILAR_EXAMPLES = ['king', 'coffee', 'paris', 'guitar', 'einstein', 'python', 'happy', 'ocean'];
const ANALOGY_EXAMPLES = ['king - man + woman', 'paris - france + italy', 'tokyo - japan + germany', 'walked - walk + swim', 'bigger - big + small', 'actor - man + woman'];

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'), statusText: $('status-text'), load: $('load'), loadFill: $('load-fill'), loadText: $('load-text'),
  query: $('query'), timing: $('timing'), examples: $('examples'), message: $('message'), results: $('results'), facts: $('facts'),
  tabs: { similar: $('tab-similar'), analogy: $('tab-analogy') },
};

const state = { mode: 'similar', pool: null, words: [], ids: new Map(), latencies: [], seq: 0, shown: 0 };
const timings = { indexBytes: 0, indexLoadedMs: 0, readyMs: 0, firstResultMs: 0 };

/** What the end-to-end test and a curious person in the console can reach. */
window.demo = { state, timings, ready: null, search: (text) => run(text), bench };

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (n) => `${fmt(n / 1e6, 1)} MB`;
const ms = (t) => (t < 10 ? `${fmt(t, 2)} ms` : `${fmt(t, 0)} ms`);

function setStatus(kind, html) {
  ui.status.className = `status ${kind}`;
  ui.statusText.innerHTML = html;
}

async function start() {
  const isolated = globalThis.crossOriginIsolated === true;
  setStatus('loading', isolated ? 'Cross-origin isolated: loading into shared memory…' : 'Not cross-origin isolated: loading for one dedicated worker…');
  const words = fetch(WORDS_URL).then((r) => {
    if (!r.ok) throw new Error(`${WORDS_URL.pathname}: HTTP ${r.status}`);
    return r.text();
  });
  const pool = IndexPool.open(INDEX_URL, {
    workers: Math.max(2, Math.min(4, navigator.hardwareConcurrency || 2)),
    onProgress: ({ loaded, total }) => {
      ui.loadFill.style.width = total ? `${(100 * loaded) / total}%` : '30%';
      ui.loadText.textContent = `Streaming the index into wasm memory… ${mb(loaded)}${total ? ` of ${mb(total)}` : ''}`;
      timings.indexBytes = total ?? loaded;
    },
  });
  state.words = (await words).split('\n').filter(Boolean);
  state.words.forEach((w, i) => state.ids.set(w, i));
  timings.indexLoadedMs = performance.now();
  state.pool = await pool;
  timings.readyMs = performance.now();
  const p = state.pool;
  setStatus(p.mode, p.mode === 'shared'
    ? `<b>Cross-origin isolated</b> · shared memory · <b>${p.workers} workers</b> search one copy of the index`
    : `<b>Not cross-origin isolated</b> · <b>1 dedicated worker</b> searches its own copy (plain build)`);
  ui.load.classList.add('done');
  ui.loadText.textContent = `Ready in ${ms(timings.readyMs)}: ${mb(p.byteLength)} streamed, checked and handed to ${p.workers === 1 ? 'a worker' : `${p.workers} workers`}.`;
  renderFacts();
  ui.query.disabled = false;
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash.includes('+') || fromHash.includes(' - ')) switchMode('analogy', fromHash);
  else switchMode('similar', fromHash || 'king');
  ui.query.focus();
  // The engine's own pace, without the page's drawing in between (typed queries wait for the keystroke's frame).
  const { median: typical } = await bench(100);
  $('fact-latency').textContent = ms(typical);
}

function renderFacts() {
  const p = state.pool;
  const other = p.mode === 'shared'
    ? `<a href="?isolation=off">Open it without isolation</a> to see the fallback (one dedicated worker).`
    : `<a href="./">Open it cross-origin isolated</a> (served with COOP/COEP) to see shared memory.`;
  ui.facts.innerHTML = `
    <div><span>Index</span><b>${mb(p.byteLength)}</b><small>${fmt(p.count)} words · ${p.dimensions}-d ${p.metric} · ${p.trees} trees</small></div>
    <div><span>Ready after</span><b>${ms(timings.readyMs)}</b><small>page start → index streamed, verified, workers up</small></div>
    <div><span>Query time</span><b id="fact-latency">…</b><small>median of 100 searches sent to the workers back to back · search_k ${fmt(SEARCH_K)}</small></div>
    <div><span>Threads</span><b>${p.workers} ${p.mode === 'shared' ? 'shared' : 'dedicated'}</b><small>${other}</small></div>`;
}

function switchMode(mode, text) {
  state.mode = mode;
  for (const [name, tab] of Object.entries(ui.tabs)) {
    tab.classList.toggle('active', name === mode);
    tab.setAttribute('aria-selected', String(name === mode));
  }
  ui.query.placeholder = mode === 'similar' ? 'Type a word: king, coffee, paris…' : 'Try: king - man + woman';
  ui.examples.innerHTML = '';
  for (const example of mode === 'similar' ? SIMILAR_EXAMPLES : ANALOGY_EXAMPLES) {
    const chip = document.createElement('button');
    chip.type = 'button';
    chip.className = 'chip';
    chip.textContent = example;
    chip.onclick = () => { ui.query.value = example; run(example); ui.query.focus(); };
    ui.examples.append(chip);
  }
  const value = text ?? (mode === 'similar' ? 'king' : ANALOGY_EXAMPLES[0]);
  ui.query.value = value;
  run(value);
}

/** The word the box means: itself, or while typing, the most frequent word it begins. */
function resolveWord(text) {
  if (state.ids.has(text)) return { word: text, exact: true };
  if (text.length >= 2) for (const w of state.words) if (w.startsWith(text)) return { word: w, exact: false };
  return null;
}

/** "king - man + woman" as signed words; a hyphen inside a known word ("e-mail") stays part of it. */
function parseArithmetic(text) {
  const tokens = text.replace(/\+/g, ' + ').replace(/(^|\s)-|-(?=\s|$)/g, '$1 - ').split(/\s+/).filter(Boolean);
  const terms = [];
  let sign = 1;
  for (const token of tokens.flatMap((t) => (t.includes('-') && !state.ids.has(t) ? t.replace(/-/g, ' - ').split(/\s+/).filter(Boolean) : [t]))) {
    if (token === '+') sign = 1;
    else if (token === '-') sign = -1;
    else { terms.push({ word: token, sign }); sign = 1; }
  }
  return terms;
}

async function run(raw) {
  if (!state.pool) return;
  const seq = ++state.seq;
  const text = raw.trim().toLowerCase();
  history.replaceState(null, '', text ? `#${encodeURIComponent(text)}` : location.pathname + location.search);
  if (!text) return show(seq, [], '', '');
  try {
    if (state.mode === 'similar') await runSimilar(seq, text);
    else await runArithmetic(seq, text);
  } catch (e) {
    if (seq === state.seq) show(seq, [], `Something went wrong: ${e.message}`, '');
  }
}

async function runSimilar(seq, text) {
  const hit = resolveWord(text);
  if (!hit) return show(seq, [], `“${escape(text)}” is not among the 50,000 words.`, '');
  const started = performance.now();
  const { ids, distances } = await state.pool.searchItem(state.ids.get(hit.word), K + 1, { searchK: SEARCH_K });
  const took = record(performance.now() - started);
  const rows = [];
  ids.forEach((id, i) => { if (id !== state.ids.get(hit.word) && rows.length < K) rows.push({ word: state.words[id], distance: distances[i] }); });
  const note = hit.exact ? `Nearest to <b>${escape(hit.word)}</b>` : `Nearest to <b>${escape(hit.word)}</b> <span class="muted">(the most frequent word starting with “${escape(text)}”)</span>`;
  show(seq, rows, note, took);
}

async function runArithmetic(seq, text) {
  const terms = parseArithmetic(text);
  if (terms.length === 0) return show(seq, [], 'Write words joined by + and -, like <b>king - man + woman</b>.', '');
  const unknown = terms.filter((t) => !state.ids.has(t.word));
  if (unknown.length > 0) return show(seq, [], `Not among the 50,000 words: ${unknown.map((t) => `“${escape(t.word)}”`).join(', ')}.`, '');
  // Each word's unit vector, added or subtracted: the classic analogy arithmetic (angular distance ignores length).
  const sum = new Float32Array(state.pool.dimensions);
  for (const { word, sign } of terms) {
    const v = state.pool.getItem(state.ids.get(word));
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < v.length; j++) sum[j] += (sign * v[j]) / norm;
  }
  const started = performance.now();
  const { ids, distances } = await state.pool.search(sum, K + terms.length, { searchK: SEARCH_K });
  const took = record(performance.now() - started);
  const used = new Set(terms.map((t) => t.word));
  const rows = [];
  ids.forEach((id, i) => { if (!used.has(state.words[id]) && rows.length < K) rows.push({ word: state.words[id], distance: distances[i] }); });
  const expr = terms.map((t, i) => `${i === 0 ? (t.sign < 0 ? '− ' : '') : t.sign < 0 ? ' − ' : ' + '}${escape(t.word)}`).join('');
  show(seq, rows, rows.length ? `${expr} ≈ <b class="answer">${escape(rows[0].word)}</b>` : expr, took);
}

function record(took) {
  state.latencies.push(took);
  if (state.latencies.length > 200) state.latencies.shift();
  return took;
}

function show(seq, rows, message, took) {
  if (seq !== state.seq) return; // a newer query has been typed meanwhile
  ui.message.innerHTML = message;
  ui.timing.textContent = took === '' ? '' : `${rows.length} words in ${ms(took)}`;
  ui.results.replaceChildren(...rows.map(({ word, distance }, i) => {
    const li = document.createElement('li');
    const similarity = Math.max(0, 1 - (distance * distance) / 2); // angular distance sqrt(2 - 2 cos)
    li.innerHTML = `<span class="rank">${i + 1}</span>
      <button type="button" class="word" title="Search for ${escape(word)}">${escape(word)}</button>
      <span class="meter" title="cosine similarity ${fmt(similarity, 3)}"><span style="width:${(similarity * 100).toFixed(1)}%"></span></span>
      <span class="distance" title="angular distance">${fmt(distance, 3)}</span>`;
    li.querySelector('.word').onclick = () => {
      if (state.mode === 'analogy') switchMode('similar', word);
      else { ui.query.value = word; run(word); }
    };
    return li;
  }));
  if (rows.length > 0 && !timings.firstResultMs) timings.firstResultMs = performance.now();
  state.shown++;
}

function escape(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Round trips of `n` searches, one after another (what a person typing sees), over the 20,000 most frequent words. */
async function bench(n = 200) {
  const lat = [];
  for (let i = 0; i < n; i++) {
    const id = (i * 7919) % 20000;
    const t = performance.now();
    await state.pool.searchItem(id, K + 1, { searchK: SEARCH_K });
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  return { n, median: lat[n >> 1], p95: lat[Math.floor(n * 0.95)], mean: lat.reduce((a, b) => a + b, 0) / n };
}

ui.query.addEventListener('input', () => run(ui.query.value));
ui.tabs.similar.onclick = () => switchMode('similar');
ui.tabs.analogy.onclick = () => switchMode('analogy');
document.addEventListener('keydown', (e) => {
  if (e.key === '/' && document.activeElement !== ui.query) { e.preventDefault(); ui.query.focus(); ui.query.select(); }
});

window.demo.ready = start().catch((e) => {
  setStatus('error', `Could not start: ${escape(e.message)}`);
  ui.loadText.textContent = 'The index could not be loaded.';
  throw e;
});
