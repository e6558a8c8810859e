// Sensors: name, honeypots, ident, first/last seen, event rate sparkline (last 24 h), state.

import { get } from '../api.js';
import { h, link, pathWith, table, errorBox } from '../dom.js';
import { num, time, ago, rfc3339 } from '../fmt.js';
import { sparkline } from '../chart.js';

/** A sensor is live when heard within this many seconds, silent within `SILENT_S`, offline after. */
const LIVE_S = 300;
const SILENT_S = 3600;
/** Sparkline: this many hourly buckets. */
const HOURS = 24;

function state(last) {
  const s = (Date.now() - new Date(last).getTime()) / 1000;
  if (s <= LIVE_S) return 'live';
  if (s <= SILENT_S) return 'silent';
  return 'offline';
}

/** Renders the sensor table. */
export async function render(main) {
  main.appendChild(h('h1', null, 'Sensors'));
  const box = h('section', { class: 'card', id: 'sensor-list' });
  main.appendChild(box);
  let items;
  try {
    items = (await get('/api/v1/sensors')).items || [];
  } catch (e) {
    box.appendChild(errorBox(e.message));
    return;
  }
  const sparks = new Map(items.map((s) => [s.id, h('div', { class: 'spark' })]));
  box.appendChild(table([
    ['Sensor', (s) => link(pathWith('/sessions', { sensor: s.id }), s.id), 'wrap'],
    ['State', (s) => {
      const st = state(s.last_seen);
      return h('span', { class: 'state state-' + st }, st);
    }],
    ['Honeypots', (s) => (s.honeypots || []).join(', '), 'wrap'],
    ['Ident', (s) => s.ident || ''],
    ['First seen', (s) => time(s.first_seen)],
    ['Last seen', (s) => time(s.last_seen) + ' (' + ago(s.last_seen) + ')'],
    ['Events', (s) => num(s.events)],
    ['Events per hour, 24 h', (s) => sparks.get(s.id)],
  ], items, { empty: 'No sensor has reported yet.' }));
  if (items.length) await drawSparks(sparks);
}

/** One `top/sensors` query per hour of the last day (rollups are hourly, so each is cheap). */
async function drawSparks(sparks) {
  const hourMs = 3600000;
  const end = Math.floor(Date.now() / hourMs) * hourMs + hourMs;
  const starts = [];
  for (let i = HOURS; i > 0; i--) starts.push(end - i * hourMs);
  const answers = await Promise.all(starts.map((t) =>
    get('/api/v1/top/sensors', { from: rfc3339(t), to: rfc3339(t + hourMs), limit: 1000 }).catch(() => ({ items: [] }))));
  const xs = starts.map((t) => t / 1000);
  for (const [id, box] of sparks) {
    const ys = answers.map((a) => {
      const e = (a.items || []).find((it) => it.key === id);
      return e ? e.count : 0;
    });
    sparkline(box, xs, ys);
    box.setAttribute('title', 'events per hour, last 24 h: ' + ys.join(' '));
  }
}
