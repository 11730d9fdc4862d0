// logquery's web UI: search, log volume, context and live tail. Plain ES modules, nothing fetched from elsewhere.

import { ApiError, getJson, onTokenNeeded, postJson, setToken } from './api.js';
import { drawHistogram } from './histogram.js';
import { detailsHtml, escapeHtml, localTime, rowHtml, rowsHtml, ZONE } from './render.js';
import {
  DEFAULT_FROM, DEFAULT_TO, fromUrl, isPreset, LEVELS, pageSize, resolveTime, searchBody, tailParams, toUrl,
} from './state.js';
import { openTail } from './tail.js';

/** Lines kept on the page in live mode; older ones leave at the bottom. */
const LIVE_CAP = 1000;
/** Lines painted at once when a page comes; the rest follow in the next frame. */
const FIRST_ROWS = 100;
/** Lines of context on each side of a line. */
const CONTEXT_LINES = 10;

const $ = id => document.getElementById(id);
const form = $('search');
const results = $('results');
const statusBox = $('status');
const more = $('more');

/** What the page shows now. */
const view = {
  state: null,
  window: null,
  body: null,
  lines: [],
  nextCursor: null,
  loading: false,
  generation: 0,
  abort: null,
  stopTail: null,
  paused: false,
  waiting: [],
  notShown: 0,
  dropped: 0,
  rendering: false,
  connection: 'connecting',
};

/** Figures a test (or a curious user) can read: window.logquery.timings. */
window.logquery = { timings: {}, ready: false };

// ------------------------------------------------------------------ the form and the URL

function readForm() {
  return {
    service: $('service').value.trim(),
    namespace: $('namespace').value.trim(),
    pod: $('pod').value.trim(),
    levels: [...form.querySelectorAll('input[name=level]:checked')].map(i => i.value),
    q: $('q').value,
    from: $('from').value.trim() || DEFAULT_FROM,
    to: $('to').value.trim() || DEFAULT_TO,
    live: view.state ? view.state.live : false,
    limit: view.state ? view.state.limit : '',
  };
}

function fillForm(state) {
  $('service').value = state.service;
  $('namespace').value = state.namespace;
  $('pod').value = state.pod;
  $('q').value = state.q;
  $('from').value = state.from;
  $('to').value = state.to;
  $('range').value = isPreset(state.from, state.to) ? state.from : 'custom';
  for (const box of form.querySelectorAll('input[name=level]')) {
    box.checked = state.levels.includes(box.value);
  }
  $('live').setAttribute('aria-pressed', String(state.live));
}

/** Goes to a state: a new history entry (unless replacing), then shows it. */
function navigate(state, replace) {
  const url = toUrl(state);
  if (replace) {
    history.replaceState(null, '', url);
  } else {
    history.pushState(null, '', url);
  }
  show();
}

/** Shows what the URL says. */
function show() {
  const state = fromUrl(location.search);
  view.state = state;
  fillForm(state);
  stopLive();
  if (state.live) {
    startLive(state);
  } else {
    search(state);
  }
}

form.addEventListener('submit', e => {
  e.preventDefault();
  navigate(readForm());
});

$('range').addEventListener('change', () => {
  const v = $('range').value;
  if (v === 'custom') {
    // absolute: the current window as RFC 3339 times, to edit
    const now = Date.now();
    $('from').value = resolveTime($('from').value.trim() || DEFAULT_FROM, now).text;
    $('to').value = resolveTime($('to').value.trim() || DEFAULT_TO, now).text;
    $('from').focus();
    return;
  }
  $('from').value = v;
  $('to').value = 'now';
  navigate(readForm());
});

$('live').addEventListener('click', () => {
  const state = readForm();
  state.live = !(view.state && view.state.live);
  navigate(state);
});

window.addEventListener('popstate', show);

// ------------------------------------------------------------------ banners

function clearBanners() {
  $('error').hidden = true;
  $('error').innerHTML = '';
  $('partial').hidden = true;
  $('partial').innerHTML = '';
}

/** An API problem, readably: its title, its detail, and every field it names. */
function showError(e) {
  const box = $('error');
  if (e instanceof ApiError) {
    const p = e.problem || {};
    let html = `<h3>${escapeHtml(p.title || 'Error')} (${e.status}) from ${escapeHtml(e.what)}</h3>`;
    const errors = Array.isArray(p.errors) ? p.errors : [];
    if (p.detail && errors.length === 0) {
      html += `<div data-testid="error-detail">${escapeHtml(p.detail)}</div>`;
    }
    if (errors.length) {
      html += '<ul>' + errors.map(x => `<li data-testid="error-field" data-field="${escapeHtml(x.field)}">`
        + `<code>${escapeHtml(x.field)}</code>: ${escapeHtml(x.message)}</li>`).join('') + '</ul>';
    }
    box.innerHTML = html;
  } else if (e && e.name === 'AbortError') {
    return;
  } else {
    box.innerHTML = `<h3>Error</h3><div data-testid="error-detail">${escapeHtml(e && e.message ? e.message : String(e))}</div>`;
  }
  box.hidden = false;
}

/** A partial answer names the shards that are missing, and why. */
function showPartial(failed, what) {
  if (!failed || !failed.length) {
    return;
  }
  const box = $('partial');
  const names = failed.map(f => `shard ${f.partition} (${f.reason})`).join(', ');
  const line = `<div data-testid="partial-${what}">Partial ${escapeHtml(what)}: the lines of ${escapeHtml(names)} are missing`
    + ' (the shard failed or timed out).</div>';
  box.insertAdjacentHTML('beforeend', line);
  box.hidden = false;
}

// ------------------------------------------------------------------ search

async function search(state) {
  const generation = ++view.generation;
  if (view.abort) {
    view.abort.abort();
  }
  const abort = new AbortController();
  view.abort = abort;
  clearBanners();
  $('volume').hidden = false;
  $('livebar').hidden = true;
  const now = Date.now();
  view.window = { from: resolveTime(state.from, now), to: resolveTime(state.to, now) };
  view.body = searchBody(state, view.window);
  window.logquery.window = { startTime: view.body.startTime, endTime: view.body.endTime };
  view.lines = [];
  view.nextCursor = null;
  view.rendering = false;
  results.innerHTML = '';
  more.textContent = '';
  results.setAttribute('aria-busy', 'true');
  statusBox.textContent = 'Searching…';
  statusBox.dataset.state = 'loading';
  window.logquery.ready = false;
  volume(view.body, generation, abort.signal);
  const started = performance.now();
  try {
    const answer = await postJson('/api/query/logs', Object.assign({ limit: pageSize(state) }, view.body),
      abort.signal, 'the search');
    if (generation !== view.generation) {
      return;
    }
    const answered = performance.now();
    view.nextCursor = answer.nextCursor;
    showPartial(answer.failedPartitions, 'answer');
    await appendLines(answer.logs, generation, () => {
      const painted = performance.now();
      window.logquery.timings = {
        lines: answer.logs.length,
        requestMs: answered - started,
        answerToPaintMs: painted - answered,
      };
      results.dataset.paintMs = (painted - answered).toFixed(1);
    });
    if (generation === view.generation) {
      window.logquery.timings.allRowsMs = performance.now() - answered;
      status(answer);
      requestAnimationFrame(checkMore);
      // suggestions once the lines are on screen: they read samples of the window, and are no hurry
      suggest(view.window);
    }
  } catch (e) {
    if (generation !== view.generation || (e && e.name === 'AbortError')) {
      return;
    }
    statusBox.textContent = '';
    statusBox.dataset.state = 'error';
    showError(e);
  } finally {
    if (generation === view.generation) {
      results.setAttribute('aria-busy', 'false');
      window.logquery.ready = true;
    }
  }
}

/** Runs {@code f} once the frame showing the latest change was painted. */
function afterPaint(f) {
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = f;
    channel.port2.postMessage(null);
  });
}

function status(answer) {
  const n = view.lines.length;
  const range = `${localTime(view.window.from.text)} – ${localTime(view.window.to.text)} (${ZONE})`;
  statusBox.textContent = `${n} line${n === 1 ? '' : 's'} shown, newest first${view.nextCursor ? '; scroll for more' : ''}`
    + ` · ${range}` + (answer && answer.tookMs != null ? ` · ${answer.tookMs} ms` : '');
  statusBox.dataset.state = view.nextCursor ? 'more' : 'done';
  results.dataset.count = String(n);
  more.textContent = view.nextCursor ? 'Loading more when you scroll here…' : (n ? 'No more lines.' : 'No lines match.');
}

/**
 * Adds lines at the bottom: the first screenful at once, the rest once that was painted (in one pass), so that a
 * page of a thousand lines shows its first lines as fast as a page of a hundred. Resolves when all are in;
 * {@code onFirstPaint} runs once the first ones were painted.
 */
function appendLines(lines, generation, onFirstPaint) {
  const start = view.lines.length;
  view.lines.push(...lines);
  results.insertAdjacentHTML('beforeend', rowsHtml(lines.slice(0, FIRST_ROWS), start, 'log-row'));
  view.rendering = true;
  return new Promise(resolve => afterPaint(() => {
    if (onFirstPaint) {
      onFirstPaint();
    }
    if (generation === view.generation && lines.length > FIRST_ROWS) {
      results.insertAdjacentHTML('beforeend', rowsHtml(lines.slice(FIRST_ROWS), start + FIRST_ROWS, 'log-row'));
    }
    if (generation === view.generation) {
      view.rendering = false;
    }
    resolve();
  }));
}

async function loadMore() {
  if (!view.nextCursor || view.loading || view.rendering || (view.state && view.state.live)) {
    return;
  }
  const generation = view.generation;
  view.loading = true;
  more.textContent = 'Loading more…';
  try {
    const answer = await postJson('/api/query/logs',
      Object.assign({ limit: pageSize(view.state), cursor: view.nextCursor }, view.body),
      view.abort.signal, 'the next page');
    if (generation !== view.generation) {
      return;
    }
    await appendLines(answer.logs, generation);
    view.nextCursor = answer.nextCursor;
    showPartial(answer.failedPartitions, 'page');
    status(answer);
  } catch (e) {
    if (generation === view.generation) {
      showError(e);
    }
  } finally {
    view.loading = false;
  }
  // the sentinel may still be in sight (a short page): keep going
  requestAnimationFrame(checkMore);
}

function checkMore() {
  const r = more.getBoundingClientRect();
  if (r.top < window.innerHeight + 400) {
    loadMore();
  }
}

new IntersectionObserver(entries => {
  if (entries.some(e => e.isIntersecting)) {
    loadMore();
  }
}, { rootMargin: '400px 0px' }).observe(more);

// ------------------------------------------------------------------ volume

async function volume(body, generation, signal) {
  $('histogram').innerHTML = '';
  $('volume-total').textContent = 'counting…';
  $('volume').dataset.state = 'loading';
  try {
    const answer = await postJson('/api/query/volume', body, signal, 'the volume');
    if (generation !== view.generation) {
      return;
    }
    const axis = drawHistogram($('histogram'), answer, narrow);
    $('volume-total').textContent = `${answer.total} line${answer.total === 1 ? '' : 's'}`;
    $('volume-total').dataset.total = String(answer.total);
    $('volume-title').textContent = `Log volume per ${human(answer.step)}`;
    $('axis-start').textContent = axis.start;
    $('axis-end').textContent = `${axis.end} (${ZONE})`;
    $('volume-legend').innerHTML = LEVELS.filter(l => answer.levels[l])
      .map(l => `<span><i class="b-${l}"></i>${l} ${answer.levels[l]}</span>`).join('');
    $('volume').dataset.state = 'done';
    showPartial(answer.failedPartitions, 'volume');
  } catch (e) {
    if (generation !== view.generation || (e && e.name === 'AbortError')) {
      return;
    }
    $('volume-total').textContent = '';
    $('volume').dataset.state = 'error';
    // a bad filter is the search's problem too: one banner is enough, and no empty histogram
    if (e instanceof ApiError && e.status === 400) {
      $('volume').hidden = true;
    } else {
      showError(e);
    }
  }
}

function human(seconds) {
  if (seconds % 86400 === 0) {
    return `${seconds / 86400} d`;
  }
  if (seconds % 3600 === 0) {
    return `${seconds / 3600} h`;
  }
  if (seconds % 60 === 0) {
    return `${seconds / 60} min`;
  }
  return `${seconds} s`;
}

/** The histogram's selection becomes the time range. */
function narrow(from, to) {
  const state = readForm();
  state.from = from.toISOString();
  state.to = to.toISOString();
  state.live = false;
  navigate(state);
}

// ------------------------------------------------------------------ suggestions

const suggested = { key: null };

async function suggest(window) {
  const from = window.from.text;
  const to = window.to.text;
  const service = view.state.service;
  const key = `${from}|${to}|${service}`;
  if (suggested.key === key || !window.from.date || !window.to.date) {
    return;
  }
  suggested.key = key;
  const range = `start=${encodeURIComponent(from)}&end=${encodeURIComponent(to)}`;
  const selector = service ? `&query=${encodeURIComponent(`{service_name="${lokiQuote(service)}"}`)}` : '';
  const fill = async (label, list, narrowed) => {
    try {
      const answer = await getJson(`/loki/api/v1/label/${label}/values?${range}${narrowed ? selector : ''}`, undefined,
        'the label values');
      $(list).innerHTML = (answer.data || []).slice(0, 500).map(v => `<option value="${escapeHtml(v)}"></option>`).join('');
    } catch (e) {
      // suggestions are a help, not an answer: a failure leaves the list as it was
    }
  };
  fill('service_name', 'service-values', false);
  fill('namespace', 'namespace-values', true);
  fill('pod', 'pod-values', true);
}

function lokiQuote(s) {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

// ------------------------------------------------------------------ expanding a line, context

function lineOf(row) {
  const i = Number(row.dataset.i);
  if (row.dataset.testid === 'context-row') {
    return contextLines[i];
  }
  return view.lines[i];
}

function toggle(row) {
  const open = row.getAttribute('aria-expanded') === 'true';
  const next = row.nextElementSibling;
  if (open) {
    if (next && next.classList.contains('details')) {
      next.remove();
    }
    row.setAttribute('aria-expanded', 'false');
    return;
  }
  const line = lineOf(row);
  if (!line) {
    return;
  }
  row.insertAdjacentHTML('afterend', detailsHtml(line, row.dataset.testid === 'log-row'));
  row.setAttribute('aria-expanded', 'true');
  const button = row.nextElementSibling.querySelector('[data-action=context]');
  if (button) {
    button.addEventListener('click', () => showContext(line, row));
  }
}

for (const list of [results, $('context-body')]) {
  list.addEventListener('click', e => {
    const row = e.target.closest('.row');
    if (row && !window.getSelection().toString()) {
      toggle(row);
    }
  });
  list.addEventListener('keydown', e => {
    const row = e.target.closest('.row');
    if (!row || e.target !== row) {
      return;
    }
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggle(row);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      let next = e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      while (next && !next.classList.contains('row')) {
        next = e.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling;
      }
      if (next) {
        next.focus();
      }
    }
  });
}

let contextLines = [];
let contextReturn = null;

/**
 * The lines just before and after {@code line} from the same pod: the newest older ones through the query API,
 * the oldest newer ones through the Loki API read forward.
 */
async function showContext(line, row) {
  const dialog = $('context');
  const body = $('context-body');
  contextReturn = row;
  $('context-title').textContent = `Context: pod ${line.pod}${line.namespace ? ' in ' + line.namespace : ''}`;
  body.innerHTML = '<div class="sep">Loading…</div>';
  dialog.dataset.state = 'loading';
  if (!dialog.open) {
    dialog.showModal();
  }
  const ts = Date.parse(line.timestamp);
  const filter = { pod: line.pod };
  if (line.namespace) {
    filter.namespace = line.namespace;
  }
  try {
    const [before, after] = await Promise.all([
      postJson('/api/query/logs', Object.assign({
        startTime: new Date(ts - 86400e3).toISOString(), endTime: line.timestamp, limit: CONTEXT_LINES + 20,
      }, filter), undefined, 'the context (before)'),
      afterLines(line, ts),
    ]);
    const same = l => l.timestamp === line.timestamp && l.message === line.message && l.service === line.service;
    const key = l => `${l.timestamp}\u0000${l.service}\u0000${l.message}`;
    const older = before.logs.filter(l => !same(l)).slice(0, CONTEXT_LINES);
    const seen = new Set(before.logs.map(key));
    const newer = after.filter(l => !same(l) && !seen.has(key(l))).slice(0, CONTEXT_LINES);
    // newest first, as the results
    contextLines = [...newer.reverse(), line, ...older];
    let html = `<div class="sep" data-testid="context-after-count">${newer.length} newer line${newer.length === 1 ? '' : 's'}</div>`;
    contextLines.forEach((l, i) => {
      const side = i < newer.length ? 'after' : i === newer.length ? 'anchor' : 'before';
      html += rowHtml(l, i, 'context-row', side === 'anchor' ? 'anchor' : '').replace('<div class="row',
        `<div data-side="${side}" class="row`);
    });
    html += `<div class="sep" data-testid="context-before-count">${older.length} older line${older.length === 1 ? '' : 's'}</div>`;
    body.innerHTML = html;
    dialog.dataset.state = 'done';
    const anchor = body.querySelector('[data-side=anchor]');
    anchor.scrollIntoView({ block: 'center' });
    anchor.focus();
  } catch (e) {
    body.innerHTML = '';
    dialog.dataset.state = 'error';
    const message = e instanceof ApiError ? `${e.problem && e.problem.title ? e.problem.title + ': ' : ''}${e.message}` : String(e);
    body.innerHTML = `<div class="banner error" role="alert">${escapeHtml(message)}</div>`;
  }
}

/** The oldest lines of the pod from the line's time on (Loki's query_range, direction=forward). */
async function afterLines(line, ts) {
  let selector = `pod="${lokiQuote(line.pod)}"`;
  if (line.namespace) {
    selector += `, namespace="${lokiQuote(line.namespace)}"`;
  }
  const params = new URLSearchParams({
    query: `{${selector}}`, start: line.timestamp, end: new Date(ts + 3600e3).toISOString(),
    limit: String(CONTEXT_LINES + 20), direction: 'forward',
  });
  const answer = await getJson(`/loki/api/v1/query_range?${params}`, undefined, 'the context (after)');
  const lines = [];
  for (const stream of answer.data.result) {
    const labels = stream.stream;
    const attributes = {};
    for (const [k, v] of Object.entries(labels)) {
      if (!['service_name', 'namespace', 'pod', 'container', 'level', 'detected_level'].includes(k)) {
        attributes[k] = v;
      }
    }
    for (const [ns, text] of stream.values) {
      lines.push({
        ns: BigInt(ns), timestamp: nanosToRfc3339(ns), service: labels.service_name,
        level: (labels.level || 'unknown').toUpperCase(), namespace: labels.namespace || null, pod: labels.pod || null,
        container: labels.container || null, message: text,
        attributes: Object.keys(attributes).length ? attributes : undefined,
      });
    }
  }
  lines.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  return lines;
}

/** Unix nanoseconds as the API writes times: 0, 3 or 6 fractional digits, as needed. */
function nanosToRfc3339(ns) {
  const s = String(ns).padStart(10, '0');
  const seconds = Number(s.slice(0, -9));
  const micros = s.slice(-9, -3);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const frac = micros === '000000' ? '' : micros.endsWith('000') ? `.${micros.slice(0, 3)}` : `.${micros}`;
  return `${base}${frac}Z`;
}

$('context-close').addEventListener('click', () => $('context').close());
$('context').addEventListener('close', () => {
  if (contextReturn && contextReturn.isConnected) {
    contextReturn.focus();
  }
});

// ------------------------------------------------------------------ live tail

function startLive(state) {
  const generation = ++view.generation;
  if (view.abort) {
    view.abort.abort();
  }
  clearBanners();
  $('volume').hidden = true;
  $('livebar').hidden = false;
  $('live-cap').textContent = String(LIVE_CAP);
  view.lines = [];
  view.nextCursor = null;
  view.paused = false;
  view.waiting = [];
  view.notShown = 0;
  view.dropped = 0;
  results.innerHTML = '';
  more.textContent = '';
  statusBox.textContent = 'Live: new lines appear at the top.';
  liveState('connecting');
  updateLiveCounts();
  $('pause').setAttribute('aria-pressed', 'false');
  $('pause').textContent = 'Pause';
  let pending = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (generation !== view.generation || !pending.length) {
      return;
    }
    const batch = pending;
    pending = [];
    prependLive(batch);
  };
  view.stopTail = openTail(tailParams(state), {
    connected: () => liveState('connected'),
    line: line => {
      if (view.paused) {
        view.waiting.push(line);
        if (view.waiting.length > LIVE_CAP) {
          view.waiting.shift();
          view.notShown++;
        }
        updateLiveCounts();
        return;
      }
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(flush);
      }
    },
    dropped: n => {
      view.dropped += n;
      updateLiveCounts();
    },
    closed: e => {
      if (generation !== view.generation) {
        return;
      }
      liveState(e ? 'error' : 'closed');
      if (e) {
        showError(e);
      }
    },
  });
}

/** New lines on top (newest first); beyond the cap the oldest leave. */
function prependLive(batch) {
  const lines = batch.reverse(); // arrival order is oldest first
  const start = view.lines.length;
  view.lines.push(...lines); // data-i indexes this array: never reordered, trimmed with the rows
  results.insertAdjacentHTML('afterbegin', rowsHtml(lines, start, 'log-row'));
  let extra = results.querySelectorAll('.row').length - LIVE_CAP;
  while (extra > 0) {
    const last = results.lastElementChild;
    if (last.classList.contains('row')) {
      delete view.lines[Number(last.dataset.i)];
      extra--;
    }
    last.remove();
  }
  updateLiveCounts();
}

function updateLiveCounts() {
  $('live-count').textContent = String(results.querySelectorAll('.row').length);
  $('live-dropped').textContent = String(view.dropped + view.notShown);
  $('live-dropped').title = `${view.dropped} dropped by the server (this page read too slowly), ${view.notShown} beyond the`
    + ' page\'s buffer while paused';
  $('live-waiting').textContent = view.paused ? `${view.waiting.length} waiting` : '';
}

/** The connection's state ({@code s}, or as it was), shown as paused while paused. */
function liveState(s) {
  if (s) {
    view.connection = s;
  }
  const shown = view.paused && view.connection === 'connected' ? 'paused' : view.connection;
  const bar = $('livebar');
  bar.dataset.state = shown;
  bar.dataset.connection = view.connection;
  $('live-state').textContent = { connecting: 'connecting…', connected: 'live', paused: 'paused', closed: 'ended',
    error: 'failed' }[shown];
}

$('pause').addEventListener('click', () => {
  view.paused = !view.paused;
  $('pause').setAttribute('aria-pressed', String(view.paused));
  $('pause').textContent = view.paused ? 'Resume' : 'Pause';
  if (!view.paused) {
    const waiting = view.waiting;
    view.waiting = [];
    if (waiting.length) {
      prependLive(waiting);
    }
  }
  liveState();
  updateLiveCounts();
});

function stopLive() {
  if (view.stopTail) {
    view.stopTail();
    view.stopTail = null;
  }
}

// ------------------------------------------------------------------ token

onTokenNeeded(() => new Promise(resolve => {
  const dialog = $('token');
  const input = $('token-input');
  input.value = '';
  dialog.returnValue = '';
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'ok' && input.value.trim()) {
      setToken(input.value.trim());
      resolve(true);
    } else {
      resolve(false);
    }
  }, { once: true });
  if (!dialog.open) {
    dialog.showModal();
  }
  input.focus();
}));

// ------------------------------------------------------------------ keyboard

document.addEventListener('keydown', e => {
  if (e.key === '/' && !['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName)) {
    e.preventDefault();
    $('q').focus();
  }
});

show();
