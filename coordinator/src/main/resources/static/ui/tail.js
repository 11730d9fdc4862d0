// Live tail: GET /api/tail read with fetch streaming (EventSource cannot send the Authorization header),
// server-sent events parsed here.

import { call } from './api.js';

/**
 * Opens the tail; {@code handlers.connected()}, {@code line(obj)}, {@code dropped(n)}, {@code closed(error)}.
 * Returns a function that stops it.
 */
export function openTail(params, handlers) {
  const abort = new AbortController();
  let stopped = false;
  (async () => {
    let response;
    try {
      response = await call(`/api/tail?${params}`, { signal: abort.signal, headers: { Accept: 'text/event-stream' } }, 'the live tail');
    } catch (e) {
      if (!stopped) {
        handlers.closed(e);
      }
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += value;
        let end;
        while ((end = frameEnd(buffer)) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^(\r?\n){2}/, '');
          dispatch(frame, handlers);
        }
      }
      if (!stopped) {
        handlers.closed(null);
      }
    } catch (e) {
      if (!stopped) {
        handlers.closed(e);
      }
    }
  })();
  return () => {
    stopped = true;
    abort.abort();
  };
}

function frameEnd(buffer) {
  const a = buffer.indexOf('\n\n');
  const b = buffer.indexOf('\r\n\r\n');
  if (a < 0) {
    return b;
  }
  return b < 0 ? a : Math.min(a, b);
}

function dispatch(frame, handlers) {
  let event = 'message';
  const data = [];
  for (const raw of frame.split(/\r?\n/)) {
    if (raw.startsWith(':')) {
      if (raw.slice(1).trim() === 'connected') {
        handlers.connected();
      }
      continue;
    }
    const colon = raw.indexOf(':');
    const field = colon < 0 ? raw : raw.slice(0, colon);
    const value = colon < 0 ? '' : raw.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  if (!data.length) {
    return;
  }
  const payload = JSON.parse(data.join('\n'));
  if (event === 'dropped') {
    handlers.dropped(payload.dropped);
  } else if (event === 'message') {
    handlers.line(payload);
  }
}
