// Formatting of numbers, times, sizes and windows; pure functions returning strings.

/** A count with thousands separators. */
export function num(n) {
  return n === undefined || n === null ? '' : Number(n).toLocaleString('en-US');
}

/** A time as `YYYY-MM-DD HH:MM:SS` UTC. */
export function time(t) {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

/** A short clock time `HH:MM:SS` UTC. */
export function clock(t) {
  return time(t).slice(11);
}

/** A byte count in B/KiB/MiB. */
export function bytes(n) {
  if (n === undefined || n === null) return '';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}

/** How long ago, roughly (`5 s`, `3 min`, `2 h`, `4 d`). */
export function ago(t) {
  const s = Math.max(0, (Date.now() - new Date(t).getTime()) / 1000);
  if (s < 60) return Math.round(s) + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

/** Windows offered by the overview: name, hours, series bucket. */
export const WINDOWS = [
  ['1h', 1, 'minute'],
  ['24h', 24, 'minute'],
  ['7d', 24 * 7, 'hour'],
  ['30d', 24 * 30, 'hour'],
];

/** RFC 3339 of a Date, to the second. */
export function rfc3339(d) {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A `datetime-local` input value (UTC) for a Date. */
export function localInput(d) {
  return new Date(d).toISOString().slice(0, 16);
}

/** Parses a `datetime-local` value as UTC; null when empty or invalid. */
export function fromLocalInput(v) {
  if (!v) return null;
  const d = new Date(v + (v.length === 16 ? ':00Z' : 'Z'));
  return Number.isNaN(d.getTime()) ? null : d;
}
