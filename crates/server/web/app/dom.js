// Safe DOM building: every string becomes a text node or a value of an allow-listed attribute; never HTML.
// Attacker-controlled strings (usernames, passwords, commands, URLs, paths, file names) only ever pass through here.

/** Attributes that may be set from strings; none of them can run script or load anything. */
const SAFE_ATTRS = new Set([
  'class', 'id', 'type', 'name', 'value', 'placeholder', 'title', 'for', 'min', 'max', 'step', 'colspan',
  'role', 'autocomplete', 'required', 'disabled', 'selected', 'checked', 'hidden', 'download', 'lang',
  'aria-label', 'aria-live', 'aria-current', 'scope', 'width', 'height', 'maxlength', 'spellcheck', 'readonly',
]);

/** Returns `p` when it is one of our own absolute paths (`/x`, never `//host`, never a scheme). */
export function ownPath(p) {
  const s = String(p);
  if (!s.startsWith('/') || s.startsWith('//') || s.startsWith('/\\')) throw new Error('not an own path: ' + s);
  return s;
}

/**
 * Makes an element. `props`: `class`, `text`, allow-listed attributes, `data-*`, `href` (own paths only),
 * `on*` functions (listeners, never strings). Children: nodes, strings (as text), arrays, null (skipped).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'href') el.setAttribute('href', ownPath(v));
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (SAFE_ATTRS.has(k) || k.startsWith('data-')) el.setAttribute(k, v === true ? '' : String(v));
    else throw new Error('attribute not allowed: ' + k);
  }
  append(el, children);
  return el;
}

/** Appends children as `h` takes them. */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Removes every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Encodes one path segment so it holds no `/` and no `.` (the server treats a dot as a file extension). */
export function seg(v) {
  return encodeURIComponent(String(v)).replace(/\./g, '%2E');
}

/** Builds an own path with a query string from an object (empty values left out); links and API calls alike. */
export function pathWith(path, query) {
  const u = new URL(ownPath(path), location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  }
  return u.pathname + u.search;
}

/** An in-app link (navigates without a reload). */
export function link(path, ...children) {
  return h('a', { href: path, 'data-nav': '' }, ...children);
}

/**
 * A table with a header row and one row per item; `cols` are `[title, item => node|string, 'wrap'?]`. Cells stay on
 * one line unless their column is marked `wrap` (long attacker strings wrap anywhere there).
 */
export function table(cols, items, opts = {}) {
  const thead = h('thead', null, h('tr', null, cols.map(([t]) => h('th', { scope: 'col' }, t))));
  const tbody = h('tbody', null, items.map((it) => h('tr', null, cols.map(([, f, cls]) => h('td', { class: cls }, cellValue(f(it)))))));
  if (!items.length) tbody.appendChild(h('tr', null, h('td', { colspan: cols.length, class: 'muted' }, opts.empty || 'Nothing yet.')));
  return h('table', { class: 'grid' + (opts.class ? ' ' + opts.class : '') }, thead, tbody);
}

function cellValue(v) {
  return v === undefined || v === null ? '' : v;
}

/** A labelled section. */
export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

/** An error line. */
export function errorBox(msg) {
  return h('p', { class: 'error', role: 'alert' }, String(msg));
}
