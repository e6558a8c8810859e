// Captured files: hashes, size, type guess, first/last seen, source URLs; sample download for admins. One file
// (`?hash=`) also lists the sessions that dropped it, each linked to its session and attacker pages.

import { get, isAdmin } from '../api.js';
import { h, link, pathWith, table, errorBox } from '../dom.js';
import { num, time, bytes } from '../fmt.js';
import { sessionPath, attackerPath } from './sessions.js';

const HEX = /^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

/** The hash a file is found by (SHA-256, else MD5, else SHA-1), or null. */
function fileHash(f) {
  const v = f.sha256 || f.md5 || f.sha1 || '';
  return HEX.test(v) ? v : null;
}

/** A file's hash as a link to its own view (where the sessions that dropped it are listed). */
function hashLink(f, v) {
  const key = fileHash(f);
  const text = h('span', { class: 'mono hash' }, v || '');
  return key && v ? link(pathWith('/files', { hash: key }), text) : text;
}

/** Renders the file list, or one file when `?hash=` is given. */
export async function render(main, { query }) {
  main.appendChild(h('h1', null, 'Files'));
  const hash = (query.get('hash') || '').toLowerCase();
  const box = h('section', { class: 'card', id: 'file-list' });
  main.appendChild(box);
  let items;
  let next = null;
  try {
    if (hash) {
      if (!HEX.test(hash)) throw new Error('not a hash: give an MD5, SHA-1 or SHA-256 in hex');
      items = [await get('/api/v1/files/' + hash)];
      box.appendChild(link('/files', 'All files'));
    } else {
      const page = await get('/api/v1/files', { after: query.get('after'), limit: 50 });
      items = page.items || [];
      next = page.next;
    }
  } catch (e) {
    box.appendChild(errorBox(e.message));
    return;
  }
  const admin = isAdmin();
  box.appendChild(table([
    ['SHA-256', (f) => hashLink(f, f.sha256), 'wrap'],
    ['MD5', (f) => hashLink(f, f.md5), 'wrap'],
    ['Size', (f) => bytes(f.size)],
    ['Type', (f) => f.mime || 'unknown'],
    ['First seen', (f) => time(f.first_seen)],
    ['Last seen', (f) => time(f.last_seen)],
    ['Seen', (f) => num(f.count)],
    ['Source URLs', (f) => h('ul', { class: 'plain' }, (f.urls || []).map((u) => h('li', { class: 'mono' }, u))), 'wrap'],
    ['Sample', (f) => sample(f, admin)],
  ], items, { empty: 'No file captured yet.' }));
  if (next) box.appendChild(h('div', { class: 'pager' }, link(pathWith('/files', { after: next }), 'Next page')));
  if (hash) await droppers(main, hash, query.get('after'));
}

/** Lists the sessions that downloaded or uploaded the file, newest first, one page at a time. */
async function droppers(main, hash, after) {
  const box = h('section', { class: 'card', id: 'file-sessions' }, h('h2', null, 'Dropped by'));
  main.appendChild(box);
  let page;
  try {
    page = await get('/api/v1/files/' + hash + '/sessions', { after, limit: 50 });
  } catch (e) {
    box.appendChild(errorBox(e.message));
    return;
  }
  box.appendChild(table([
    ['Time', (d) => link(sessionPath(d.session_id), time(d.ts))],
    ['Session', (d) => link(sessionPath(d.session_id), h('span', { class: 'mono' }, d.session_id)), 'wrap'],
    ['Source', (d) => link(attackerPath(d.src_ip), h('span', { class: 'ip mono' }, d.src_ip))],
    ['Sensor', (d) => d.sensor],
  ], page.items || [], { empty: 'No session is known to have dropped this file.' }));
  if (page.next) {
    box.appendChild(h('div', { class: 'pager' }, link(pathWith('/files', { hash, after: page.next }), 'Next page')));
  }
}

function sample(f, admin) {
  if (!f.stored || !f.sha256 || !/^[0-9a-f]{64}$/.test(f.sha256)) return h('span', { class: 'muted' }, 'not stored');
  if (!admin) return h('span', { class: 'muted' }, 'admins only');
  return h('a', { href: '/api/v1/files/' + f.sha256 + '/download', download: f.sha256 + '.bin', class: 'download' }, 'Download');
}
