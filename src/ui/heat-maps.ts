import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { tickLabel } from './format';

/** Sequential (viridis) for values, diverging (blue–white–red, symmetric about 0) for gradients. */
export type MapKind = 'sequential' | 'diverging';

const VIRIDIS = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [181, 222, 43],
  [253, 231, 37],
];
const DIVERGING = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

/** t in [0, 1] → [r, g, b] along the stops. */
function ramp(stops: number[][], t: number): number[] {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
}

const lut = (stops: number[][]) =>
  Uint32Array.from({ length: 256 }, (_, i) => {
    const [r, g, b] = ramp(stops, i / 255);
    return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  });
const LUTS: Record<MapKind, Uint32Array> = { sequential: lut(VIRIDIS), diverging: lut(DIVERGING) };

/** The colour scale of a set of maps: [lo, hi] (diverging: ±max |v|). */
export function mapScale(data: ArrayLike<number>, kind: MapKind): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    lo = Math.min(lo, data[i]);
    hi = Math.max(hi, data[i]);
  }
  if (kind === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return [-m, m];
  }
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/**
 * C maps of H×W (one layer's output or gradient) side by side on one canvas with one colour
 * scale, shown in a legend. Clicking a map enlarges it; hovering the enlarged map reads the value.
 */
@customElement('heat-maps')
export class HeatMaps extends LitElement {
  @property({ attribute: false }) data: Float32Array | null = null;
  @property({ type: Number }) channels = 1;
  @property({ type: Number }) h = 1;
  @property({ type: Number }) w = 1;
  @property() kind: MapKind = 'sequential';
  @property() label = '';
  /** CSS pixels per map cell. */
  @property({ type: Number }) scale = 2;
  /** CSS pixels between maps. */
  @property({ type: Number }) gap = 2;
  /** Maps per row (0: as many as fit in 640 px). */
  @property({ type: Number }) columns = 0;
  /** Maps are convolution kernels, a row per output channel and `columns` input channels: named so when enlarged. */
  @property({ type: Boolean }) kernels = false;
  /** Boxes outlined on the first map (cells: row, column, height, width). */
  @property({ attribute: false }) marks: { y: number; x: number; h: number; w: number }[] = [];
  @state() private zoom: number | null = null;
  @state() private hover: { y: number; x: number; v: number } | null = null;
  @query('canvas.maps') private canvas!: HTMLCanvasElement;
  @query('canvas.zoom') private zoomCanvas?: HTMLCanvasElement;
  private range: [number, number] = [0, 1];

  static override styles = css`
    :host { display: block; }
    .legend { display: flex; align-items: center; gap: 6px; font: 12px ui-monospace, monospace; color: var(--fg-2); margin: 2px 0; }
    .legend i { display: inline-block; width: 80px; height: 10px; border-radius: 2px; }
    canvas { display: block; cursor: zoom-in; max-width: 100%; image-rendering: pixelated; }
    /* fixed: drawn at its size whatever the room (the parent scrolls), never squeezed. */
    :host([fixed]) canvas.maps { max-width: none; }
    .zoom { margin-top: 6px; display: flex; gap: 12px; align-items: flex-start; }
    canvas.zoom { cursor: crosshair; }
    button { font: 12px system-ui, sans-serif; padding: 1px 8px; border-radius: 5px; border: 1px solid var(--border); background: var(--surface); color: var(--fg); cursor: pointer; }
    .readout { font: 12px ui-monospace, monospace; color: var(--fg); min-width: 16em; }
  `;

  /** CSS pixels per cell of the enlarged map: 10, or more so that a small map (a 3×3 kernel) is at least 160 px. */
  private get zoomScale(): number {
    return Math.max(10, Math.ceil(160 / Math.max(this.h, this.w)));
  }

  private mapName(c: number): string {
    return this.kernels && this.columns > 0 ? `kernel for output ${Math.floor(c / this.columns)}, input ${c % this.columns}` : `channel ${c}`;
  }

  private get cols(): number {
    if (this.columns > 0) return Math.min(this.columns, this.channels);
    return Math.max(1, Math.min(this.channels, Math.floor(640 / (this.w * this.scale + this.gap)) || 1));
  }

  override render() {
    const cols = this.cols;
    const rows = Math.ceil(this.channels / cols);
    const cw = cols * (this.w * this.scale + this.gap);
    const ch = rows * (this.h * this.scale + this.gap);
    const zs = this.zoomScale;
    const stops = this.kind === 'diverging' ? DIVERGING : VIRIDIS;
    const grad = `linear-gradient(to right, ${stops.map((c) => `rgb(${c})`).join(', ')})`;
    return html`<div class="legend" data-min=${this.range[0]} data-max=${this.range[1]}>${this.label}
        <span>${tickLabel(this.range[0])}</span><i style="background:${grad}"></i><span>${tickLabel(this.range[1])}</span></div>
      <canvas class="maps" role="img" aria-label="${this.label}: ${this.channels} maps of ${this.h}×${this.w}, from ${tickLabel(this.range[0])} to ${tickLabel(this.range[1])}"
        style="width:${cw}px;height:${ch}px" @click=${this.onClick}></canvas>
      ${
        this.zoom === null
          ? null
          : html`<div class="zoom">
            <canvas class="zoom" data-testid="map-zoom" style="width:${this.w * zs}px;height:${this.h * zs}px"
              @pointermove=${this.onHover} @pointerleave=${() => (this.hover = null)}></canvas>
            <div>
              <div class="readout" data-testid="map-value" data-value=${this.hover?.v ?? ''}>
                ${this.hover ? `${this.mapName(this.zoom)}, row ${this.hover.y}, column ${this.hover.x}: ${tickLabel(this.hover.v)}` : `${this.mapName(this.zoom)}: hover for values`}</div>
              <button @click=${() => (this.zoom = null)}>Close</button>
            </div>
          </div>`
      }`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('data') || changed.has('kind')) && this.data) this.range = mapScale(this.data, this.kind);
  }

  /** Paint channels of the data into `target`, `cols` to a row, `s` device pixels per cell. */
  private paint(target: HTMLCanvasElement, channels: number[], cols: number, s: number) {
    const { h, w } = this;
    const data = this.data!;
    const gap = Math.round(this.gap * devicePixelRatio);
    const rows = Math.ceil(channels.length / cols);
    target.width = cols * (w * s + gap);
    target.height = rows * (h * s + gap);
    const g = target.getContext('2d')!;
    const img = g.createImageData(target.width, target.height);
    // One 32-bit write per device pixel, colours from a 256-entry table (little-endian RGBA).
    const px = new Uint32Array(img.data.buffer);
    const lut = LUTS[this.kind];
    const [lo, hi] = this.range;
    const k = 255 / (hi - lo);
    const W = target.width;
    channels.forEach((c, n) => {
      const ox = (n % cols) * (w * s + gap);
      const oy = Math.floor(n / cols) * (h * s + gap);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const colour = lut[Math.max(0, Math.min(255, Math.round((data[(c * h + y) * w + x] - lo) * k)))];
          const row0 = (oy + y * s) * W + ox + x * s;
          for (let dy = 0; dy < s; dy++) px.fill(colour, row0 + dy * W, row0 + dy * W + s);
        }
    });
    g.putImageData(img, 0, 0);
    g.lineWidth = Math.max(1, Math.round(devicePixelRatio));
    for (const m of this.marks) {
      g.strokeStyle = '#f59e0b';
      g.strokeRect(m.x * s + g.lineWidth / 2, m.y * s + g.lineWidth / 2, m.w * s - g.lineWidth, m.h * s - g.lineWidth);
    }
  }

  override updated() {
    if (!this.data) return;
    const s = Math.max(1, Math.round(this.scale * devicePixelRatio));
    this.paint(this.canvas, [...Array(this.channels).keys()], this.cols, s);
    if (this.zoom !== null && this.zoomCanvas) this.paint(this.zoomCanvas, [this.zoom], 1, Math.round(this.zoomScale * devicePixelRatio));
  }

  private onClick(e: MouseEvent) {
    const r = this.canvas.getBoundingClientRect();
    const tw = this.w * this.scale + this.gap;
    const th = this.h * this.scale + this.gap;
    const c = Math.floor((e.clientY - r.top) / th) * this.cols + Math.floor((e.clientX - r.left) / tw);
    if (c >= 0 && c < this.channels) {
      this.zoom = c;
      this.hover = null;
    }
  }

  private onHover(e: PointerEvent) {
    const r = (e.target as HTMLCanvasElement).getBoundingClientRect();
    const x = Math.min(this.w - 1, Math.floor(((e.clientX - r.left) / r.width) * this.w));
    const y = Math.min(this.h - 1, Math.floor(((e.clientY - r.top) / r.height) * this.h));
    this.hover = { y, x, v: this.data![(this.zoom! * this.h + y) * this.w + x] };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'heat-maps': HeatMaps;
  }
}
