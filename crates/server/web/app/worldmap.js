// The world map on a canvas: countries drawn once to an off-screen background, then arcs animated per frame.
// Bounded work per frame whatever the event rate: at most MAX_ARCS arcs alive, each a fixed number of points.

/** Most arcs animated at once; a newer event replaces the oldest arc. */
export const MAX_ARCS = 150;
/** How long an arc takes to travel and to fade, in milliseconds. */
const TRAVEL_MS = 1200;
const FADE_MS = 800;
/** Points per arc (great-circle interpolation, projected once). */
const ARC_POINTS = 24;

/** Colours per protocol (others grey-blue). */
const COLORS = { ssh: '#f5a623', telnet: '#d0021b', http: '#4a90e2', https: '#4a90e2', smb: '#9013fe', ftp: '#7ed321' };

let atlas = null;

/** Loads the country outlines once per page load. */
function loadAtlas() {
  if (!atlas) {
    atlas = fetch('/assets/vendor/world-atlas/countries-110m.json', { credentials: 'same-origin' }).then((r) => {
      if (!r.ok) throw new Error('the world map outlines did not load (' + r.status + ')');
      return r.json();
    });
  }
  return atlas;
}

/** A canvas world map that animates attacker → sensor arcs. */
export class WorldMap {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.arcs = [];
    this.sensors = [];
    this.fallback = null;
    this.raf = 0;
    this.stats = { frames: 0, arcs: 0, replaced: 0 };
    this.onResize = () => this.layout();
    window.addEventListener('resize', this.onResize);
  }

  /** Loads outlines and draws the background; must finish before arcs show. */
  async init() {
    if (!window.d3 || !window.d3.geoNaturalEarth1 || !window.topojson) throw new Error('the map libraries did not load');
    const topo = await loadAtlas();
    this.land = window.topojson.feature(topo, topo.objects.countries);
    this.borders = window.topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b);
    this.layout();
  }

  /** Sets sensor locations `[{id, lat, lon}]`. */
  setSensors(list) {
    this.sensors = (list || []).filter((s) => Number.isFinite(s.lat) && Number.isFinite(s.lon));
  }

  layout() {
    if (!this.land) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(320, this.canvas.parentElement.clientWidth || 960);
    const hgt = Math.round(w * 0.52);
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(hgt * dpr);
    this.canvas.style.width = w + 'px';
    this.canvas.style.height = hgt + 'px';
    this.dpr = dpr;
    this.width = w;
    this.projection = window.d3.geoNaturalEarth1().fitSize([w, hgt], { type: 'Sphere' });
    const bg = document.createElement('canvas');
    bg.width = this.canvas.width;
    bg.height = this.canvas.height;
    const c = bg.getContext('2d');
    c.scale(dpr, dpr);
    const path = window.d3.geoPath(this.projection, c);
    c.fillStyle = '#0d1117';
    c.fillRect(0, 0, w, hgt);
    c.beginPath();
    path({ type: 'Sphere' });
    c.fillStyle = '#121a26';
    c.fill();
    c.beginPath();
    path(window.d3.geoGraticule10());
    c.strokeStyle = '#1b2533';
    c.lineWidth = 0.5;
    c.stroke();
    c.beginPath();
    path(this.land);
    c.fillStyle = '#253246';
    c.fill();
    c.beginPath();
    path(this.borders);
    c.strokeStyle = '#0d1117';
    c.lineWidth = 0.6;
    c.stroke();
    this.background = bg;
    this.drawSensorsOn(c);
    this.frame(performance.now());
  }

  drawSensorsOn(c) {
    for (const s of this.sensors) {
      const p = this.projection([s.lon, s.lat]);
      if (!p) continue;
      c.beginPath();
      c.arc(p[0], p[1], 4, 0, 2 * Math.PI);
      c.fillStyle = '#50e3c2';
      c.fill();
    }
  }

  /** Where an event's arc ends: its sensor's location, the first sensor's, or nowhere (a pulse only). */
  target(ev) {
    const s = this.sensors.find((x) => x.id === ev.sensor) || this.sensors[0] || this.fallback;
    return s ? [s.lon, s.lat] : null;
  }

  /** Adds one batch of events (compact form); never more than MAX_ARCS kept. */
  add(events, now = performance.now()) {
    if (!this.projection) return;
    const start = Math.max(0, events.length - MAX_ARCS);
    for (let i = start; i < events.length; i++) {
      const ev = events[i];
      if (!Number.isFinite(ev.lat) || !Number.isFinite(ev.lon)) continue;
      const from = [ev.lon, ev.lat];
      const to = this.target(ev);
      const pts = [];
      if (to) {
        const interp = window.d3.geoInterpolate(from, to);
        for (let k = 0; k <= ARC_POINTS; k++) {
          const p = this.projection(interp(k / ARC_POINTS));
          if (p) pts.push(p);
        }
      } else {
        const p = this.projection(from);
        if (p) pts.push(p);
      }
      if (!pts.length) continue;
      const color = COLORS[String(ev.proto || '').toLowerCase()] || '#8fa8c8';
      this.arcs.push({ pts, t0: now + (i - start) * 3, color });
    }
    if (this.arcs.length > MAX_ARCS) {
      this.stats.replaced += this.arcs.length - MAX_ARCS;
      this.arcs.splice(0, this.arcs.length - MAX_ARCS);
    }
    if (!this.raf) this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  frame(now) {
    this.raf = 0;
    if (!this.background) return;
    const c = this.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.drawImage(this.background, 0, 0);
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const life = TRAVEL_MS + FADE_MS;
    this.arcs = this.arcs.filter((a) => now - a.t0 < life);
    c.lineWidth = 1.4;
    for (const a of this.arcs) {
      const age = Math.max(0, now - a.t0);
      const alpha = age < TRAVEL_MS ? 1 : 1 - (age - TRAVEL_MS) / FADE_MS;
      c.globalAlpha = Math.max(0, alpha);
      c.strokeStyle = a.color;
      c.fillStyle = a.color;
      const n = a.pts.length;
      if (n > 1) {
        const upto = Math.max(1, Math.min(n - 1, Math.floor((age / TRAVEL_MS) * (n - 1))));
        c.beginPath();
        c.moveTo(a.pts[0][0], a.pts[0][1]);
        for (let k = 1; k <= upto; k++) {
          // An arc across the antimeridian jumps from one edge to the other: lift the pen there.
          if (Math.abs(a.pts[k][0] - a.pts[k - 1][0]) > this.width / 2) c.moveTo(a.pts[k][0], a.pts[k][1]);
          else c.lineTo(a.pts[k][0], a.pts[k][1]);
        }
        c.stroke();
        const head = a.pts[upto];
        c.beginPath();
        c.arc(head[0], head[1], 2.2, 0, 2 * Math.PI);
        c.fill();
      }
      const r = 2 + 8 * Math.min(1, age / life);
      c.beginPath();
      c.arc(a.pts[0][0], a.pts[0][1], r, 0, 2 * Math.PI);
      c.stroke();
    }
    c.globalAlpha = 1;
    this.stats.frames++;
    this.stats.arcs = this.arcs.length;
    if (this.arcs.length) this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  /** Stops animating and forgets listeners. */
  destroy() {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.arcs = [];
    window.removeEventListener('resize', this.onResize);
  }
}
