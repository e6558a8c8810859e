// The TTY replay player: plays an asciicast v2 recording into a Terminal (term.js) with play, pause, speed
// (0.5x-16x), a seek bar and an idle-time cap. The recording is attacker output: it only ever reaches the page as
// text nodes and class names. State for tests and scripts sits in `data-state` and `data-pos` (ms) on the player.

import { get } from './api.js';
import { h, clear } from './dom.js';
import { Terminal, TermView } from './term.js';

/** Most events kept from one recording (the server caps a recording at about 1 MiB anyway). */
const MAX_EVENTS = 200000;
/** Speeds offered. */
const SPEEDS = [0.5, 1, 2, 4, 8, 16];
/** Idle caps offered, seconds (0 = show pauses as recorded). */
const IDLE_CAPS = [0.5, 1, 2, 5, 0];

/** Parses asciicast v2 text: `{header, events: [{t (ms), code, data}]}`; throws with a reason when it is not one. */
export function parseCast(text) {
  const lines = String(text).split('\n');
  let header;
  try {
    header = JSON.parse(lines[0]);
  } catch (_) {
    throw new Error('the recording has no asciicast header');
  }
  if (!header || header.version !== 2) throw new Error('the recording is not asciicast version 2');
  const events = [];
  let last = 0;
  for (let i = 1; i < lines.length && events.length < MAX_EVENTS; i++) {
    if (!lines[i].trim()) continue;
    let e;
    try {
      e = JSON.parse(lines[i]);
    } catch (_) {
      continue;
    }
    if (!Array.isArray(e) || typeof e[0] !== 'number' || typeof e[1] !== 'string') continue;
    last = Math.max(last, e[0] * 1000);
    events.push({ t: last, code: e[1], data: String(e[2] ?? '') });
  }
  return { header, events };
}

/** `m:ss` (or `h:mm:ss`) of a time in ms. */
function clock(ms) {
  const s = Math.floor(ms / 1000);
  const mm = String(Math.floor(s / 60) % 60);
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? Math.floor(s / 3600) + ':' + mm.padStart(2, '0') + ':' + ss : mm + ':' + ss;
}

/** Builds a player for a parsed cast; returns its root element. */
export function player(cast) {
  const { header, events } = cast;
  const term = new Terminal(header.width, header.height);
  const screen = h('div', { class: 'term', id: 'replay-screen', role: 'log', 'aria-label': 'terminal replay' });
  const view = new TermView(screen);
  const playBtn = h('button', { type: 'button', id: 'replay-play' }, 'Play');
  const speedSel = h('select', { id: 'replay-speed', 'aria-label': 'speed' },
    SPEEDS.map((s) => h('option', { value: String(s), selected: s === 1 }, s + '×')));
  let cap = header.idle_time_limit > 0 ? Math.min(header.idle_time_limit, 5) : 2;
  if (!IDLE_CAPS.includes(cap)) cap = 2;
  const idleSel = h('select', { id: 'replay-idle', 'aria-label': 'idle cap' },
    IDLE_CAPS.map((c) => h('option', { value: String(c), selected: c === cap }, c ? 'pauses ≤ ' + c + ' s' : 'real pauses')));
  const seek = h('input', { type: 'range', id: 'replay-seek', min: '0', max: '0', step: '1', value: '0', 'aria-label': 'position' });
  const timeLabel = h('span', { class: 'mono muted', id: 'replay-time' }, '0:00');
  const root = h('div', { class: 'player', id: 'replay-player', 'data-state': 'paused', 'data-pos': '0' },
    h('div', { class: 'player-controls' }, playBtn, speedSel, idleSel, seek, timeLabel),
    screen);

  // The timeline with pauses capped: times[i] is when event i shows, in ms.
  let times = [];
  let duration = 0;
  const retime = () => {
    times = new Array(events.length);
    let prev = 0;
    let at = 0;
    for (let i = 0; i < events.length; i++) {
      const gap = events[i].t - prev;
      at += cap > 0 ? Math.min(gap, cap * 1000) : gap;
      prev = events[i].t;
      times[i] = at;
    }
    duration = events.length ? times[events.length - 1] : 0;
    seek.max = String(Math.ceil(duration));
  };

  let idx = 0; // next event to apply
  let pos = 0; // ms on the capped timeline
  let playing = false;
  let speed = 1;
  let lastFrame = 0;

  const apply = (e) => {
    if (e.code === 'o') {
      term.write(e.data);
    } else if (e.code === 'r') {
      const m = /^(\d+)x(\d+)$/.exec(e.data);
      if (m) term.resize(parseInt(m[1], 10), parseInt(m[2], 10));
    }
  };
  const advanceTo = (target) => {
    while (idx < events.length && times[idx] <= target) apply(events[idx++]);
    pos = Math.min(target, duration);
  };
  const show = () => {
    view.render(term);
    seek.value = String(Math.round(pos));
    timeLabel.textContent = clock(pos) + ' / ' + clock(duration);
    root.dataset.pos = String(Math.round(pos));
    root.dataset.state = playing ? 'playing' : idx >= events.length ? 'ended' : 'paused';
    playBtn.textContent = playing ? 'Pause' : 'Play';
  };
  const frame = (now) => {
    if (!playing) return;
    if (!root.isConnected) {
      playing = false;
      return;
    }
    pos += (now - lastFrame) * speed;
    lastFrame = now;
    advanceTo(pos);
    if (idx >= events.length) playing = false;
    show();
    if (playing) requestAnimationFrame(frame);
  };
  const play = () => {
    if (playing) return;
    if (idx >= events.length) jump(0);
    playing = true;
    lastFrame = performance.now();
    show();
    requestAnimationFrame(frame);
  };
  const pause = () => {
    playing = false;
    show();
  };
  /** Rebuilds the screen at `target` ms: reset, then every event up to it, drawn once. */
  const jump = (target) => {
    term.resize(header.width, header.height);
    idx = 0;
    advanceTo(Math.max(0, Math.min(duration, target)));
    lastFrame = performance.now();
    show();
  };

  playBtn.addEventListener('click', () => (playing ? pause() : play()));
  speedSel.addEventListener('change', () => {
    const v = parseFloat(speedSel.value);
    speed = SPEEDS.includes(v) ? v : 1;
  });
  idleSel.addEventListener('change', () => {
    const v = parseFloat(idleSel.value);
    cap = IDLE_CAPS.includes(v) ? v : 2;
    const shown = idx;
    retime();
    jump(shown > 0 ? times[shown - 1] : 0);
  });
  // Dragging fires many inputs; redraw at most once per frame, at the latest position.
  let seekTo = null;
  seek.addEventListener('input', () => {
    const first = seekTo === null;
    seekTo = parseFloat(seek.value) || 0;
    if (first) {
      requestAnimationFrame(() => {
        const t = seekTo;
        seekTo = null;
        jump(t);
      });
    }
  });

  retime();
  show();
  return root;
}

/** Fetches one recording's text by its SHA-256 (same-origin cookie). */
export async function fetchCast(sha256) {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('the server listed a recording without a valid SHA-256');
  const resp = await fetch('/api/v1/recordings/' + sha256, { credentials: 'same-origin', cache: 'no-store' });
  if (!resp.ok) throw new Error('cannot load the recording: ' + resp.status + ' ' + resp.statusText);
  return resp.text();
}

/**
 * The session page's replay section: a recording picker (when there are several) and the player. `names` are the
 * recordings the session detail says the server holds; their hashes come from `/api/v1/recordings`.
 */
export function replaySection(session, names) {
  const box = h('section', { class: 'card', id: 'tty-replay' }, h('h2', null, 'TTY replay'));
  if (!names.length) {
    box.appendChild(h('p', { class: 'muted' }, 'No terminal recording of this session reached the server.'));
    return box;
  }
  const slot = h('div', { class: 'player-slot' });
  const show = async (rec) => {
    clear(slot);
    slot.appendChild(h('p', { class: 'muted' }, 'Loading ' + rec.name + '…'));
    try {
      const p = player(parseCast(await fetchCast(rec.sha256)));
      clear(slot);
      if (rec.truncated) {
        slot.appendChild(h('p', { class: 'muted' }, 'Only the beginning of this recording reached the server (the sensor keeps it whole).'));
      }
      slot.appendChild(p);
    } catch (e) {
      clear(slot);
      slot.appendChild(h('p', { class: 'error' }, e.message));
    }
  };
  const head = h('div', null);
  box.append(head, slot);
  get('/api/v1/recordings', { session }).then((list) => {
    const recs = (list && list.recordings) || [];
    if (!recs.length) {
      slot.appendChild(h('p', { class: 'muted' }, 'No terminal recording of this session reached the server.'));
      return;
    }
    if (recs.length > 1) {
      const pick = h('select', { id: 'replay-file', 'aria-label': 'recording' },
        recs.map((r, i) => h('option', { value: String(i) }, r.name)));
      pick.addEventListener('change', () => show(recs[parseInt(pick.value, 10) || 0]));
      head.appendChild(h('p', null, pick));
    } else {
      head.appendChild(h('p', { class: 'mono muted' }, recs[0].name));
    }
    show(recs[0]);
  }, (e) => slot.appendChild(h('p', { class: 'error' }, e.message)));
  return box;
}
