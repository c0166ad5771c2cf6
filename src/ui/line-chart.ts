import {
  Chart,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Title,
  Tooltip,
  type ChartEvent,
} from 'chart.js';
import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { tickLabel, tickLabels } from './format';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Legend, Tooltip, Title);

export interface Series {
  label: string;
  points: { x: number; y: number }[];
  color?: string;
}

const LIGHT = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
const DARK = ['#60a5fa', '#f87171', '#4ade80', '#c084fc', '#fb923c', '#22d3ee', '#facc15', '#f472b6'];
const dark = matchMedia('(prefers-color-scheme: dark)');

/** Tick i's label, with as many digits as it takes to tell it from the other ticks on its axis. */
function distinct(ticks: { value: number }[], i: number): string {
  return tickLabels(ticks.map((t) => t.value))[i];
}

/**
 * A chart.js line chart; set `series` to update (points appended in place animate cheaply).
 * A log/linear switch for the y axis, and the values under the pointer in a readout below.
 */
@customElement('line-chart')
export class LineChart extends LitElement {
  @property({ attribute: false }) series: Series[] = [];
  @property() heading = '';
  @property({ attribute: 'x-label' }) xLabel = '';
  @property({ attribute: 'y-label' }) yLabel = '';
  @property({ type: Boolean }) log = false;
  /** Whole-number x ticks from 0 (an epoch axis): one point at epoch 1 reads 0 … 1, not 0.94 … 1.06. */
  @property({ type: Boolean, attribute: 'integer-x' }) integerX = false;
  @state() private readout = '';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private chart: Chart | null = null;
  private onScheme = () => this.sync();

  static override styles = css`
    :host { display: block; }
    .plot { position: relative; height: var(--chart-height, 220px); }
    canvas { width: 100% !important; height: 100% !important; }
    .bar { display: flex; gap: 10px; align-items: center; min-height: 22px; font: 12px ui-monospace, monospace; color: var(--fg-2); }
    .bar span { flex: 1; }
    button { font: 12px system-ui, sans-serif; padding: 1px 8px; border-radius: 5px; border: 1px solid var(--border); background: var(--surface); color: var(--fg); cursor: pointer; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
  `;

  /** Points drawn so far, summed over series (what the e2e tests check). */
  get pointCount(): number {
    return this.series.reduce((s, x) => s + x.points.length, 0);
  }

  override render() {
    return html`<div class="plot"><canvas role="img" aria-label=${this.heading || 'chart'}></canvas></div>
      <div class="bar">
        <span data-testid="chart-readout" aria-live="polite">${this.readout}</span>
        <button data-testid="chart-scale" aria-pressed=${this.log} @click=${() => (this.log = !this.log)}>${this.log ? 'log' : 'linear'} y</button>
      </div>`;
  }

  override firstUpdated() {
    this.chart = new Chart(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        onHover: (_e: ChartEvent, hits: { datasetIndex: number; index: number }[]) => this.hover(hits),
        plugins: {
          title: { display: Boolean(this.heading), text: this.heading, font: { size: 13 } },
          legend: { display: true, labels: { boxWidth: 12, font: { size: 12 } } },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${tickLabel(c.parsed.y ?? NaN)}` } },
        },
        scales: {
          x: {
            type: 'linear',
            title: { display: Boolean(this.xLabel), text: this.xLabel },
            ...(this.integerX ? { suggestedMin: 0, suggestedMax: 1 } : {}),
            // A null label hides the tick and its grid line (chart.js): only whole epochs are marked.
            ticks: { callback: (v, i, ticks) => (this.integerX && !Number.isInteger(Number(v)) ? null : distinct(ticks, i)), font: { size: 12 } },
          },
          y: {
            type: 'linear',
            title: { display: Boolean(this.yLabel), text: this.yLabel },
            ticks: { callback: (_v, i, ticks) => distinct(ticks, i), font: { size: 12 } },
          },
        },
      },
    });
    this.sync();
  }

  /** The nearest point of each series to the pointer, as text (the same numbers the tooltip shows). */
  private hover(hits: { datasetIndex: number; index: number }[]) {
    const c = this.chart;
    if (!c) return;
    this.readout = hits
      .map((h) => {
        const ds = c.data.datasets[h.datasetIndex];
        const p = ds.data[h.index] as { x: number; y: number };
        return `${ds.label}: ${this.xLabel || 'x'} ${tickLabel(p.x)}, ${tickLabel(p.y)}`;
      })
      .join(' · ');
  }

  override updated(changed: Map<string, unknown>) {
    if (changed.has('series') || changed.has('log')) this.sync();
  }

  /** Re-read `series` (call after pushing points into it) and the colour scheme. */
  sync() {
    const c = this.chart;
    if (!c) return;
    const cs = getComputedStyle(this);
    const fg = cs.getPropertyValue('--fg-2').trim() || '#334155';
    const grid = cs.getPropertyValue('--chart-grid').trim() || '#e2e8f0';
    const palette = dark.matches ? DARK : LIGHT;
    const scales = c.options.scales as Record<string, { type: string; grid: { color: string }; ticks: { color: string }; title: { color: string } }>;
    scales.y.type = this.log ? 'logarithmic' : 'linear';
    for (const a of [scales.x, scales.y]) {
      a.grid = { ...a.grid, color: grid };
      a.ticks = { ...a.ticks, color: fg };
      a.title = { ...a.title, color: fg };
    }
    const plugins = c.options.plugins as { title: { color: string }; legend: { labels: { color: string } } };
    plugins.title.color = fg;
    plugins.legend.labels.color = fg;
    c.data.datasets = this.series.map((s, i) => ({
      label: s.label,
      data: this.log ? s.points.filter((p) => p.y > 0) : s.points,
      borderColor: s.color ?? palette[i % palette.length],
      backgroundColor: s.color ?? palette[i % palette.length],
      borderWidth: 1.5,
      // A lone point (one epoch) gets a marker that can be seen.
      pointRadius: s.points.length === 1 ? 5 : s.points.length > 60 ? 0 : 2,
      tension: 0,
    }));
    c.update('none');
    // What the axes read, for the e2e tests (labels as drawn; hidden ticks left out).
    const shown = (a: 'x' | 'y') => c.scales[a]?.ticks.map((t) => t.label).filter((l) => l !== null && l !== undefined && l !== '') ?? [];
    this.dataset.xTicks = JSON.stringify(shown('x'));
    this.dataset.yTicks = JSON.stringify(shown('y'));
    this.dataset.radius = JSON.stringify(c.data.datasets.map((d) => (d as { pointRadius?: number }).pointRadius));
    this.dataset.points = String(this.pointCount);
    this.dataset.scale = this.log ? 'log' : 'linear';
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    dark.removeEventListener('change', this.onScheme);
    this.chart?.destroy();
    this.chart = null;
  }

  override connectedCallback() {
    super.connectedCallback();
    dark.addEventListener('change', this.onScheme);
    if (this.canvas && !this.chart) this.firstUpdated();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'line-chart': LineChart;
  }
}
