// Overview: events over time by protocol (uPlot), headline counters and the top tables, for a chosen window.

import { get } from '../api.js';
import { h, clear, link, pathWith, section, table, errorBox } from '../dom.js';
import { num, WINDOWS, rfc3339, localInput, fromLocalInput } from '../fmt.js';
import { chart } from '../chart.js';

/** The top tables: API dimension, title, and how a key becomes a session search (or null: shown as text). */
const TOPS = [
  ['attackers', 'Top attackers', (k) => ({ src: k })],
  ['countries', 'Top countries', (k) => ({ country: k })],
  ['asns', 'Top ASNs', (k) => ({ asn: k })],
  ['ports', 'Top ports', (k) => ({ port: k })],
  ['usernames', 'Top usernames', (k) => ({ username: k })],
  ['passwords', 'Top passwords', (k) => ({ password: k })],
  ['credentials', 'Top credential pairs', (k) => ({ credential: k })],
  ['commands', 'Top commands', (k) => ({ command: k })],
  ['urls', 'Top downloaded URLs', (k) => ({ url: k })],
  ['hashes', 'Top downloaded hashes', 'file'],
];

/** A credential key is a JSON array `[user, password]`. */
function credPair(k) {
  try {
    const v = JSON.parse(k);
    if (Array.isArray(v)) return [String(v[0] ?? ''), v[1] === null || v[1] === undefined ? '' : String(v[1])];
  } catch (_) {
    // fall through
  }
  return [String(k), ''];
}

/** The window chosen by the query string: `w=1h|24h|7d|30d` or `from`/`to`. */
function chosenWindow(query) {
  const from = query.get('from');
  const to = query.get('to');
  if (from && to) {
    const f = new Date(from);
    const t = new Date(to);
    if (!Number.isNaN(f.getTime()) && !Number.isNaN(t.getTime()) && f < t) {
      const hours = (t - f) / 3600000;
      return { name: 'custom', from: f, to: t, bucket: hours <= 48 ? 'minute' : 'hour' };
    }
  }
  const w = WINDOWS.find(([n]) => n === query.get('w')) || WINDOWS[1];
  const to2 = new Date();
  return { name: w[0], from: new Date(to2 - w[1] * 3600000), to: to2, bucket: w[2] };
}

/** Renders the overview. */
export async function render(main, { query, navigate }) {
  const win = chosenWindow(query);
  const range = { from: rfc3339(win.from), to: rfc3339(win.to) };
  main.appendChild(h('h1', null, 'Overview'));
  main.appendChild(windowPicker(win, navigate));

  const counters = h('div', { class: 'counters', id: 'counters' });
  const chartBox = h('div', { class: 'chart', id: 'series-chart' });
  const tops = h('div', { class: 'tops', id: 'tops' });
  main.append(counters, section('Events over time by protocol', chartBox), tops);

  const [totals, series, ...topAnswers] = await Promise.all([
    get('/api/v1/totals', range).catch((e) => e),
    get('/api/v1/series', { ...range, bucket: win.bucket }).catch((e) => e),
    ...TOPS.map(([dim]) => get('/api/v1/top/' + dim, { ...range, limit: 10 }).catch((e) => e)),
  ]);

  if (totals instanceof Error) counters.appendChild(errorBox(totals.message));
  else {
    // Past 48 h the distinct count is a sketch estimate (±1.6 %): shown as such.
    const unique = (totals.attackers_estimated ? '≈ ' : '') + num(totals.attackers);
    for (const [label, n] of [['Events', num(totals.events)], ['Unique attackers', unique],
      ['Sessions', num(totals.sessions)], ['Sessions with login', num(totals.logins)], ['Downloads', num(totals.downloads)]]) {
      counters.appendChild(h('div', { class: 'counter' }, h('span', { class: 'n' }, n), h('span', { class: 'label' }, label)));
    }
  }

  if (series instanceof Error) chartBox.appendChild(errorBox(series.message));
  else drawSeries(chartBox, series.items || [], win);

  TOPS.forEach(([dim, title, toFilter], i) => {
    const ans = topAnswers[i];
    const body = ans instanceof Error ? errorBox(ans.message) : topTable(dim, ans.items || [], toFilter, range);
    tops.appendChild(h('section', { class: 'card top', 'data-dim': dim }, h('h2', null, title), body));
  });
  return null;
}

function topTable(dim, items, toFilter, range) {
  const keyCell = (it) => {
    const label = dim === 'credentials' ? credPair(it.key).join(' / ') : it.key;
    if (toFilter === 'file') return link(pathWith('/files', { hash: it.key }), label);
    if (!toFilter) return h('span', { class: 'mono' }, label);
    return link(pathWith('/sessions', { ...toFilter(it.key), ...range }), label);
  };
  return table([['Value', keyCell, 'wrap'], ['Events', (it) => num(it.count)]], items, { class: 'compact', empty: 'None in this window.' });
}

function windowPicker(win, navigate) {
  const box = h('div', { class: 'window-picker', id: 'window-picker' });
  for (const [name] of WINDOWS) {
    const b = h('button', { type: 'button', class: name === win.name ? 'on' : '', 'data-window': name }, name);
    b.addEventListener('click', () => navigate(pathWith('/overview', { w: name })));
    box.appendChild(b);
  }
  const from = h('input', { type: 'datetime-local', 'aria-label': 'From (UTC)', value: localInput(win.from) });
  const to = h('input', { type: 'datetime-local', 'aria-label': 'To (UTC)', value: localInput(win.to) });
  const go = h('button', { type: 'submit', class: win.name === 'custom' ? 'on' : '' }, 'Custom');
  const form = h('form', { class: 'inline' }, from, to, go);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = fromLocalInput(from.value);
    const t = fromLocalInput(to.value);
    if (f && t && f < t) navigate(pathWith('/overview', { from: rfc3339(f), to: rfc3339(t) }));
  });
  box.appendChild(form);
  box.appendChild(h('span', { class: 'muted' }, 'times in UTC'));
  return box;
}

/** Turns `[{t, proto, count}]` into uPlot's columns, one series per protocol, zero-filled per bucket. */
function drawSeries(box, items, win) {
  clear(box);
  const step = win.bucket === 'minute' ? 60 : 3600;
  const start = Math.floor(win.from.getTime() / 1000 / step) * step;
  const end = Math.floor(win.to.getTime() / 1000 / step) * step;
  const xs = [];
  for (let t = start; t <= end && xs.length < 20000; t += step) xs.push(t);
  const index = new Map(xs.map((t, i) => [t, i]));
  const protos = [...new Set(items.map((p) => p.proto))].sort();
  const cols = protos.map(() => new Array(xs.length).fill(0));
  for (const p of items) {
    const i = index.get(Math.floor(new Date(p.t).getTime() / 1000 / step) * step);
    if (i !== undefined) cols[protos.indexOf(p.proto)][i] += p.count;
  }
  if (!protos.length) box.appendChild(h('p', { class: 'muted' }, 'No events in this window.'));
  chart(box, xs, protos, cols, { height: 260 });
  box.setAttribute('data-series', protos.join(','));
}
