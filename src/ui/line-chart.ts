import { Chart, CategoryScale, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Title, Tooltip } from 'chart.js';
import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Legend, Tooltip, Title);

export interface Series {
  label: string;
  points: { x: number; y: number }[];
  color?: string;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/** A chart.js line chart; set `series` to update (points appended in place animate cheaply). */
@customElement('line-chart')
export class LineChart extends LitElement {
  @property({ attribute: false }) series: Series[] = [];
  @property() heading = '';
  @property({ attribute: 'x-label' }) xLabel = '';
  @property({ attribute: 'y-label' }) yLabel = '';
  @property({ type: Boolean }) log = false;
  @query('canvas') private canvas!: HTMLCanvasElement;
  private chart: Chart | null = null;

  static override styles = css`
    :host { display: block; position: relative; height: var(--chart-height, 220px); }
    canvas { width: 100% !important; height: 100% !important; }
  `;

  /** Points drawn so far, summed over series (what the e2e tests check). */
  get pointCount(): number {
    return this.series.reduce((s, x) => s + x.points.length, 0);
  }

  override render() {
    return html`<canvas role="img" aria-label=${this.heading || 'chart'}></canvas>`;
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
        plugins: {
          title: { display: Boolean(this.heading), text: this.heading },
          legend: { display: true, labels: { boxWidth: 12 } },
        },
        scales: {
          x: { type: 'linear', title: { display: Boolean(this.xLabel), text: this.xLabel } },
          y: { type: this.log ? 'logarithmic' : 'linear', title: { display: Boolean(this.yLabel), text: this.yLabel } },
        },
      },
    });
    this.sync();
  }

  override updated(changed: Map<string, unknown>) {
    if (changed.has('series') || changed.has('log')) this.sync();
  }

  /** Re-read `series` (call after pushing points into it). */
  sync() {
    if (!this.chart) return;
    const yScale = this.chart.options.scales!.y as { type: string };
    yScale.type = this.log ? 'logarithmic' : 'linear';
    this.chart.data.datasets = this.series.map((s, i) => ({
      label: s.label,
      data: s.points,
      borderColor: s.color ?? PALETTE[i % PALETTE.length],
      backgroundColor: s.color ?? PALETTE[i % PALETTE.length],
      borderWidth: 1.5,
      pointRadius: s.points.length > 60 ? 0 : 2,
      tension: 0,
    }));
    this.chart.update('none');
    this.dataset.points = String(this.pointCount);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.chart?.destroy();
    this.chart = null;
  }

  override connectedCallback() {
    super.connectedCallback();
    if (this.canvas && !this.chart) this.firstUpdated();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'line-chart': LineChart;
  }
}
