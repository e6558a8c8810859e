// Captured files: hashes, size, type guess, first/last seen, source URLs; sample download for admins.

import { get, isAdmin } from '../api.js';
import { h, link, pathWith, table, errorBox } from '../dom.js';
import { num, time, bytes } from '../fmt.js';

const HEX = /^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

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
    ['SHA-256', (f) => h('span', { class: 'mono hash' }, f.sha256 || ''), 'wrap'],
    ['MD5', (f) => h('span', { class: 'mono hash' }, f.md5 || ''), 'wrap'],
    ['Size', (f) => bytes(f.size)],
    ['Type', (f) => f.mime || 'unknown'],
    ['First seen', (f) => time(f.first_seen)],
    ['Last seen', (f) => time(f.last_seen)],
    ['Seen', (f) => num(f.count)],
    ['Source URLs', (f) => h('ul', { class: 'plain' }, (f.urls || []).map((u) => h('li', { class: 'mono' }, u))), 'wrap'],
    ['Sample', (f) => sample(f, admin)],
  ], items, { empty: 'No file captured yet.' }));
  if (next) box.appendChild(h('div', { class: 'pager' }, link(pathWith('/files', { after: next }), 'Next page')));
}

function sample(f, admin) {
  if (!f.stored || !f.sha256 || !/^[0-9a-f]{64}$/.test(f.sha256)) return h('span', { class: 'muted' }, 'not stored');
  if (!admin) return h('span', { class: 'muted' }, 'admins only');
  return h('a', { href: '/api/v1/files/' + f.sha256 + '/download', download: f.sha256 + '.bin', class: 'download' }, 'Download');
}
