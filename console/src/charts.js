// Small live line charts (uPlot): a series of [time, value…] points, capped to the server's
// history length, redrawn as the feed adds points. The chart element carries data-points (how
// many points it holds) for tests and screen readers get a text summary (aria-label).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const MAX_POINTS = 300;
const COLORS = ['#2f7de1', '#e5553b', '#2a9d5c'];

export class LiveChart {
  /**
   * @param {HTMLElement} host
   * @param {{name: string, labels: string[], height?: number}} opts
   */
  constructor(host, { name, labels, height = 160 }) {
    this.host = host;
    this.name = name;
    this.labels = labels;
    this.data = [[], ...labels.map(() => [])];
    host.classList.add('chart');
    host.dataset.chart = name;
    host.setAttribute('role', 'img');
    const width = Math.max(240, host.clientWidth || 320);
    this.plot = new uPlot({
      width, height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{ stroke: '#888' }, { stroke: '#888', size: 48 }],
      series: [{}, ...labels.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false } }))],
    }, this.data, host);
    this.resizer = new ResizeObserver(() => {
      const w = Math.max(240, host.clientWidth);
      if (w !== this.plot.width) this.plot.setSize({ width: w, height });
    });
    this.resizer.observe(host);
    this.update();
  }

  /** Replaces the points: [[tMs, v1, v2…], …]. */
  set(points) {
    this.data = [[], ...this.labels.map(() => [])];
    for (const p of points.slice(-MAX_POINTS)) this.push(p, false);
    this.update();
  }

  /** Adds one point [tMs, v1, v2…]. */
  push(p, redraw = true) {
    this.data[0].push(p[0] / 1000);
    for (let i = 1; i < this.data.length; i++) this.data[i].push(p[i] ?? null);
    if (this.data[0].length > MAX_POINTS) for (const s of this.data) s.shift();
    if (redraw) this.update();
  }

  update() {
    this.plot.setData(this.data);
    const n = this.data[0].length;
    this.host.dataset.points = String(n);
    const last = this.labels.map((l, i) => `${l} ${fmt(this.data[i + 1][n - 1])}`).join(', ');
    this.host.setAttribute('aria-label', `${this.name}: ${n ? last : '—'}`);
  }

  destroy() { this.resizer.disconnect(); this.plot.destroy(); }
}

const fmt = (v) => (v == null ? '—' : Math.round(v * 100) / 100);
