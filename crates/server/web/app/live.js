// The live stream client: Server-Sent Events (`events` batches and `counters`), one callback per frame.

/** Opens `url` and calls `onEvents(array)` once per SSE frame and `onCounters({minute, hour, day})`. */
export function openLive(url, { onEvents, onCounters, onState }) {
  const es = new EventSource(url, { withCredentials: true });
  es.addEventListener('events', (m) => {
    let batch;
    try {
      batch = JSON.parse(m.data);
    } catch (_) {
      return;
    }
    if (Array.isArray(batch) && batch.length) onEvents(batch);
  });
  es.addEventListener('counters', (m) => {
    try {
      onCounters(JSON.parse(m.data));
    } catch (_) {
      // a malformed frame is skipped
    }
  });
  es.addEventListener('open', () => onState && onState('connected'));
  es.addEventListener('error', () => onState && onState(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  return () => es.close();
}

/** Turns a stored feed row (`/api/v1/feed`) into the live stream's compact event. */
export function compactFromFeed(row) {
  const e = row.event || {};
  const g = row.geo || {};
  const out = {
    id: e.id, ts: e.ts, sensor: e.sensor, honeypot: e.honeypot, proto: e.proto, kind: e.kind,
    src_ip: e.src_ip, dst_port: e.dst_port, country: g.country, city: g.city, lat: g.lat, lon: g.lon, asn: g.asn,
  };
  if (e.kind === 'auth') {
    out.username = e.username;
    out.password = e.password;
  } else if (e.kind === 'command') out.input = e.input;
  else if (e.kind === 'file.download' || e.kind === 'file.upload') out.url = e.url || e.filename;
  else if (e.kind === 'http.request') out.input = e.method + ' ' + e.path + (e.query ? '?' + e.query : '');
  return out;
}
