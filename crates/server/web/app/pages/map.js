// Live map: arcs from attackers to sensors, a capped scrolling feed, minute/hour/day counters, and history replay.
// `/public/map` is the same without login: the anonymized stream, no replay, no links.

import { get } from '../api.js';
import { h, clear, link, errorBox } from '../dom.js';
import { num, clock, time, rfc3339, localInput, fromLocalInput } from '../fmt.js';
import { WorldMap } from '../worldmap.js';
import { openLive, compactFromFeed } from '../live.js';
import { attackerPath } from './sessions.js';

/** Longest feed kept on screen. */
const FEED_MAX = 100;
/** Most rows one frame adds (at 200 events/s nobody reads faster; the map still draws every event). */
const FEED_PER_FRAME = 25;
/** Most events one replay loads (pages of 500 from `/api/v1/feed`). */
const REPLAY_MAX = 20000;
const REPLAY_PAGE = 500;
/** Replay speeds offered (times real time). */
const SPEEDS = [1, 10, 60, 300, 1800, 3600];

/** Renders the map page. */
export async function render(main, { name }) {
  const isPublic = name === 'public-map';
  main.appendChild(h('h1', null, isPublic ? 'Live attacks (public, anonymized)' : 'Live map'));
  const status = h('span', { class: 'muted', id: 'live-status' }, 'connecting…');
  const counters = {
    minute: h('span', { class: 'n', id: 'count-minute' }, '0'),
    hour: h('span', { class: 'n', id: 'count-hour' }, '0'),
    day: h('span', { class: 'n', id: 'count-day' }, '0'),
  };
  const counterBox = h('div', { class: 'counters' },
    ['minute', 'hour', 'day'].map((k) => h('div', { class: 'counter' }, counters[k], h('span', { class: 'label' }, 'last ' + k))),
    h('div', { class: 'counter' }, status, h('span', { class: 'label' }, 'stream')));
  const canvas = h('canvas', { id: 'map-canvas', class: 'map', 'aria-label': 'World map of attacks', role: 'img' });
  const feed = h('ol', { class: 'feed', id: 'live-feed' });
  const mode = h('p', { class: 'mode', id: 'map-mode' }, 'Showing live events.');
  main.append(counterBox, h('div', { class: 'map-wrap' }, h('div', { class: 'map-box' }, canvas), h('section', { class: 'card feed-box' }, h('h2', null, 'Latest events'), mode, feed)));

  const map = new WorldMap(canvas);
  window.__apiaryMap = map;
  try {
    await map.init();
  } catch (e) {
    main.appendChild(errorBox(e.message));
  }
  if (!isPublic) {
    get('/api/v1/map').then((m) => {
      map.setSensors((m && m.sensors) || []);
      map.layout();
    }).catch(() => {});
  }

  const state = { replaying: false };
  const show = (batch) => {
    map.add(batch);
    addToFeed(feed, batch, isPublic);
  };
  const close = openLive(isPublic ? '/api/public/live' : '/api/v1/live', {
    onEvents: (batch) => {
      if (!state.replaying) show(batch);
    },
    onCounters: (c) => {
      for (const k of ['minute', 'hour', 'day']) if (c && c[k] !== undefined) counters[k].textContent = num(c[k]);
    },
    onState: (s) => {
      status.textContent = s;
    },
  });

  let stopReplay = () => {};
  if (!isPublic) {
    const r = replayControls(show, state, mode, feed);
    main.appendChild(r.box);
    stopReplay = r.stop;
  }
  return () => {
    close();
    stopReplay();
    map.destroy();
    if (window.__apiaryMap === map) window.__apiaryMap = null;
  };
}

/** Prepends one frame's events to the feed in one DOM update and trims it to FEED_MAX rows. */
function addToFeed(feed, batch, isPublic) {
  const frag = document.createDocumentFragment();
  const start = Math.max(0, batch.length - FEED_PER_FRAME);
  for (let i = batch.length - 1; i >= start; i--) frag.appendChild(feedRow(batch[i], isPublic));
  feed.insertBefore(frag, feed.firstChild);
  while (feed.childElementCount > FEED_MAX) feed.removeChild(feed.lastElementChild);
}

function feedRow(ev, isPublic) {
  let what = '';
  if (ev.username !== undefined || ev.password !== undefined) what = (ev.username ?? '') + ' / ' + (ev.password ?? '');
  else if (ev.input !== undefined) what = ev.input;
  else if (ev.url !== undefined) what = ev.url;
  const ip = String(ev.src_ip ?? '');
  return h('li', { class: 'feed-row', 'data-id': ev.id || '' },
    h('span', { class: 't' }, clock(ev.ts)),
    h('span', { class: 'cc' }, ev.country || '??'),
    isPublic || !ip ? h('span', { class: 'ip mono' }, ip) : link(attackerPath(ip), ip),
    h('span', { class: 'proto' }, (ev.proto || '') + (ev.dst_port ? ':' + ev.dst_port : '')),
    h('span', { class: 'kind' }, ev.kind || ''),
    h('span', { class: 'what mono' }, what));
}

/** The history replay form and player: loads a past window from `/api/v1/feed` and plays it at a chosen speed. */
function replayControls(show, state, mode, feed) {
  const now = Date.now();
  const from = h('input', { type: 'datetime-local', id: 'replay-from', value: localInput(now - 3600000) });
  const to = h('input', { type: 'datetime-local', id: 'replay-to', value: localInput(now) });
  const speed = h('select', { id: 'replay-speed' }, SPEEDS.map((s) => h('option', { value: s, selected: s === 60 }, s + '×')));
  const start = h('button', { type: 'submit', id: 'replay-start' }, 'Replay');
  const stopBtn = h('button', { type: 'button', id: 'replay-stop', disabled: true }, 'Back to live');
  const progress = h('span', { class: 'muted', id: 'replay-progress' });
  const form = h('form', { class: 'inline' },
    h('label', null, 'From (UTC) ', from), h('label', null, 'To (UTC) ', to), h('label', null, 'Speed ', speed), start, stopBtn, progress);
  const box = h('section', { class: 'card', id: 'replay' }, h('h2', null, 'History replay'), form);

  let timer = 0;
  let token = 0;
  const stop = () => {
    token++;
    if (timer) clearInterval(timer);
    timer = 0;
    state.replaying = false;
    stopBtn.disabled = true;
    mode.textContent = 'Showing live events.';
  };
  stopBtn.addEventListener('click', () => {
    stop();
    progress.textContent = '';
  });
  speed.addEventListener('change', () => {
    state.speed = Number(speed.value) || 60;
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    stop();
    const my = token;
    const f = fromLocalInput(from.value);
    const t = fromLocalInput(to.value);
    if (!f || !t || f >= t) {
      progress.textContent = 'Choose a start before the end.';
      return;
    }
    progress.textContent = 'loading…';
    let events;
    try {
      events = await loadWindow(f, t, (n) => {
        if (my === token) progress.textContent = 'loading… ' + num(n);
      });
    } catch (e) {
      progress.textContent = 'Replay failed: ' + e.message;
      return;
    }
    if (my !== token) return;
    if (!events.length) {
      progress.textContent = 'No events in that window.';
      return;
    }
    state.replaying = true;
    state.speed = Number(speed.value) || 60;
    stopBtn.disabled = false;
    clear(feed);
    mode.textContent = 'Replaying ' + time(f) + ' – ' + time(t) + ' (UTC).';
    play(events, state, show, (done, vt) => {
      progress.textContent = num(done) + ' / ' + num(events.length) + ' events, at ' + time(vt);
    }, () => {
      progress.textContent = 'Replay finished: ' + num(events.length) + ' events.';
      stop();
    }, (id) => {
      timer = id;
    });
  });
  return { box, stop };
}

/** Loads a window's events oldest first, page by page, at most REPLAY_MAX. */
async function loadWindow(f, t, onProgress) {
  const out = [];
  let after = '';
  for (let i = 0; i < REPLAY_MAX / REPLAY_PAGE; i++) {
    const page = await get('/api/v1/feed', { from: rfc3339(f), to: rfc3339(t), limit: REPLAY_PAGE, after });
    for (const row of page.items || []) out.push(compactFromFeed(row));
    onProgress(out.length);
    if (!page.next || out.length >= REPLAY_MAX) break;
    after = page.next;
  }
  out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return out;
}

/** Plays events on a virtual clock; every 250 ms one batch goes to `show`, as the live stream would. */
function play(events, state, show, onTick, onDone, setTimer) {
  const first = new Date(events[0].ts).getTime();
  let vt = first;
  let i = 0;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    vt += (now - last) * (state.speed || 60);
    last = now;
    const batch = [];
    while (i < events.length && new Date(events[i].ts).getTime() <= vt) batch.push(events[i++]);
    if (batch.length) show(batch);
    onTick(i, vt);
    if (i >= events.length) onDone();
  };
  setTimer(setInterval(tick, 250));
  tick();
}
