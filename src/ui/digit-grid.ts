import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';

/**
 * 28×28 digits, uint8 (0–255) or normalised floats (scaled per image), each on its own canvas;
 * with `captions`, each digit has its caption under it.
 */
@customElement('digit-grid')
export class DigitGrid extends LitElement {
  @property({ attribute: false }) images: Uint8Array | Float32Array | null = null;
  @property({ attribute: false }) captions: string[] = [];
  @property({ type: Number }) columns = 16;
  @property({ type: Number }) scale = 2;

  static override styles = css`
    :host { display: block; }
    .grid { display: grid; gap: 2px; justify-content: start; }
    figure { margin: 0; display: flex; flex-direction: column; align-items: center; }
    canvas { image-rendering: pixelated; background: #0f172a; border-radius: 2px; display: block; }
    figcaption { font: 12px ui-monospace, monospace; color: var(--fg-2); text-align: center; white-space: nowrap; }
  `;

  get count(): number {
    return this.images ? Math.floor(this.images.length / 784) : 0;
  }

  override render() {
    const cols = Math.min(this.columns, Math.max(1, this.count));
    const px = 28 * this.scale;
    const width = this.captions.length ? Math.max(px, 7.5 * Math.max(...this.captions.map((c) => c.length))) : px;
    return html`<div class="grid" role="img" aria-label="${this.count} digits" style="grid-template-columns: repeat(${cols}, ${width}px)">
      ${Array.from(
        { length: this.count },
        (_, n) => html`<figure @click=${() => this.pick(n)}><canvas width="28" height="28" style="width:${px}px;height:${px}px"></canvas>
        ${this.captions[n] !== undefined ? html`<figcaption>${this.captions[n]}</figcaption>` : null}</figure>`,
      )}
    </div>`;
  }

  /** A digit was clicked: `pick` with its position in `images`. */
  private pick(n: number) {
    this.dispatchEvent(new CustomEvent('pick', { detail: n, bubbles: true, composed: true }));
  }

  override updated() {
    const img = this.images;
    if (!img) return;
    const canvases = this.renderRoot.querySelectorAll('canvas');
    canvases.forEach((c, n) => {
      const g = c.getContext('2d');
      if (!g) return;
      const a = img.subarray(n * 784, (n + 1) * 784);
      let lo = 0;
      let hi = 255;
      if (img instanceof Float32Array) {
        lo = Math.min(...a);
        hi = Math.max(...a);
      }
      const px = g.createImageData(28, 28);
      for (let k = 0; k < 784; k++) {
        const v = hi > lo ? Math.round((255 * (a[k] - lo)) / (hi - lo)) : 0;
        px.data.set([v, v, v, 255], 4 * k);
      }
      g.putImageData(px, 0, 0);
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'digit-grid': DigitGrid;
  }
}
