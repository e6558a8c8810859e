// Sensors: name, state, version and address (from heartbeats), honeypots and where they listen, ident, first seen,
// last event and heartbeat, event rate sparkline (last 24 h).

import { get } from '../api.js';
import { h, link, pathWith, table, errorBox } from '../dom.js';
import { num, time, ago, rfc3339 } from '../fmt.js';
import { sparkline } from '../chart.js';

/** A sensor is live when heard within this many seconds, silent within `SILENT_S`, offline after. */
const LIVE_S = 300;
const SILENT_S = 3600;
/** Sparkline: this many hourly buckets. */
const HOURS = 24;

/** When the sensor was last heard: the later of its last event and its last heartbeat (ms since the epoch). */
function lastHeard(s) {
  const ev = s.events > 0 ? new Date(s.last_seen).getTime() : 0;
  const hb = s.heartbeat ? new Date(s.heartbeat).getTime() : 0;
  return Math.max(ev, hb) || new Date(s.last_seen).getTime();
}

function state(s) {
  const age = (Date.now() - lastHeard(s)) / 1000;
  if (age <= LIVE_S) return 'live';
  if (age <= SILENT_S) return 'silent';
  return 'offline';
}

/** Honeypots with their listening addresses from the last heartbeat, then those only seen on events. */
function honeypots(s) {
  const listen = (s.listen || []).map((l) => l.honeypot + ' on ' + l.addr);
  const named = new Set((s.listen || []).map((l) => l.honeypot));
  const others = (s.honeypots || []).filter((hp) => !named.has(hp));
  return listen.concat(others).join(', ');
}

/** How long ago, with the time as its tooltip; a muted dash when never. */
function when(t) {
  return t ? h('span', { title: time(t) }, ago(t)) : h('span', { class: 'muted' }, '—');
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
      const st = state(s);
      return h('span', { class: 'state state-' + st }, st);
    }],
    ['Version', (s) => s.version || h('span', { class: 'muted', title: 'no heartbeat yet' }, '—')],
    [h('span', { title: 'The IP address the sensor reports for its own end of its connection to this server (behind NAT, its private address)' }, 'Reported address'),
      (s) => s.address || h('span', { class: 'muted', title: 'the sensor has not reported an address (older version, or not connected when it sent its heartbeat)' }, 'not reported'), 'wrap'],
    ['Honeypots', honeypots, 'wrap'],
    ['Ident', (s) => s.ident || ''],
    ['First seen', (s) => time(s.first_seen)],
    ['Last event', (s) => (s.events > 0 ? when(s.last_seen) : when(null))],
    ['Last heartbeat', (s) => when(s.heartbeat)],
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
