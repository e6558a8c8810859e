// uPlot wrappers: a time-series chart with one line per series, and a tiny sparkline.

/** Line colours, in series order. */
const PALETTE = ['#f5a623', '#4a90e2', '#7ed321', '#d0021b', '#9013fe', '#50e3c2', '#bd10e0', '#8b572a', '#417505', '#b8e986'];

/** Draws a chart of `cols` (one array per name) against `xs` (unix seconds) into `box`; returns the uPlot. */
export function chart(box, xs, names, cols, opts = {}) {
  if (typeof window.uPlot !== 'function') throw new Error('the chart library did not load');
  const width = Math.max(300, (box.clientWidth || box.parentElement.clientWidth || 800) - 8);
  const series = [{}].concat(names.map((n, i) => ({
    label: n,
    stroke: PALETTE[i % PALETTE.length],
    width: 1.5,
    points: { show: false },
  })));
  const plot = new window.uPlot({
    width,
    height: opts.height || 240,
    series,
    axes: [{ stroke: '#aab' , grid: { stroke: '#2a2f3a' } }, { stroke: '#aab', grid: { stroke: '#2a2f3a' } }],
    scales: { x: { time: true } },
    legend: { show: names.length > 0 },
  }, [xs, ...cols], box);
  return plot;
}

/** Draws a small line without axes (a sensor's event rate). */
export function sparkline(box, xs, ys) {
  if (typeof window.uPlot !== 'function') return null;
  return new window.uPlot({
    width: 160,
    height: 32,
    series: [{}, { stroke: PALETTE[0], width: 1, fill: 'rgba(245,166,35,0.15)', points: { show: false } }],
    axes: [{ show: false }, { show: false }],
    scales: { x: { time: false } },
    legend: { show: false },
    cursor: { show: false },
  }, [xs, ys], box);
}
