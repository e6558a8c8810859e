// One attacker (source IP): geo, ASN, first/last seen, sensors, ports, credentials, commands, files, p0f guess,
// reverse DNS.

import { get } from '../api.js';
import { h, link, pathWith, table, errorBox, section } from '../dom.js';
import { num, time } from '../fmt.js';
import { sessionTable } from './sessions.js';

function counted(title, items, cell) {
  return section(title, table([['Value', cell || ((c) => h('span', { class: 'mono' }, c.value)), 'wrap'], ['Times', (c) => num(c.count)]],
    items || [], { class: 'compact', empty: 'None.' }));
}

/** Renders an attacker page. */
export async function render(main, { match }) {
  let ip;
  try {
    ip = decodeURIComponent(match[1]);
  } catch (_) {
    main.appendChild(errorBox('This attacker address is malformed.'));
    return;
  }
  main.appendChild(h('h1', null, 'Attacker ', h('span', { class: 'mono', id: 'attacker-ip' }, ip)));
  let a;
  try {
    a = await get('/api/v1/attackers/' + encodeURIComponent(ip));
  } catch (e) {
    main.appendChild(errorBox(e.message));
    return;
  }
  const geo = a.geo || {};
  const fp = a.fingerprint || {};
  const kv = h('dl', { class: 'kv summary' });
  for (const [k, v] of [
    ['Country', geo.country || 'unknown'],
    ['City', geo.city || ''],
    ['Coordinates', geo.lat !== undefined && geo.lon !== undefined ? geo.lat.toFixed(2) + ', ' + geo.lon.toFixed(2) : ''],
    ['ASN', geo.asn ? 'AS' + geo.asn : ''],
    ['AS organisation', geo.as_org || ''],
    ['First seen', time(a.first_seen)],
    ['Last seen', time(a.last_seen)],
    ['Events', num(a.events)],
    ['Sessions', num(a.sessions)],
    ['OS guess (p0f)', fp.os || 'unknown'],
    ['Link (p0f)', fp.link || ''],
    ['Uptime (p0f)', fp.uptime || ''],
    ['Distance (p0f)', fp.distance !== undefined && fp.distance !== null ? fp.distance + ' hops' : ''],
    // The PTR name is the attacker's choice: validated server-side, and only ever set as text.
    ['Hostname', fp.hostname ? fp.hostname + (fp.hostname_confirmed ? ' (forward-confirmed)' : '') : ''],
  ]) {
    kv.append(h('dt', null, k), h('dd', { class: 'mono' }, v));
  }
  main.appendChild(section('Profile', kv));
  const grid = h('div', { class: 'tops' },
    counted('Sensors', a.sensors, (c) => link(pathWith('/sessions', { src: ip, sensor: c.value }), c.value)),
    counted('Ports', a.ports, (c) => link(pathWith('/sessions', { src: ip, port: c.value }), c.value)),
    counted('Protocols', a.protocols),
    counted('Credentials tried', a.credentials),
    counted('Commands', a.commands),
    counted('Files', a.files, (c) => link(pathWith('/files', { hash: c.value }), c.value)));
  main.appendChild(grid);
  const recent = section('Recent sessions');
  main.appendChild(recent);
  try {
    const page = await get('/api/v1/sessions', { src: ip, limit: 20 });
    recent.appendChild(sessionTable(page.items || []));
    recent.appendChild(link(pathWith('/sessions', { src: ip }), 'All sessions from this address'));
  } catch (e) {
    recent.appendChild(errorBox(e.message));
  }
}
