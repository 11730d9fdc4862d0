// The log volume histogram: counts per bucket stacked by level (POST /api/query/volume), drawn as SVG.
// Dragging across it (or clicking a bar) narrows the time range.

import { LEVELS } from './state.js';
import { escapeHtml, localTime, shortTime } from './render.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 1000;
const H = 100;

/**
 * Draws {@code answer} into {@code box}; {@code onRange(from, to)} is called with Dates when the user selects a
 * part of the window.
 */
export function drawHistogram(box, answer, onRange) {
  const buckets = answer.buckets;
  const n = buckets.length;
  const start = Date.parse(buckets[0].time);
  const stepMs = answer.step * 1000;
  const end = start + n * stepMs;
  const max = Math.max(1, ...buckets.map(b => b.total));
  const bw = W / n;
  const gap = bw > 4 ? Math.min(2, bw * 0.15) : 0;
  let html = `<svg xmlns="${SVG}" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img"`
    + ` aria-label="${answer.total} lines in ${n} buckets of ${answer.step} s">`;
  buckets.forEach((b, i) => {
    const x = i * bw;
    let y = H;
    const parts = [];
    let rects = '';
    for (const level of LEVELS) {
      const c = b.counts[level];
      if (!c) {
        continue;
      }
      const h = (c / max) * (H - 2);
      y -= h;
      rects += `<rect class="b-${level}" x="${x + gap / 2}" y="${y}" width="${Math.max(0.5, bw - gap)}" height="${h}"></rect>`;
      parts.push(`${level} ${c}`);
    }
    const title = `${localTime(b.time)}: ${b.total} line${b.total === 1 ? '' : 's'}${parts.length ? ' (' + parts.join(', ') + ')' : ''}`;
    html += `<g class="bucket" data-testid="volume-bucket" data-time="${escapeHtml(b.time)}" data-count="${b.total}">`
      + `<title>${escapeHtml(title)}</title>`
      // a transparent full-height target, so that empty buckets show their tooltip too
      + `<rect x="${x}" y="0" width="${bw}" height="${H}" fill="transparent"></rect>${rects}</g>`;
  });
  html += `<rect class="sel" x="0" y="0" width="0" height="${H}" visibility="hidden"></rect></svg>`;
  box.innerHTML = html;
  const svg = box.firstElementChild;
  const sel = svg.lastElementChild;
  const timeAt = clientX => {
    const r = svg.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
    return start + f * (end - start);
  };
  const xAt = clientX => {
    const r = svg.getBoundingClientRect();
    return Math.min(W, Math.max(0, ((clientX - r.left) / r.width) * W));
  };
  let down = null;
  svg.onpointerdown = e => {
    if (e.button !== 0) {
      return;
    }
    down = { clientX: e.clientX, x: xAt(e.clientX) };
    svg.setPointerCapture(e.pointerId);
  };
  svg.onpointermove = e => {
    if (!down) {
      return;
    }
    const x = xAt(e.clientX);
    sel.setAttribute('x', Math.min(x, down.x));
    sel.setAttribute('width', Math.abs(x - down.x));
    sel.setAttribute('visibility', 'visible');
  };
  svg.onpointerup = e => {
    if (!down) {
      return;
    }
    const from = down.clientX;
    down = null;
    sel.setAttribute('visibility', 'hidden');
    if (Math.abs(e.clientX - from) >= 4) {
      const a = timeAt(Math.min(from, e.clientX));
      const b = timeAt(Math.max(from, e.clientX));
      onRange(new Date(a), new Date(b));
    } else {
      // a click: the bucket under the pointer
      const i = Math.min(n - 1, Math.floor((timeAt(e.clientX) - start) / stepMs));
      onRange(new Date(start + i * stepMs), new Date(start + (i + 1) * stepMs - 1));
    }
  };
  svg.onpointercancel = () => {
    down = null;
    sel.setAttribute('visibility', 'hidden');
  };
  const days = end - start > 86400e3;
  return { start: shortTime(new Date(start), days), end: shortTime(new Date(end), days), max };
}
