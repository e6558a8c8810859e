// Settings (admins): dashboard users, API keys, retention. Read-only users see no controls (the server refuses anyway).

import { call, isAdmin } from '../api.js';
import { h, clear, table, errorBox, section } from '../dom.js';
import { time } from '../fmt.js';

/** Renders the settings page. */
export async function render(main) {
  main.appendChild(h('h1', null, 'Settings'));
  if (!isAdmin()) {
    main.appendChild(h('p', { class: 'muted', id: 'settings-denied' }, 'Settings are for admins: your account is read-only.'));
    return;
  }
  const users = section('Users');
  const keys = section('API keys');
  const retention = section('Retention');
  users.id = 'settings-users';
  keys.id = 'settings-keys';
  retention.id = 'settings-retention';
  main.append(users, keys, retention);
  await Promise.all([usersPart(users), keysPart(keys), retentionPart(retention)]);
}

function body(box) {
  let b = box.querySelector('.body');
  if (!b) {
    b = h('div', { class: 'body' });
    box.appendChild(b);
  }
  return clear(b);
}

function msgLine(box) {
  return box.querySelector('.msg') || box.appendChild(h('div', { class: 'msg', 'aria-live': 'polite' }));
}

async function act(box, f, reload) {
  const msg = msgLine(box);
  msg.textContent = '';
  try {
    await f();
    await reload();
  } catch (e) {
    msg.appendChild(errorBox(e.message));
  }
}

async function usersPart(box) {
  const reload = () => usersPart(box);
  const b = body(box);
  let list;
  try {
    list = await call('GET', '/api/v1/users');
  } catch (e) {
    b.appendChild(errorBox(e.message));
    return;
  }
  const items = Array.isArray(list) ? list : list.items || [];
  b.appendChild(table([
    ['User', (u) => u.username, 'wrap'],
    ['Role', (u) => u.role],
    ['', (u) => h('button', { type: 'button', class: 'danger', onclick: () => act(box, () => call('DELETE', '/api/v1/users/' + encodeURIComponent(u.username)), reload) }, 'Delete')],
  ], items, { class: 'compact' }));
  const name = h('input', { name: 'username', placeholder: 'username', required: true, autocomplete: 'off' });
  const pass = h('input', { name: 'password', type: 'password', placeholder: 'password', required: true, autocomplete: 'new-password' });
  const role = h('select', { name: 'role' }, h('option', { value: 'read-only' }, 'read-only'), h('option', { value: 'admin' }, 'admin'));
  const form = h('form', { class: 'inline', id: 'add-user' }, name, pass, role, h('button', { type: 'submit' }, 'Add user'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(box, () => call('POST', '/api/v1/users', { username: name.value, password: pass.value, role: role.value }), reload);
  });
  b.appendChild(form);
}

async function keysPart(box) {
  const reload = () => keysPart(box);
  const b = body(box);
  let list;
  try {
    list = await call('GET', '/api/v1/apikeys');
  } catch (e) {
    b.appendChild(errorBox(e.message));
    return;
  }
  const items = Array.isArray(list) ? list : list.items || [];
  b.appendChild(table([
    ['Name', (k) => k.name, 'wrap'],
    ['Access', (k) => (k.read_only ? 'read-only' : 'admin')],
    ['Created', (k) => time(k.created)],
    ['', (k) => h('button', { type: 'button', class: 'danger', onclick: () => act(box, () => call('DELETE', '/api/v1/apikeys/' + encodeURIComponent(k.name)), reload) }, 'Revoke')],
  ], items, { class: 'compact' }));
  const name = h('input', { name: 'name', placeholder: 'key name', required: true, autocomplete: 'off' });
  const ro = h('input', { type: 'checkbox', name: 'read_only', checked: true });
  const form = h('form', { class: 'inline', id: 'add-key' }, name, h('label', null, ro, ' read-only'), h('button', { type: 'submit' }, 'Create key'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(box, async () => {
      const made = await call('POST', '/api/v1/apikeys', { name: name.value, read_only: ro.checked });
      await reload();
      body(box).appendChild(h('p', { class: 'new-key' }, 'New key (shown once, copy it now): ', h('code', null, made.key)));
    }, async () => {});
  });
  b.append(form);
}

const RETENTION = [
  ['raw_days', 'Raw events (days)'],
  ['sessions_days', 'Sessions and their events (days)'],
  ['files_days', 'Files (days)'],
  ['rollups_days', 'Hourly rollups (days)'],
];

async function retentionPart(box) {
  const reload = () => retentionPart(box);
  const b = body(box);
  let r;
  try {
    r = await call('GET', '/api/v1/settings/retention');
  } catch (e) {
    b.appendChild(errorBox(e.message));
    return;
  }
  const inputs = {};
  const form = h('form', { class: 'filters', id: 'retention-form' });
  for (const [k, label] of RETENTION) {
    inputs[k] = h('input', { type: 'number', min: 0, step: 1, name: k, value: r[k] ?? 0 });
    form.appendChild(h('label', null, h('span', null, label), inputs[k]));
  }
  form.appendChild(h('p', { class: 'muted' }, '0 keeps data forever.'));
  form.appendChild(h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save retention')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body2 = {};
    for (const [k] of RETENTION) body2[k] = Math.max(0, parseInt(inputs[k].value, 10) || 0);
    act(box, () => call('PUT', '/api/v1/settings/retention', body2), reload);
  });
  b.appendChild(form);
}
