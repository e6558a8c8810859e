// Session search: every `/api/v1/sessions` filter as a form field, results with cursor paging.

import { get } from '../api.js';
import { h, link, pathWith, seg, table, errorBox } from '../dom.js';
import { num, time, rfc3339, localInput, fromLocalInput } from '../fmt.js';

/** The API's filters: query name, label, input type. */
const FILTERS = [
  ['src', 'Source IP or CIDR', 'text'],
  ['country', 'Country', 'text'],
  ['asn', 'ASN', 'number'],
  ['port', 'Port', 'number'],
  ['proto', 'Protocol', 'text'],
  ['honeypot', 'Honeypot', 'text'],
  ['sensor', 'Sensor', 'text'],
  ['username', 'Username tried', 'text'],
  ['password', 'Password tried', 'text'],
  ['credential', 'Credential pair ["user","password"]', 'text'],
  ['command', 'Command typed', 'text'],
  ['url', 'Downloaded from URL', 'text'],
  ['hash', 'Dropped file hash', 'text'],
];

/** The path of a session's page. */
export function sessionPath(id) {
  return '/sessions/' + seg(id);
}

/** The path of an attacker's page. */
export function attackerPath(ip) {
  return '/attackers/' + seg(ip);
}

/** Renders the search form and one page of results. */
export async function render(main, { query, navigate }) {
  main.appendChild(h('h1', null, 'Sessions'));
  const fields = {};
  const form = h('form', { class: 'filters card', id: 'session-filters' });
  for (const [name, label, type] of FILTERS) {
    const input = h('input', { id: 'f-' + name, name, type, value: query.get(name) || '', spellcheck: 'false' });
    fields[name] = input;
    form.appendChild(h('label', null, h('span', null, label), input));
  }
  const from = h('input', { id: 'f-from', type: 'datetime-local', value: query.get('from') ? localInput(query.get('from')) : '' });
  const to = h('input', { id: 'f-to', type: 'datetime-local', value: query.get('to') ? localInput(query.get('to')) : '' });
  const dl = h('select', { id: 'f-has_download', name: 'has_download' },
    h('option', { value: '' }, 'any'),
    h('option', { value: 'true', selected: query.get('has_download') === 'true' }, 'with download'),
    h('option', { value: 'false', selected: query.get('has_download') === 'false' }, 'without download'));
  form.append(
    h('label', null, h('span', null, 'From (UTC)'), from),
    h('label', null, h('span', null, 'To (UTC)'), to),
    h('label', null, h('span', null, 'Downloads'), dl),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Search'), link('/sessions', 'Clear')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = {};
    for (const [name, input] of Object.entries(fields)) q[name] = input.value.trim();
    const f = fromLocalInput(from.value);
    const t = fromLocalInput(to.value);
    if (f) q.from = rfc3339(f);
    if (t) q.to = rfc3339(t);
    q.has_download = dl.value;
    navigate(pathWith('/sessions', q));
  });
  main.appendChild(form);

  const q = {};
  for (const [name] of FILTERS) q[name] = query.get(name);
  for (const name of ['from', 'to', 'has_download', 'after', 'limit']) q[name] = query.get(name);
  const results = h('section', { class: 'card', id: 'session-results' });
  main.appendChild(results);
  let page;
  try {
    page = await get('/api/v1/sessions', q);
  } catch (e) {
    results.appendChild(errorBox(e.message));
    return;
  }
  results.appendChild(sessionTable(page.items || []));
  const nav = h('div', { class: 'pager' });
  if (q.after) nav.appendChild(link(pathWith('/sessions', { ...q, after: '' }), 'First page'));
  if (page.next) nav.appendChild(link(pathWith('/sessions', { ...q, after: page.next }), 'Next page'));
  results.appendChild(nav);
}

/** The session list as a table (also used by the attacker page). */
export function sessionTable(items) {
  return table([
    ['Start', (s) => link(sessionPath(s.id), time(s.start))],
    ['Source', (s) => link(attackerPath(s.src_ip), s.src_ip)],
    ['Country', (s) => (s.geo && s.geo.country) || ''],
    ['ASN', (s) => (s.geo && s.geo.asn ? 'AS' + s.geo.asn : '')],
    ['Proto', (s) => s.proto],
    ['Port', (s) => String(s.dst_port)],
    ['Sensor', (s) => s.sensor, 'wrap'],
    ['Logins tried', (s) => num(s.auth_attempts)],
    ['Logged in as', (s) => (s.login ? h('span', { class: 'mono cred' }, s.login[0] + ' / ' + (s.login[1] ?? '')) : ''), 'wrap'],
    ['Commands', (s) => num(s.commands)],
    ['Downloads', (s) => num(s.downloads)],
    ['Client', (s) => h('span', { class: 'mono' }, s.client_version || ''), 'wrap'],
  ], items, { empty: 'No session matches.' });
}
