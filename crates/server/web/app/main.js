// The single page: client-side routing by `location.pathname`, the session bootstrap and the header.

import { call, session, setUnauthorizedHandler, isAdmin, ApiError } from './api.js';
import { clear, errorBox, pathWith } from './dom.js';
import * as login from './pages/login.js';
import * as overview from './pages/overview.js';
import * as map from './pages/map.js';
import * as sessions from './pages/sessions.js';
import * as sessionPage from './pages/session.js';
import * as attacker from './pages/attacker.js';
import * as files from './pages/files.js';
import * as sensors from './pages/sensors.js';
import * as settings from './pages/settings.js';

/** Path patterns to pages; `public` pages need no login. */
const ROUTES = [
  [/^\/login$/, login, 'login', true],
  [/^\/public\/map$/, map, 'public-map', true],
  [/^\/(overview)?$/, overview, 'overview'],
  [/^\/map$/, map, 'map'],
  [/^\/sessions$/, sessions, 'sessions'],
  [/^\/sessions\/(.+)$/, sessionPage, 'session'],
  [/^\/attackers\/(.+)$/, attacker, 'attacker'],
  [/^\/files$/, files, 'files'],
  [/^\/sensors$/, sensors, 'sensors'],
  [/^\/settings$/, settings, 'settings'],
];

const main = document.getElementById('main');
let cleanup = null;
let generation = 0;

/** Goes to an own path without reloading. */
export function navigate(path, replace) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

function toLogin() {
  const here = location.pathname + location.search;
  session.me = null;
  showHeader();
  if (location.pathname !== '/login') navigate(pathWith('/login', { next: here }), true);
}

function showHeader() {
  const me = session.me;
  document.getElementById('nav').hidden = !me;
  document.getElementById('nav-settings').hidden = !isAdmin();
  document.getElementById('logout').hidden = !me;
  const who = document.getElementById('who');
  who.textContent = me ? me.username + ' (' + me.role + ')' : '';
  for (const a of document.querySelectorAll('#nav a')) {
    const page = a.getAttribute('data-page');
    if (location.pathname === '/' + page || location.pathname.startsWith('/' + page + '/')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  const gen = ++generation;
  if (cleanup) {
    try {
      cleanup();
    } catch (_) {
      // a page's cleanup failing must not block the next page
    }
    cleanup = null;
  }
  const path = location.pathname;
  const found = ROUTES.find(([re]) => re.test(path));
  if (!found) {
    clear(main).appendChild(errorBox('No page at this address. Use the menu above.'));
    return;
  }
  const [re, page, name, isPublic] = found;
  const m = path.match(re);
  if (!isPublic && !session.me) {
    try {
      session.me = await call('GET', '/api/v1/me');
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof ApiError && e.status === 401) return toLogin();
      clear(main).appendChild(errorBox('Cannot reach the server: ' + e.message));
      return;
    }
  }
  if (gen !== generation) return;
  showHeader();
  clear(main);
  document.body.setAttribute('data-page', name);
  const params = { match: m, query: new URLSearchParams(location.search), name, navigate };
  try {
    const c = await page.render(main, params);
    if (gen !== generation) {
      if (typeof c === 'function') c();
      return;
    }
    cleanup = typeof c === 'function' ? c : null;
  } catch (e) {
    if (gen !== generation) return;
    main.appendChild(errorBox(e.message || String(e)));
  }
  main.setAttribute('data-ready', String(gen));
}

document.addEventListener('click', (ev) => {
  const a = ev.target instanceof Element ? ev.target.closest('a[data-nav]') : null;
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//')) return;
  ev.preventDefault();
  navigate(href);
});

window.addEventListener('popstate', route);

document.getElementById('logout').addEventListener('click', async () => {
  try {
    await call('POST', '/api/v1/logout');
  } catch (_) {
    // logged out either way
  }
  session.me = null;
  navigate('/login');
});

setUnauthorizedHandler(toLogin);

/** Called by the login page once the server accepted the credentials. */
export function loggedIn(me, next) {
  session.me = me;
  const own = next && /^\/(?![\/\\])/.test(next) && !next.startsWith('/login');
  const target = own ? next : '/overview';
  navigate(target, true);
}

window.addEventListener('DOMContentLoaded', route);
if (document.readyState !== 'loading') route();

