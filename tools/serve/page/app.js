// The search page of `loupe serve`: plain JavaScript over the JSON API.
// Every piece of article text reaches the page through textContent (el() and
// text nodes), never as markup, so a title holding <script> shows as text.
'use strict';

const $ = (id) => document.getElementById(id);
const PAGE = 20;
const FACETS = [['actor', 'Actors'], ['topic', 'Topics'], ['author', 'Authors']];

// An element with attributes and children (strings become text nodes).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

async function api(endpoint, params) {
  const u = new URLSearchParams();
  for (const [k, v] of params) u.append(k, v);
  let res;
  try {
    res = await fetch('/api/' + endpoint + '?' + u.toString(), {headers: {Accept: 'application/json'}});
  } catch (e) {
    return {status: 0, body: {error: 'the server cannot be reached (' + e.message + ')'}};
  }
  let body;
  try {
    body = await res.json();
  } catch (e) {
    body = {error: 'the server answered ' + res.status + ' without JSON'};
  }
  return {status: res.status, body};
}

// A byte offset of the UTF-8 query as an index into the JavaScript string.
function byteToIndex(s, bytes) {
  let b = 0, i = 0;
  for (const ch of s) {
    if (b >= bytes) break;
    const cp = ch.codePointAt(0);
    b += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += ch.length;
  }
  return i;
}

// ---- State held in the URL: ?q=...&sort=...&collapse=1 ----
const state = {q: '', sort: 'relevance', collapse: false, cursor: '', hits: [], seq: 0};

function readUrl() {
  const u = new URLSearchParams(location.search);
  state.q = u.get('q') || '';
  state.sort = ['relevance', 'date', '-date'].includes(u.get('sort')) ? u.get('sort') : 'relevance';
  state.collapse = u.get('collapse') === '1';
  $('q').value = state.q;
  $('sort').value = state.sort;
  $('collapse').checked = state.collapse;
}
function writeUrl(push) {
  const u = new URLSearchParams();
  if (state.q) u.set('q', state.q);
  if (state.sort !== 'relevance') u.set('sort', state.sort);
  if (state.collapse) u.set('collapse', '1');
  const url = '/' + (u.toString() ? '?' + u.toString() : '');
  if (push && url !== location.pathname + location.search) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

// ---- Live diagnostics ----
let parseSeq = 0, parseTimer = 0;
function scheduleParse() {
  clearTimeout(parseTimer);
  parseTimer = setTimeout(runParse, 120);
}
async function runParse() {
  const q = $('q').value;
  const seq = ++parseSeq;
  if (!q.trim()) return showDiagnostics(q, []);
  const r = await api('parse', [['q', q]]);
  if (seq !== parseSeq) return;  // a later keystroke answered first
  showDiagnostics(q, r.status === 200 ? r.body.diagnostics : [{severity: 'error', offset: 0, length: 0, message: r.body.error}]);
}
function showDiagnostics(q, list) {
  const box = $('diagnostics');
  box.replaceChildren();
  $('q').setAttribute('aria-invalid', list.some((d) => d.severity === 'error') ? 'true' : 'false');
  for (const d of list) {
    const from = byteToIndex(q, d.offset), to = byteToIndex(q, d.offset + Math.max(d.length, 0));
    const width = (s) => Array.from(s).length;
    const line = el('pre', {'aria-hidden': 'true'},
        q.slice(0, from), el('span', {class: 'at'}, q.slice(from, to) || ' '), q.slice(to), '\n',
        el('span', {class: 'caret'}, ' '.repeat(width(q.slice(0, from))) + '^' + '~'.repeat(Math.max(0, width(q.slice(from, to)) - 1))));
    const item = el('div', {class: 'diag ' + d.severity},
        el('span', {class: 'message'}, d.severity + ': ' + d.message), line);
    if (d.fix) {
      item.append(el('button', {type: 'button', class: 'fix', 'aria-label': 'Apply the fix: ' + d.fix.query,
        onclick: () => { $('q').value = d.fix.query; $('q').focus(); runParse(); }}, 'Fix: ' + d.fix.query));
    }
    box.append(item);
  }
}

// ---- Search ----
function searchParams(after) {
  const p = [['q', state.q], ['limit', String(PAGE)], ['sort', state.sort]];
  if (state.collapse) p.push(['collapse', '1']);
  if (after) p.push(['after', after]);
  else for (const [f] of FACETS) p.push(['facet', f]);
  return p;
}
async function search(push) {
  state.q = $('q').value.trim();
  state.sort = $('sort').value;
  state.collapse = $('collapse').checked;
  writeUrl(push);
  closeArticle(false);
  await runSearch();
}
async function runSearch() {
  const seq = ++state.seq;
  $('hits').replaceChildren();
  $('facets').replaceChildren();
  $('timeline').replaceChildren();
  $('more').hidden = true;
  state.hits = [];
  if (!state.q) { $('status').textContent = ''; showDiagnostics('', []); return; }
  $('status').textContent = 'Searching…';
  const [r, t] = await Promise.all([api('search', searchParams('')), api('timeline', [['q', state.q], ['by', timelineUnit]])]);
  if (seq !== state.seq) return;
  if (r.status !== 200) {
    $('status').textContent = r.body.error || 'The search failed';
    if (r.body.diagnostics) showDiagnostics(r.body.query || state.q, r.body.diagnostics);
    return;
  }
  showDiagnostics(state.q, r.body.diagnostics || []);
  showPage(r.body);
  showFacets(r.body.facets || {});
  if (t.status === 200) showTimeline(t.body);
}
function showPage(body) {
  const n = body.total;
  let status = n === 1 ? '1 article' : n + ' articles';
  if (body.reading && body.reading !== body.query) status += ' — read as: ' + body.reading;
  if (body.warnings && body.warnings.length) status += ' — ' + body.warnings.join('; ');
  $('status').replaceChildren(status);
  const dym = body.did_you_mean;
  if (dym && dym.query) {
    $('status').append(' — did you mean ', el('button', {type: 'button', class: 'dym', 'aria-label': 'Search for ' + dym.query,
      onclick: () => { $('q').value = dym.query; search(true); }}, dym.query), ' (' + dym.total + ')?');
  }
  for (const h of body.hits || []) addHit(h);
  state.cursor = body.next_cursor || '';
  $('more').hidden = !state.cursor || state.hits.length >= n;
}
async function more() {
  if (!state.cursor) return;
  const seq = state.seq;
  $('more').disabled = true;
  const r = await api('search', searchParams(state.cursor));
  $('more').disabled = false;
  if (seq !== state.seq) return;
  if (r.status !== 200) { $('status').textContent = r.body.error; return; }
  showPage(r.body);
}

// Text with [start, end) code point ranges marked.
function marked(text, highlights) {
  const cps = Array.from(text || '');
  const out = document.createDocumentFragment();
  let at = 0;
  for (const h of highlights || []) {
    if (h.start < at || h.end > cps.length) continue;
    out.append(cps.slice(at, h.start).join(''), el('mark', {}, cps.slice(h.start, h.end).join('')));
    at = h.end;
  }
  out.append(cps.slice(at).join(''));
  return out;
}
function chips(h) {
  const box = el('div', {class: 'chips'});
  for (const a of h.actors || []) box.append(el('span', {class: 'chip actor', title: 'actor'}, a));
  for (const t of h.topics || []) box.append(el('span', {class: 'chip topic', title: 'topic'}, t));
  return box;
}
function addHit(h) {
  const index = state.hits.length;
  state.hits.push(h);
  const meta = [h.date || 'undated', h.author].filter(Boolean).join(' · ') + (h.copies ? ' · ' + h.copies + ' copies folded' : '');
  const li = el('li', {class: 'hit', tabindex: '0', 'data-index': String(index), 'aria-label': h.title || h.id},
      el('h2', {}, el('button', {type: 'button', class: 'open', onclick: () => openArticle(index, true)}, h.title || h.id)),
      el('div', {class: 'meta'}, meta),
      chips(h),
      h.snippet ? el('p', {class: 'snippet'}, marked(h.snippet.text, h.snippet.highlights)) : null);
  $('hits').append(li);
}

// ---- Facets ----
function quoteValue(v) { return '"' + v.replace(/["\\]/g, ' ').trim() + '"'; }
function addToQuery(term) {
  const q = $('q').value.trim();
  $('q').value = q ? q + ' ' + term : term;
  search(true);
}
function showFacets(facets) {
  const box = $('facets');
  box.replaceChildren();
  for (const [field, title] of FACETS) {
    const f = facets[field];
    if (!f || !f.counts || !f.counts.length) continue;
    const list = el('ul', {});
    for (const c of f.counts) {
      list.append(el('li', {}, el('button', {type: 'button', class: 'facet', 'data-field': field,
        'data-value': c.value,
        'aria-label': 'Narrow to ' + field + ' ' + c.value + ' (' + c.count + ' articles)',
        onclick: () => addToQuery(field + ':' + quoteValue(c.value))},
      el('span', {class: 'value'}, c.value), el('span', {class: 'count'}, String(c.count)))));
    }
    box.append(el('h2', {}, title), list);
    if (field === 'actor') showActorNames(list);
  }
}

// The script the reader writes in, from the browser's language (null: Latin
// or unknown), and whether a name is written in it.
const SCRIPTS = {zh: 'Han', ja: 'Han', ko: 'Hangul', ru: 'Cyrillic', uk: 'Cyrillic', bg: 'Cyrillic',
  sr: 'Cyrillic', el: 'Greek', ar: 'Arabic', fa: 'Arabic', he: 'Hebrew', hi: 'Devanagari', th: 'Thai'};
function readerScript() {
  for (const l of navigator.languages || [navigator.language || '']) {
    const s = SCRIPTS[String(l).toLowerCase().split('-')[0]];
    if (s) return s;
  }
  return null;
}
function inScript(name, script) {
  return new RegExp('\\p{Script=' + script + '}', 'u').test(name);
}
// Each actor of the facet: its aliases on hover (title), and the name shown in
// the reader's script when the gazetteer has one (the query still uses the
// canonical name). Best effort: without an answer the facet stays as it is.
async function showActorNames(list) {
  const buttons = [...list.querySelectorAll('button.facet')];
  if (!buttons.length) return;
  const r = await api('names', buttons.map((b) => ['name', b.dataset.value]));
  if (r.status !== 200 || !r.body.names) return;
  const script = readerScript();
  r.body.names.forEach((n, i) => {
    const b = buttons[i];
    if (!b || !n.aliases || !n.aliases.length) return;
    b.title = 'Also: ' + n.aliases.join(', ');
    const local = script && !inScript(n.name, script) ? n.aliases.find((a) => inScript(a, script)) : null;
    if (local) {
      b.querySelector('.value').textContent = local;
      b.setAttribute('aria-label', b.getAttribute('aria-label') + ', ' + local);
    }
  });
}

// ---- Timeline: bars per bucket; dragging over them adds date:A..B ----
let timelineUnit = 'month';
function lastDay(from, unit) {
  const [y, m, d] = from.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (unit === 'day') return from;
  if (unit === 'week') date.setUTCDate(date.getUTCDate() + 6);
  else if (unit === 'month') date.setUTCMonth(date.getUTCMonth() + 1, 0);
  else date.setUTCFullYear(date.getUTCFullYear() + 1, 0, 0);
  return date.toISOString().slice(0, 10);
}
function showTimeline(body) {
  const box = $('timeline');
  box.replaceChildren();
  const buckets = body.buckets || [];
  if (!buckets.length) return;
  const W = 600, H = 100, pad = 14;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const bw = W / buckets.length;
  const chart = svg('svg', {viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': `Matches per ${body.by}, ${buckets[0].bucket} to ${buckets[buckets.length - 1].bucket}; drag over bars to narrow the dates`});
  const sel = svg('rect', {class: 'sel', x: 0, y: 0, width: 0, height: H});
  chart.append(sel);
  const bars = buckets.map((b, i) => {
    const h = (H - pad - 4) * b.count / max;
    const r = svg('rect', {class: 'bar', x: i * bw + bw * 0.1, y: H - pad - h, width: Math.max(1, bw * 0.8), height: h, 'data-bucket': b.bucket});
    const tip = svg('title', {});
    tip.textContent = `${b.bucket}: ${b.count}`;
    r.append(tip);
    chart.append(r);
    return r;
  });
  const labelEvery = Math.ceil(buckets.length / 8);
  buckets.forEach((b, i) => {
    if (i % labelEvery) return;
    const t = svg('text', {x: i * bw + 2, y: H - 3});
    t.textContent = b.bucket;
    chart.append(t);
  });
  let start = -1, end = -1;
  const at = (ev) => {
    const box = chart.getBoundingClientRect();
    return Math.min(buckets.length - 1, Math.max(0, Math.floor((ev.clientX - box.left) / box.width * buckets.length)));
  };
  const paint = () => {
    const [a, b] = [Math.min(start, end), Math.max(start, end)];
    sel.setAttribute('x', String(a * bw));
    sel.setAttribute('width', String((b - a + 1) * bw));
    bars.forEach((r, i) => r.classList.toggle('on', i >= a && i <= b));
  };
  chart.addEventListener('pointerdown', (ev) => {
    start = end = at(ev);
    chart.setPointerCapture(ev.pointerId);
    paint();
  });
  chart.addEventListener('pointermove', (ev) => {
    if (start < 0) return;
    end = at(ev);
    paint();
  });
  chart.addEventListener('pointerup', () => {
    if (start < 0) return;
    const [a, b] = [Math.min(start, end), Math.max(start, end)];
    start = end = -1;
    addToQuery('date:' + buckets[a].from + '..' + lastDay(buckets[b].from, body.by));
  });
  const unit = el('select', {'aria-label': 'Bucket of the timeline', onchange: (ev) => { timelineUnit = ev.target.value; runSearch(); }});
  for (const u of ['day', 'week', 'month', 'year']) {
    const o = el('option', {value: u}, 'per ' + u);
    if (u === timelineUnit) o.selected = true;
    unit.append(o);
  }
  box.append(chart, el('p', {class: 'hint'}, `${body.total} matches${body.undated ? ', ' + body.undated + ' undated' : ''}; drag over the bars to narrow the dates `, unit));
}

// ---- Article view ----
function highlightWords(text, words) {
  const frag = document.createDocumentFragment();
  if (!words.length) { frag.append(text); return frag; }
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp('(' + escaped.join('|') + ')', 'giu');
  let last = 0;
  for (const m of text.matchAll(re)) {
    frag.append(text.slice(last, m.index), el('mark', {}, m[0]));
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}
async function openArticle(index, push) {
  const h = state.hits[index];
  if (!h) return;
  const r = await api('document', [['id', h.id]]);
  if (r.status !== 200) { $('status').textContent = r.body.error; return; }
  const d = r.body;
  const words = [...new Set(((h.snippet && h.snippet.highlights) || []).map((x) => x.text.toLowerCase()))].filter((w) => w.length > 1);
  const body = $('article-body');
  body.replaceChildren(
      el('h1', {}, highlightWords(d.title || d.id, words)),
      el('div', {class: 'meta'}, [d.date || 'undated', d.author].filter(Boolean).join(' · ')),
      chips(d));
  for (const para of String(d.body || '').split(/\n\s*\n/)) if (para.trim()) body.append(el('p', {}, highlightWords(para, words)));
  body.append(el('p', {class: 'meta'}, 'id: ' + d.id));
  $('article').hidden = false;
  $('article').dataset.index = String(index);
  if (push) history.pushState({article: index}, '', location.href);
  $('back').focus();
}
function closeArticle(focusHit) {
  if ($('article').hidden) return;
  $('article').hidden = true;
  const li = document.querySelector(`.hit[data-index="${$('article').dataset.index}"]`);
  if (focusHit && li) li.focus();
}

// ---- Keyboard: / focuses the box, arrows move through hits, Enter opens ----
function moveHit(step) {
  const hits = Array.from(document.querySelectorAll('.hit'));
  if (!hits.length) return;
  const i = hits.indexOf(document.activeElement.closest ? document.activeElement.closest('.hit') : null);
  const next = hits[Math.min(hits.length - 1, Math.max(0, i < 0 ? 0 : i + step))];
  next.focus();
  next.scrollIntoView({block: 'nearest'});
}
document.addEventListener('keydown', (ev) => {
  const typing = ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement;
  if (ev.key === '/' && !typing) { ev.preventDefault(); $('q').focus(); $('q').select(); return; }
  if (ev.key === 'Escape' && !$('article').hidden) { history.back(); return; }
  if (typing || !$('article').hidden) return;
  if (ev.key === 'ArrowDown') { ev.preventDefault(); moveHit(1); }
  else if (ev.key === 'ArrowUp') { ev.preventDefault(); moveHit(-1); }
  else if (ev.key === 'Enter' && ev.target.classList && ev.target.classList.contains('hit')) {
    ev.preventDefault();
    openArticle(Number(ev.target.dataset.index), true);
  }
});

$('q').addEventListener('input', scheduleParse);
$('q').addEventListener('keydown', (ev) => { if (ev.key === 'ArrowDown') { ev.preventDefault(); moveHit(1); } });
$('search').addEventListener('submit', (ev) => { ev.preventDefault(); search(true); });
$('sort').addEventListener('change', () => search(true));
$('collapse').addEventListener('change', () => search(true));
$('more').addEventListener('click', more);
$('back').addEventListener('click', () => history.back());
window.addEventListener('popstate', (ev) => {
  if (ev.state && ev.state.article !== undefined && state.hits[ev.state.article]) { openArticle(ev.state.article, false); return; }
  if (!$('article').hidden) {
    const u = new URLSearchParams(location.search);
    if ((u.get('q') || '') === state.q) { closeArticle(true); return; }
  }
  closeArticle(false);
  readUrl();
  runSearch();
});
readUrl();
if (state.q) { runParse(); runSearch(); } else $('q').focus();
