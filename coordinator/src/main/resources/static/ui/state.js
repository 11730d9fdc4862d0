// The page's state is its URL: service, namespace, pod, level (repeatable), q, from, to, live=1 (and limit).

export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'UNKNOWN'];
export const DEFAULT_FROM = 'now-1h';
export const DEFAULT_TO = 'now';
export const DEFAULT_LIMIT = 200;

/** The state a URL's query string describes. */
export function fromUrl(search) {
  const p = new URLSearchParams(search);
  const text = name => (p.get(name) || '').trim();
  return {
    service: text('service'),
    namespace: text('namespace'),
    pod: text('pod'),
    levels: p.getAll('level').map(l => l.trim()).filter(l => l !== ''),
    q: p.get('q') || '',
    from: text('from') || DEFAULT_FROM,
    to: text('to') || DEFAULT_TO,
    live: p.get('live') === '1',
    limit: p.has('limit') ? text('limit') : '',
  };
}

/** The query string of a state; defaults are left out, so that a link stays short. */
export function toUrl(state) {
  const p = new URLSearchParams();
  for (const name of ['service', 'namespace', 'pod']) {
    if (state[name]) {
      p.set(name, state[name]);
    }
  }
  for (const level of state.levels) {
    p.append('level', level);
  }
  if (state.q) {
    p.set('q', state.q);
  }
  if (state.from && state.from !== DEFAULT_FROM) {
    p.set('from', state.from);
  }
  if (state.to && state.to !== DEFAULT_TO) {
    p.set('to', state.to);
  }
  if (state.live) {
    p.set('live', '1');
  }
  if (state.limit) {
    p.set('limit', state.limit);
  }
  const s = p.toString();
  return s ? `?${s}` : location.pathname;
}

const UNITS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };
const RELATIVE = /^now(?:-(\d+)([smhdw]))?$/;

/**
 * A time of the URL as the API takes it: {@code now} and {@code now-<n><s|m|h|d|w>} are resolved against
 * {@code now}; anything else goes to the API as written (an RFC 3339 time, or the API names what is wrong).
 */
export function resolveTime(text, now) {
  const m = RELATIVE.exec(text);
  if (m) {
    const ms = m[1] ? Number(m[1]) * UNITS[m[2]] : 0;
    const date = new Date(now - ms);
    return { text: date.toISOString(), date };
  }
  const ms = Date.parse(text);
  return { text, date: Number.isNaN(ms) ? null : new Date(ms) };
}

/** Whether a range is one of the relative presets. */
export function isPreset(from, to) {
  return to === 'now' && ['now-15m', 'now-1h', 'now-24h', 'now-7d'].includes(from);
}

/**
 * The search body of the query API for a state and its resolved window. Values go to the API as the URL gives
 * them (a level the API does not know comes back as its 400 problem, shown by the page).
 */
export function searchBody(state, window) {
  const body = { startTime: window.from.text, endTime: window.to.text };
  if (state.service) {
    body.serviceName = state.service;
  }
  if (state.levels.length) {
    body.levels = state.levels;
  }
  if (state.namespace) {
    body.namespace = state.namespace;
  }
  if (state.pod) {
    body.pod = state.pod;
  }
  if (state.q) {
    body.contains = state.q;
  }
  return body;
}

/** The page size: the URL's limit when it is a number, the default otherwise (the API checks its bounds). */
export function pageSize(state) {
  if (state.limit === '') {
    return DEFAULT_LIMIT;
  }
  const n = Number(state.limit);
  return Number.isInteger(n) ? n : state.limit;
}

/** Query parameters of GET /api/tail for a state's filters. */
export function tailParams(state) {
  const p = new URLSearchParams();
  if (state.service) {
    p.set('service', state.service);
  }
  if (state.levels.length) {
    p.set('levels', state.levels.join(','));
  }
  if (state.namespace) {
    p.set('namespace', state.namespace);
  }
  if (state.pod) {
    p.set('pod', state.pod);
  }
  if (state.q) {
    p.set('contains', state.q);
  }
  return p;
}
