// A small VT100/xterm subset for replaying recorded sessions: printable text, CR/LF/BS/TAB, cursor movement, erase
// in line and screen, scrolling, and SGR colours (16 colours; 256-colour and RGB mapped to the nearest of them).
// Unknown sequences are read and ignored. The screen is bounded (MAX_COLS x MAX_ROWS), so a hostile recording cannot
// grow memory; rendering makes text nodes and class names only (never HTML, never inline styles).

import { clear } from './dom.js';

/** Largest terminal drawn; bigger sizes in a recording are clamped. */
export const MAX_COLS = 300;
export const MAX_ROWS = 120;
/** Longest escape sequence kept while parsing; longer ones are dropped as garbage. */
const MAX_SEQ = 256;

/** Default colour (no class) is index 16 in the attribute bits. */
const DEF = 16;
const BOLD = 1 << 10;
const UNDER = 1 << 11;
const INV = 1 << 12;
const BASE = DEF | (DEF << 5);

/** The nearest of the 16 ANSI colours to an RGB triple (0-255 each). */
function nearest16(r, g, b) {
  const hi = Math.max(r, g, b) > 170;
  const on = (v) => (v > 85 ? 1 : 0);
  let idx = on(r) | (on(g) << 1) | (on(b) << 2);
  if (idx === 0 && Math.max(r, g, b) > 60) return 8;
  if (idx === 7 && !hi) return 7;
  return idx + (hi && idx !== 0 ? 8 : 0);
}

/** A 256-colour index to one of 16. */
function from256(n) {
  if (n < 16) return n;
  if (n >= 232) {
    const v = n - 232;
    return v < 6 ? 0 : v < 14 ? 8 : v < 20 ? 7 : 15;
  }
  const c = n - 16;
  const lv = [0, 95, 135, 175, 215, 255];
  return nearest16(lv[Math.floor(c / 36)], lv[Math.floor(c / 6) % 6], lv[c % 6]);
}

/** One terminal screen with a cursor and the current drawing attributes. */
export class Terminal {
  constructor(cols, rows) {
    this.resize(cols, rows);
  }

  /** Clears everything and sets the size (clamped to the bounds). */
  resize(cols, rows) {
    this.cols = Math.min(MAX_COLS, Math.max(1, cols | 0 || 80));
    this.rows = Math.min(MAX_ROWS, Math.max(1, rows | 0 || 24));
    this.reset();
  }

  /** Back to a blank screen, cursor home, default attributes, parser idle. */
  reset() {
    this.attr = BASE;
    this.dirty = new Set();
    this.chars = [];
    this.attrs = [];
    for (let y = 0; y < this.rows; y++) this.blankRow(y);
    this.x = 0;
    this.y = 0;
    this.saved = [0, 0, BASE];
    this.top = 0;
    this.bottom = this.rows - 1;
    this.state = 0; // 0 text, 1 ESC, 2 CSI, 3 OSC/DCS string, 4 ESC inside a string, 5 charset designation
    this.seq = '';
  }

  /** Makes row y blank in the current background colour. */
  blankRow(y) {
    this.chars[y] = new Array(this.cols).fill(' ');
    this.attrs[y] = new Uint16Array(this.cols).fill(this.attr & ~(BOLD | UNDER | INV));
    this.dirty.add(y);
  }

  /** Feeds output text (already decoded) through the parser. */
  write(text) {
    for (const ch of text) {
      const c = ch.codePointAt(0);
      switch (this.state) {
        case 0:
          if (c === 0x1b) {
            this.state = 1;
          } else if (c < 0x20 || c === 0x7f) {
            this.control(c);
          } else if (c >= 0x80 && c < 0xa0) {
            if (c === 0x9b) { this.state = 2; this.seq = ''; }
          } else {
            this.put(ch);
          }
          break;
        case 1:
          this.escape(ch);
          break;
        case 2:
          if (c >= 0x40 && c <= 0x7e) {
            this.state = 0;
            this.csi(this.seq, ch);
          } else if (c === 0x1b) {
            this.state = 1;
          } else if (c === 0x18 || c === 0x1a) {
            this.state = 0;
          } else if (this.seq.length < MAX_SEQ) {
            this.seq += ch;
          } else {
            this.state = 0;
          }
          break;
        case 3:
          if (c === 0x07) this.state = 0;
          else if (c === 0x1b) this.state = 4;
          break;
        case 4:
          this.state = ch === '\\' ? 0 : 3;
          break;
        case 5:
          this.state = 0;
          break;
      }
    }
  }

  /** C0 controls. */
  control(c) {
    switch (c) {
      case 0x08: if (this.x > 0) this.x = Math.min(this.x, this.cols) - 1; break;
      case 0x09: this.x = Math.min(this.cols - 1, (Math.floor(this.x / 8) + 1) * 8); break;
      case 0x0a: case 0x0b: case 0x0c: this.lineFeed(); break;
      case 0x0d: this.x = 0; break;
      default: break;
    }
  }

  /** The byte after ESC. */
  escape(ch) {
    this.state = 0;
    switch (ch) {
      case '[': this.state = 2; this.seq = ''; break;
      case ']': case 'P': case '_': case '^': case 'X': this.state = 3; break;
      case '(': case ')': case '*': case '+': case '#': case '%': this.state = 5; break;
      case '7': this.saved = [this.x, this.y, this.attr]; break;
      case '8': [this.x, this.y, this.attr] = this.saved; break;
      case 'D': this.lineFeed(); break;
      case 'E': this.x = 0; this.lineFeed(); break;
      case 'M': this.reverseIndex(); break;
      case 'c': this.reset(); break;
      default: break;
    }
  }

  /** Prints one character at the cursor, wrapping at the right margin. */
  put(ch) {
    if (this.x >= this.cols) {
      this.x = 0;
      this.lineFeed();
    }
    this.chars[this.y][this.x] = ch;
    this.attrs[this.y][this.x] = this.attr;
    this.dirty.add(this.y);
    this.x++;
  }

  lineFeed() {
    if (this.y === this.bottom) this.scrollUp(1);
    else if (this.y < this.rows - 1) this.y++;
  }

  reverseIndex() {
    if (this.y === this.top) this.scrollDown(1);
    else if (this.y > 0) this.y--;
  }

  scrollUp(n) {
    for (let i = 0; i < n; i++) {
      this.chars.splice(this.top, 1);
      this.attrs.splice(this.top, 1);
      this.chars.splice(this.bottom, 0, null);
      this.attrs.splice(this.bottom, 0, null);
      this.blankRow(this.bottom);
    }
    for (let y = this.top; y <= this.bottom; y++) this.dirty.add(y);
  }

  scrollDown(n) {
    for (let i = 0; i < n; i++) {
      this.chars.splice(this.bottom, 1);
      this.attrs.splice(this.bottom, 1);
      this.chars.splice(this.top, 0, null);
      this.attrs.splice(this.top, 0, null);
      this.blankRow(this.top);
    }
    for (let y = this.top; y <= this.bottom; y++) this.dirty.add(y);
  }

  /** Erases columns [from, to) of row y. */
  eraseRow(y, from, to) {
    const a = this.attr & ~(BOLD | UNDER | INV);
    for (let x = Math.max(0, from); x < Math.min(this.cols, to); x++) {
      this.chars[y][x] = ' ';
      this.attrs[y][x] = a;
    }
    this.dirty.add(y);
  }

  /** A CSI sequence: `params` (digits, `;`, private markers) and the final character. */
  csi(params, fin) {
    if (/[^0-9;:]/.test(params.replace(/^[?>=!]/, ''))) return;
    const priv = /^[?>=!]/.test(params);
    const p = (priv ? params.slice(1) : params).split(';').map((v) => parseInt(v, 10));
    const n = (i, d) => (Number.isFinite(p[i]) && p[i] > 0 ? Math.min(p[i], 10000) : d);
    const clampY = (y) => Math.min(this.rows - 1, Math.max(0, y));
    const clampX = (x) => Math.min(this.cols - 1, Math.max(0, x));
    if (priv && fin !== 'J' && fin !== 'K') return; // modes (?25h, ?1049h...) change nothing drawn here
    switch (fin) {
      case 'A': this.y = Math.max(this.y >= this.top ? this.top : 0, this.y - n(0, 1)); break;
      case 'B': case 'e': this.y = Math.min(this.y <= this.bottom ? this.bottom : this.rows - 1, this.y + n(0, 1)); break;
      case 'C': case 'a': this.x = clampX(this.x + n(0, 1)); break;
      case 'D': this.x = clampX(Math.min(this.x, this.cols - 1) - n(0, 1)); break;
      case 'E': this.x = 0; this.y = clampY(this.y + n(0, 1)); break;
      case 'F': this.x = 0; this.y = clampY(this.y - n(0, 1)); break;
      case 'G': case '`': this.x = clampX(n(0, 1) - 1); break;
      case 'd': this.y = clampY(n(0, 1) - 1); break;
      case 'H': case 'f': this.y = clampY(n(0, 1) - 1); this.x = clampX(n(1, 1) - 1); break;
      case 'J': this.eraseScreen(p[0] || 0); break;
      case 'K': this.eraseLine(p[0] || 0); break;
      case 'L': case 'M': {
        if (this.y < this.top || this.y > this.bottom) break;
        const top = this.top;
        this.top = this.y;
        if (fin === 'L') this.scrollDown(Math.min(n(0, 1), this.rows)); else this.scrollUp(Math.min(n(0, 1), this.rows));
        this.top = top;
        break;
      }
      case 'P': {
        const k = Math.min(n(0, 1), this.cols);
        const row = this.chars[this.y];
        const at = this.attrs[this.y];
        for (let x = this.x; x < this.cols; x++) {
          row[x] = x + k < this.cols ? row[x + k] : ' ';
          at[x] = x + k < this.cols ? at[x + k] : BASE;
        }
        this.dirty.add(this.y);
        break;
      }
      case '@': {
        const k = Math.min(n(0, 1), this.cols);
        const row = this.chars[this.y];
        const at = this.attrs[this.y];
        for (let x = this.cols - 1; x >= this.x; x--) {
          row[x] = x - k >= this.x ? row[x - k] : ' ';
          at[x] = x - k >= this.x ? at[x - k] : BASE;
        }
        this.dirty.add(this.y);
        break;
      }
      case 'X': this.eraseRow(this.y, this.x, this.x + n(0, 1)); break;
      case 'S': this.scrollUp(Math.min(n(0, 1), this.rows)); break;
      case 'T': this.scrollDown(Math.min(n(0, 1), this.rows)); break;
      case 'r': {
        const t = n(0, 1) - 1;
        const b = n(1, this.rows) - 1;
        if (t < b && b < this.rows) { this.top = t; this.bottom = b; this.x = 0; this.y = 0; }
        break;
      }
      case 's': this.saved = [this.x, this.y, this.attr]; break;
      case 'u': [this.x, this.y, this.attr] = this.saved; break;
      case 'm': this.sgr(params === '' ? [0] : params.split(/[;:]/).map((v) => parseInt(v, 10) || 0)); break;
      default: break;
    }
  }

  eraseScreen(mode) {
    if (mode === 0) {
      this.eraseRow(this.y, this.x, this.cols);
      for (let y = this.y + 1; y < this.rows; y++) this.eraseRow(y, 0, this.cols);
    } else if (mode === 1) {
      this.eraseRow(this.y, 0, this.x + 1);
      for (let y = 0; y < this.y; y++) this.eraseRow(y, 0, this.cols);
    } else {
      for (let y = 0; y < this.rows; y++) this.eraseRow(y, 0, this.cols);
    }
  }

  eraseLine(mode) {
    if (mode === 0) this.eraseRow(this.y, this.x, this.cols);
    else if (mode === 1) this.eraseRow(this.y, 0, this.x + 1);
    else this.eraseRow(this.y, 0, this.cols);
  }

  /** Select Graphic Rendition. */
  sgr(v) {
    let a = this.attr;
    const fg = (c) => { a = (a & ~0x1f) | c; };
    const bg = (c) => { a = (a & ~(0x1f << 5)) | (c << 5); };
    for (let i = 0; i < v.length && i < 32; i++) {
      const c = v[i];
      if (c === 0) a = BASE;
      else if (c === 1) a |= BOLD;
      else if (c === 4) a |= UNDER;
      else if (c === 7) a |= INV;
      else if (c === 22) a &= ~BOLD;
      else if (c === 24) a &= ~UNDER;
      else if (c === 27) a &= ~INV;
      else if (c >= 30 && c <= 37) fg(c - 30);
      else if (c === 39) fg(DEF);
      else if (c >= 40 && c <= 47) bg(c - 40);
      else if (c === 49) bg(DEF);
      else if (c >= 90 && c <= 97) fg(c - 90 + 8);
      else if (c >= 100 && c <= 107) bg(c - 100 + 8);
      else if (c === 38 || c === 48) {
        const set = c === 38 ? fg : bg;
        if (v[i + 1] === 5) { set(from256((v[i + 2] || 0) & 255)); i += 2; }
        else if (v[i + 1] === 2) { set(nearest16(v[i + 2] & 255, v[i + 3] & 255, v[i + 4] & 255)); i += 4; }
      }
    }
    this.attr = a;
  }

  /** The screen as plain text, rows joined by newlines, trailing spaces trimmed (for tests and copy). */
  text() {
    return this.chars.map((r) => r.join('').replace(/\s+$/, '')).join('\n').replace(/\n+$/, '');
  }
}

/** The class names of one cell's attributes (`f3 g4 tb tu`), inverse swapped in. */
function classes(a) {
  let f = a & 0x1f;
  let g = (a >> 5) & 0x1f;
  if (a & INV) {
    [f, g] = [g === DEF ? 0 : g, f === DEF ? 7 : f];
    if (g === DEF) g = 7;
  }
  let s = '';
  if (f !== DEF) s += 'f' + ((a & BOLD) && f < 8 ? f + 8 : f);
  if (g !== DEF) s += (s ? ' ' : '') + 'g' + g;
  if (a & BOLD) s += (s ? ' ' : '') + 'tb';
  if (a & UNDER) s += (s ? ' ' : '') + 'tu';
  return s;
}

/** Draws a Terminal into `el` as one div per row of text spans; only rows changed since the last call are redrawn. */
export class TermView {
  constructor(el) {
    this.el = el;
    this.rowEls = [];
    this.size = '';
    this.cursor = [-1, -1];
  }

  render(t) {
    const size = t.cols + 'x' + t.rows;
    if (size !== this.size) {
      clear(this.el);
      this.rowEls = [];
      for (let y = 0; y < t.rows; y++) {
        const r = document.createElement('div');
        r.className = 'term-row';
        this.el.appendChild(r);
        this.rowEls.push(r);
        t.dirty.add(y);
      }
      this.size = size;
    }
    const cy = this.cursor[1];
    if (cy >= 0 && cy < t.rows) t.dirty.add(cy);
    t.dirty.add(t.y);
    this.cursor = [Math.min(t.x, t.cols - 1), t.y];
    for (const y of t.dirty) {
      if (y >= 0 && y < t.rows) this.row(t, y);
    }
    t.dirty.clear();
  }

  row(t, y) {
    const el = this.rowEls[y];
    clear(el);
    const chars = t.chars[y];
    const attrs = t.attrs[y];
    const cur = this.cursor[1] === y ? this.cursor[0] : -1;
    let start = 0;
    for (let x = 1; x <= t.cols; x++) {
      if (x === t.cols || attrs[x] !== attrs[start] || x === cur || x - 1 === cur) {
        const span = document.createElement('span');
        const cls = classes(attrs[start]) + (start === cur ? ' cur' : '');
        if (cls.trim()) span.className = cls.trim();
        span.textContent = chars.slice(start, x).join('');
        el.appendChild(span);
        start = x;
      }
    }
  }
}
