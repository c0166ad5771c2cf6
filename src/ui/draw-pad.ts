import { LitElement, css, html } from 'lit';
import { customElement, query } from 'lit/decorators.js';

const SIZE = 280;

/**
 * A canvas to draw a digit on. On each stroke it emits `digit` with the drawing as MNIST would
 * have it: cropped to its bounding box, scaled into 20×20, centred by its centre of mass in
 * 28×28, normalised with the training mean and standard deviation.
 */
@customElement('draw-pad')
export class DrawPad extends LitElement {
  @query('canvas') private canvas!: HTMLCanvasElement;
  private drawing = false;
  private last: [number, number] | null = null;

  static override styles = css`
    :host { display: inline-flex; flex-direction: column; gap: 6px; }
    canvas { background: #000; border-radius: 6px; touch-action: none; cursor: crosshair; width: 200px; height: 200px; }
    button { font: inherit; font-size: 13px; padding: 3px 10px; border-radius: 6px; border: 1px solid var(--border); background: var(--surface); color: var(--fg); cursor: pointer; }
  `;

  override render() {
    return html`<canvas width=${SIZE} height=${SIZE} data-testid="draw-canvas"
        @pointerdown=${this.down} @pointermove=${this.move} @pointerup=${this.up} @pointerleave=${this.up}></canvas>
      <button data-testid="draw-clear" @click=${this.clear}>Clear</button>`;
  }

  private pos(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * SIZE) / r.width, ((e.clientY - r.top) * SIZE) / r.height];
  }

  private down(e: PointerEvent) {
    this.drawing = true;
    this.last = this.pos(e);
    this.canvas.setPointerCapture?.(e.pointerId);
    this.move(e);
  }

  private move(e: PointerEvent) {
    if (!this.drawing) return;
    const g = this.canvas.getContext('2d')!;
    const p = this.pos(e);
    g.strokeStyle = '#fff';
    g.lineWidth = 20;
    g.lineCap = 'round';
    g.beginPath();
    g.moveTo(...(this.last ?? p));
    g.lineTo(...p);
    g.stroke();
    this.last = p;
  }

  private up() {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    const d = this.digit();
    if (d) this.dispatchEvent(new CustomEvent('digit', { detail: d }));
  }

  clear() {
    this.canvas.getContext('2d')!.clearRect(0, 0, SIZE, SIZE);
    this.dispatchEvent(new CustomEvent('digit', { detail: null }));
  }

  /** Draw a polyline in canvas coordinates (used by tests and demos). */
  stroke(points: [number, number][]) {
    const g = this.canvas.getContext('2d')!;
    g.strokeStyle = '#fff';
    g.lineWidth = 20;
    g.lineCap = 'round';
    g.beginPath();
    points.forEach((p, i) => (i ? g.lineTo(...p) : g.moveTo(...p)));
    g.stroke();
    const d = this.digit();
    if (d) this.dispatchEvent(new CustomEvent('digit', { detail: d }));
  }

  /** The drawing as a normalised 28×28 MNIST-style image, or null when empty. */
  digit(): Float32Array | null {
    const src = this.canvas.getContext('2d')!.getImageData(0, 0, SIZE, SIZE).data;
    let x0 = SIZE,
      y0 = SIZE,
      x1 = -1,
      y1 = -1;
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        if (src[4 * (y * SIZE + x)] > 0) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
    if (x1 < 0) return null;
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const k = 20 / Math.max(w, h);
    const small = new OffscreenCanvas(28, 28);
    const g = small.getContext('2d')!;
    g.imageSmoothingQuality = 'high';
    // Fit the bounding box into 20×20, then shift so the centre of mass lands on (14, 14).
    g.drawImage(this.canvas, x0, y0, w, h, 14 - (w * k) / 2, 14 - (h * k) / 2, w * k, h * k);
    let px = g.getImageData(0, 0, 28, 28).data;
    let m = 0,
      cx = 0,
      cy = 0;
    for (let i = 0; i < 784; i++) {
      const v = px[4 * i];
      m += v;
      cx += v * (i % 28);
      cy += v * Math.floor(i / 28);
    }
    const dx = Math.round(13.5 - cx / m);
    const dy = Math.round(13.5 - cy / m);
    const shifted = new OffscreenCanvas(28, 28);
    shifted.getContext('2d')!.drawImage(small, dx, dy);
    px = shifted.getContext('2d')!.getImageData(0, 0, 28, 28).data;
    const out = new Float32Array(784);
    for (let i = 0; i < 784; i++) out[i] = (px[4 * i] / 255 - 0.1307) / 0.3081;
    return out;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'draw-pad': DrawPad;
  }
}
