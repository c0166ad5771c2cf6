// Cell 8: inside one digit. Every layer's output as maps (one colour scale per layer) and the
// gradient of the loss for the digit's true label with respect to it (diverging), the saliency
// map and the ten probabilities; from the current weights, refreshed while training, or from a
// finished epoch's (the epoch slider).
import { css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { LayerInside } from '../../engine/inspect';
import '../../ui/digit-grid';
import { fmt } from '../../ui/format';
import '../../ui/heat-maps';
import '../../ui/nb-cell';
import { SessionElement } from './base';
import { epochSlider } from './epoch-slider';

/** [C, H, W] → C maps of H×W; [N] or [C, 1, 1] → one strip. */
export function mapDims(shape: number[]): { channels: number; h: number; w: number } {
  // [C, 1, 1] (after global pooling) reads best as one strip of C values, like [N].
  if (shape.length === 3 && (shape[1] > 1 || shape[2] > 1)) return { channels: shape[0], h: shape[1], w: shape[2] };
  return { channels: 1, h: 1, w: shape.reduce((a, b) => a * b, 1) };
}

/** Cells per map side, so small maps are not specks and large ones fit. */
const scaleFor = (h: number, w: number) =>
  h === 1 ? Math.min(20, Math.max(6, Math.floor(200 / w))) : Math.max(2, Math.min(8, Math.floor(60 / Math.max(h, w))));

@customElement('mnist-inside-cell')
export class InsideCell extends SessionElement {
  static override styles = [
    ...SessionElement.styles,
    css`
      .layer { display: grid; grid-template-columns: 11em minmax(0, 1fr) minmax(0, 1fr); gap: 8px 16px; padding: 6px 0; border-top: 1px solid var(--border-2); align-items: start; }
      .layer h3 { font-size: 13px; margin: 0; font-weight: 600; }
      @media (max-width: 900px) { .layer { grid-template-columns: 1fr; } }
      .probs td:nth-child(2) { width: 170px; }
    `,
  ];

  private layer(l: LayerInside) {
    const d = mapDims(l.shape);
    const s = scaleFor(d.h, d.w);
    const identity = l.type === 'Dropout' || l.type === 'Dropout2d' || l.type === 'Flatten';
    return html`<div class="layer" data-testid="inside-layer-${l.index}">
      <div><h3>${l.index} ${l.type}</h3><div class="muted">[${l.shape.join(', ')}]${identity ? ' (its input, unchanged in eval mode)' : ''}</div></div>
      <heat-maps data-testid="inside-act-${l.index}" .data=${l.activation} channels=${d.channels} h=${d.h} w=${d.w} scale=${s} kind="sequential" label="output"></heat-maps>
      <heat-maps data-testid="inside-grad-${l.index}" .data=${l.grad} channels=${d.channels} h=${d.h} w=${d.w} scale=${s} kind="diverging" label="∂L/∂output"></heat-maps>
    </div>`;
  }

  override render() {
    const s = this.s;
    const i = s.inside;
    const pred = i ? i.probs.indexOf(Math.max(...i.probs)) : -1;
    return html`<nb-cell index="8" heading="Inside one digit" status=${s.status.inside ?? 'idle'} message=${s.insideError || (s.messages.inside ?? '')}
        ?run-disabled=${!s.built} run-label="Show" @run=${() => this.session.inside.show({ image: s.insidePick })}>
      <div class="row">
        <label style="flex-direction:row;align-items:center;gap:6px">test image
          <input type="text" data-testid="inside-image" size="6" .value=${s.insidePick}
            @change=${(e: Event) => this.session.inside.show({ image: (e.target as HTMLInputElement).value })} /></label>
        <button data-testid="inside-drawn" ?disabled=${!s.built} @click=${() => this.session.inside.show({ drawn: true })}>the digit drawn in cell 7</button>
        <span class="muted">or click a misclassified digit in cell 7. L = NLL of the true label (for a drawing: of the class the model gave it).</span>
      </div>
      ${epochSlider(this.session, 'inside')}
      ${
        i
          ? html`<div class="grid2">
              <div><digit-grid .images=${i.input} columns="1" scale="4"></digit-grid></div>
              <div>
                <div data-testid="inside-summary">${i.image === null ? 'drawn digit' : `test image ${i.image}`}: label ${i.label}, predicted ${pred}, L = ${fmt(i.loss, 4)}</div>
                <div class="muted" data-testid="inside-cost">${i.epoch === undefined ? `weights after step ${i.step}` : i.epoch === 0 ? 'initial weights (epoch 0)' : `weights after epoch ${i.epoch}`}; computed and read back in ${i.ms.toFixed(0)} ms</div>
                <table class="probs" data-testid="inside-probs">${i.probs.map(
                  (p, c) => html`<tr style=${c === pred ? 'font-weight:700' : ''}><td>${c}</td>
                  <td><span class="bar" style="width:${160 * p}px"></span></td><td data-value=${p}>${(100 * p).toFixed(2)}%</td></tr>`,
                )}</table>
              </div>
              <heat-maps data-testid="inside-saliency" .data=${i.inputGrad} channels="1" h="28" w="28" scale="4" kind="diverging" label="saliency ∂L/∂input"></heat-maps>
            </div>
            ${i.layers.map((l) => this.layer(l))}`
          : html`<p class="muted">Train or import a model, then pick a digit: every layer's output, and how the loss would change with it.</p>`
      }
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-inside-cell': InsideCell;
  }
}
