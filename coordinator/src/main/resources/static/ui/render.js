// Log lines as HTML: one string per batch, inserted in one pass (no layout per line).

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s) {
  return s == null ? '' : String(s).replace(/[&<>"']/g, c => ESCAPES[c]);
}

const pad = (n, w) => String(n).padStart(w, '0');

/** An RFC 3339 time in the browser's zone: {@code 2026-12-03 06:04:05.123456} (the API's microseconds kept). */
export function localTime(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    return iso;
  }
  const d = new Date(ms);
  const frac = /\.(\d+)/.exec(iso);
  const digits = frac ? frac[1].padEnd(6, '0').slice(0, 6) : '000000';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} `
    + `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${digits}`;
}

/** A short local time for axes: {@code 06:04:05} or {@code 12-03 06:04}. */
export function shortTime(date, withDay) {
  const hm = `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}`;
  return withDay ? `${pad(date.getMonth() + 1, 2)}-${pad(date.getDate(), 2)} ${hm}` : `${hm}:${pad(date.getSeconds(), 2)}`;
}

export const ZONE = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  } catch (e) {
    return 'local time';
  }
})();

/**
 * One line's HTML. {@code index} finds the line again in the page's list (data-i); {@code testid} tells the
 * results ("log-row") from context lines ("context-row").
 */
export function rowHtml(line, index, testid, extraClass) {
  const level = escapeHtml(line.level);
  return `<div class="row lvl-${level}${extraClass ? ' ' + extraClass : ''}" role="listitem" tabindex="0"`
    + ` aria-expanded="false" data-testid="${testid}" data-i="${index}" data-ts="${escapeHtml(line.timestamp)}"`
    + ` data-service="${escapeHtml(line.service)}" data-level="${level}">`
    + `<time datetime="${escapeHtml(line.timestamp)}" title="${escapeHtml(line.timestamp)} (UTC)">${escapeHtml(localTime(line.timestamp))}</time>`
    + `<span class="level">${level}</span>`
    + `<span class="svc" title="${escapeHtml(line.service)}">${escapeHtml(line.service)}</span>`
    + `<span class="msg" data-testid="message">${escapeHtml(line.message)}</span></div>`;
}

export function rowsHtml(lines, start, testid) {
  let html = '';
  for (let i = 0; i < lines.length; i++) {
    html += rowHtml(lines[i], start + i, testid);
  }
  return html;
}

/** The expanded view of a line: every field and attribute, the whole message, and its actions. */
export function detailsHtml(line, withContext) {
  const fields = [
    ['timestamp (UTC)', line.timestamp],
    [`timestamp (${ZONE})`, localTime(line.timestamp)],
    ['service', line.service],
    ['level', line.level],
    ['namespace', line.namespace],
    ['pod', line.pod],
    ['container', line.container],
  ];
  if (line.partition != null) {
    fields.push(['shard', line.partition]);
  }
  const attributes = line.attributes ? Object.keys(line.attributes).sort() : [];
  let html = '<div class="details" data-testid="row-details" role="region" aria-label="Line details"><dl>';
  for (const [k, v] of fields) {
    html += `<dt>${escapeHtml(k)}</dt><dd>${v == null ? '<i>none</i>' : escapeHtml(v)}</dd>`;
  }
  for (const k of attributes) {
    html += `<dt>${escapeHtml(k)}</dt><dd data-testid="attribute" data-key="${escapeHtml(k)}">${escapeHtml(line.attributes[k])}</dd>`;
  }
  html += `</dl><pre data-testid="full-message">${escapeHtml(line.message)}</pre>`;
  if (withContext) {
    html += line.pod
      ? '<button type="button" data-action="context" data-testid="context-button">Show context</button>'
      : '<span class="muted">no pod: no context</span>';
  }
  return html + '</div>';
}
