import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';

/** 28×28 digits drawn on one canvas: uint8 (0–255) or normalised floats (scaled per image). */
@customElement('digit-grid')
export class DigitGrid extends LitElement {
  @property({ attribute: false }) images: Uint8Array | Float32Array | null = null;
  @property({ attribute: false }) captions: string[] = [];
  @property({ type: Number }) columns = 16;
  @property({ type: Number }) scale = 2;
  @query('canvas') private canvas!: HTMLCanvasElement;

  static override styles = css`
    :host { display: block; }
    canvas { image-rendering: pixelated; background: #000; border-radius: 4px; max-width: 100%; }
    .caps { display: grid; gap: 0; font: 10px ui-monospace, monospace; color: #334155; text-align: center; }
  `;

  get count(): number {
    return this.images ? Math.floor(this.images.length / 784) : 0;
  }

  override render() {
    const cols = Math.min(this.columns, Math.max(1, this.count));
    const cell = 28 * this.scale + 2;
    return html`<canvas width=${cols * cell} height=${Math.ceil(this.count / cols) * cell}></canvas>
      ${this.captions.length
        ? html`<div class="caps" style="grid-template-columns: repeat(${cols}, ${cell}px)">${this.captions.map((c) => html`<span>${c}</span>`)}</div>`
        : null}`;
  }

  override updated() {
    const img = this.images;
    const g = this.canvas.getContext('2d');
    if (!img || !g) return;
    const cols = Math.min(this.columns, Math.max(1, this.count));
    const s = this.scale;
    const cell = 28 * s + 2;
    g.fillStyle = '#0f172a';
    g.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const px = g.createImageData(28, 28);
    for (let n = 0; n < this.count; n++) {
      const a = img.subarray(n * 784, (n + 1) * 784);
      let lo = 0;
      let hi = 255;
      if (img instanceof Float32Array) {
        lo = Math.min(...a);
        hi = Math.max(...a);
      }
      for (let k = 0; k < 784; k++) {
        const v = hi > lo ? Math.round((255 * (a[k] - lo)) / (hi - lo)) : 0;
        px.data.set([v, v, v, 255], 4 * k);
      }
      const tmp = new OffscreenCanvas(28, 28);
      tmp.getContext('2d')!.putImageData(px, 0, 0);
      g.imageSmoothingEnabled = false;
      g.drawImage(tmp, (n % cols) * cell + 1, Math.floor(n / cols) * cell + 1, 28 * s, 28 * s);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'digit-grid': DigitGrid;
  }
}
