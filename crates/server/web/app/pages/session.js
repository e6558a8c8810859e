// One session: its summary, the TTY replay player for its recordings, and its timeline (every event in order).

import { get } from '../api.js';
import { h, link, pathWith, table, errorBox, section } from '../dom.js';
import { time, bytes, num } from '../fmt.js';
import { attackerPath } from './sessions.js';
import { replaySection } from '../player.js';

/** What a timeline entry shows, per event kind: a list of `[label, value]`. */
function details(ev) {
  switch (ev.kind) {
    case 'session.start':
      return [['client', ev.client_version], ['hassh', ev.hassh]];
    case 'session.end':
      return [['duration', ev.duration_ms + ' ms'], ['in', bytes(ev.bytes_in)], ['out', bytes(ev.bytes_out)], ['reason', ev.reason]];
    case 'auth':
      return [['method', ev.method], ['username', ev.username], ['password', ev.password], ['key', ev.key_fingerprint],
        ['result', ev.success ? 'success' : 'failed']];
    case 'command':
      return [['input', ev.input], ['known', ev.recognized ? 'yes' : 'no']];
    case 'file.download':
    case 'file.upload':
      return [['url', ev.url], ['file', ev.filename], ['sha256', ev.sha256], ['md5', ev.md5], ['size', bytes(ev.size)],
        ['type', ev.mime], ['stored', ev.stored ? 'yes' : 'no' + (ev.reason ? ' (' + ev.reason + ')' : '')]];
    case 'tcpip.request':
      return [['target', ev.target_host + ':' + ev.target_port], ['first bytes', ev.first_bytes]];
    case 'http.request':
      return [['method', ev.method], ['path', ev.path], ['query', ev.query],
        ['headers', (ev.headers || []).map(([k, v]) => k + ': ' + v).join('\n')], ['body', ev.body],
        ['classes', (ev.classification || []).join(', ')]];
    case 'scan':
      return [['type', ev.scan_type], ['ports', (ev.ports || []).join(', ')]];
    case 'alert':
      return [['signature', String(ev.signature_id)], ['message', ev.message], ['severity', String(ev.severity)], ['category', ev.category]];
    case 'fingerprint':
      return [['os', ev.os], ['link', ev.link], ['uptime', ev.uptime], ['distance', ev.distance], ['app', ev.app]];
    case 'request':
      return [['request', ev.request], ['response', ev.response]];
    case 'raw':
      return [['channel', ev.channel], ['reason', ev.reason], ['payload', ev.payload]];
    default:
      return [];
  }
}

function detailList(ev) {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of details(ev)) {
    if (v === undefined || v === null || v === '') continue;
    dl.append(h('dt', null, k), h('dd', { class: 'mono' }, String(v)));
  }
  return dl;
}

/** Renders a session page. */
export async function render(main, { match }) {
  let id;
  try {
    id = decodeURIComponent(match[1]);
  } catch (_) {
    main.appendChild(errorBox('This session address is malformed: open the session from the search page.'));
    return;
  }
  main.appendChild(h('h1', null, 'Session ', h('span', { class: 'mono', id: 'session-id' }, id)));
  let d;
  try {
    d = await get('/api/v1/sessions/' + encodeURIComponent(id));
  } catch (e) {
    main.appendChild(errorBox(e.message));
    return;
  }
  const s = d.session;
  const geo = s.geo || {};
  const kv = h('dl', { class: 'kv summary' });
  for (const [k, v] of [
    ['Source', link(attackerPath(s.src_ip), s.src_ip + ':' + s.src_port)],
    ['Where', [geo.country, geo.city].filter(Boolean).join(', ')],
    ['ASN', geo.asn ? 'AS' + geo.asn + (geo.as_org ? ' ' + geo.as_org : '') : ''],
    ['Sensor', link(pathWith('/sessions', { sensor: s.sensor }), s.sensor)],
    ['Honeypot', s.honeypot + ' (' + s.proto + ' port ' + s.dst_port + ')'],
    ['Start', time(s.start)],
    ['End', s.end ? time(s.end) : 'open'],
    ['Client', s.client_version || ''],
    ['HASSH', s.hassh || ''],
    ['Logins tried', num(s.auth_attempts)],
    ['Logged in as', s.login ? s.login[0] + ' / ' + (s.login[1] ?? '') : 'no'],
    ['Commands', num(s.commands)],
    ['Downloads', num(s.downloads)],
  ]) {
    kv.append(h('dt', null, k), h('dd', { class: 'mono' }, v));
  }
  main.appendChild(section('Summary', kv));
  main.appendChild(replaySection(id, d.recordings || []));
  main.appendChild(section('Timeline', table([
    ['Time', (e) => time(e.ts)],
    ['Event', (e) => h('span', { class: 'kind kind-' + e.kind.replace(/[^a-z]/g, '-') }, e.kind)],
    ['Details', (e) => detailList(e), 'wrap'],
  ], d.timeline || [], { class: 'timeline', empty: 'No events recorded.' })));
}
