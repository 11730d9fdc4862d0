// Calls to the coordinator's API: the token (when the coordinator asks for one), problems as errors.

const TOKEN_KEY = 'logquery.token';

/** An answer that is not 2xx: its status and its RFC 9457 problem body (or text) for the page to show. */
export class ApiError extends Error {
  constructor(status, problem, what) {
    super(problem && problem.detail ? problem.detail : `${what} answered ${status}`);
    this.status = status;
    this.problem = problem;
    this.what = what;
  }
}

let askToken = async () => false;

/** The page's way of asking for a token (a dialog); resolves true when one was given. */
export function onTokenNeeded(ask) {
  askToken = ask;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

function headers(extra) {
  const h = Object.assign({}, extra);
  const t = token();
  if (t) {
    h.Authorization = `Bearer ${t}`;
  }
  return h;
}

/** fetch with the token; on 401 asks for one (once) and tries again. */
export async function call(url, init, what) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, Object.assign({}, init, { headers: headers(init && init.headers) }));
    if (response.status === 401 && attempt === 0 && await askToken()) {
      continue;
    }
    if (!response.ok) {
      throw new ApiError(response.status, await problemOf(response), what);
    }
    return response;
  }
}

async function problemOf(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body === 'object') {
      return body;
    }
  } catch (e) {
    // not JSON: shown as text
  }
  return { title: response.statusText || `HTTP ${response.status}`, detail: text.trim() || null, status: response.status };
}

export async function postJson(path, body, signal, what) {
  const response = await call(path, {
    method: 'POST', body: JSON.stringify(body), signal,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  }, what);
  return response.json();
}

export async function getJson(path, signal, what) {
  const response = await call(path, { signal, headers: { Accept: 'application/json' } }, what);
  return response.json();
}
