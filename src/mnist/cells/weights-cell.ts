// Cell 9: the weights. Each convolution's kernels as small images (a row per output channel, a
// column per input channel) and how they changed since the previous refresh, or at a finished
// epoch (the epoch slider) and since the epoch before.
import { css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { fmt } from '../../ui/format';
import '../../ui/heat-maps';
import '../../ui/nb-cell';
import { SessionElement } from './base';
import { epochSlider } from './epoch-slider';

/** CSS pixels between kernels, and the least a kernel is drawn (a 3×3 kernel at 8 px a weight). */
const GAP = 4;
const MIN_KERNEL_PX = 24;
const scale = (kh: number, kw: number) => Math.max(3, Math.ceil(MIN_KERNEL_PX / Math.max(kh, kw)));

@customElement('mnist-weights-cell')
export class WeightsCell extends SessionElement {
  // Kernels keep their drawn size (a flex item's canvas would otherwise shrink to a sliver); a wide layer scrolls.
  static override styles = [
    ...SessionElement.styles,
    css`
      .kernels { max-width: 100%; overflow-x: auto; flex: none; }
    `,
  ];

  override render() {
    const s = this.s;
    const w = s.weights;
    const prev = s.prevWeights;
    const convs = w ? Object.entries(w.state).filter(([k, t]) => k.endsWith('.weight') && t.shape.length === 4) : [];
    return html`<nb-cell index="9" heading="Weights" status=${s.status.weights ?? 'idle'} message=${s.messages.weights ?? ''} ?run-disabled=${!s.built} run-label="Refresh"
        @run=${() => this.session.inside.refreshWeights()}>
      ${epochSlider(this.session, 'weights')}
      ${
        !w
          ? html`<p class="muted">Refresh to see every convolution's kernels; while a run trains they refresh with cell 8, and the change since the last refresh is shown beside them.</p>`
          : html`<p class="muted" data-testid="weights-step">${
              w.epoch === undefined
                ? `after step ${w.step}${prev ? `; change since step ${prev.step}` : ''}`
                : `${w.epoch === 0 ? 'initial weights (epoch 0)' : `after epoch ${w.epoch}; change since epoch ${w.epoch - 1}`}`
            }</p>
            ${convs.map(([k, t]) => {
              const [O, I, KH, KW] = t.shape;
              const before = prev?.state[k];
              const delta = before && before.data.length === t.data.length ? t.data.map((v, i) => v - before.data[i]) : null;
              const maxDelta = delta ? delta.reduce((m, v) => Math.max(m, Math.abs(v)), 0) : 0;
              return html`<div class="row" style="align-items:flex-start" data-testid="weights-${k}">
                <div style="min-width:11em"><b>${k}</b><div class="muted">[${t.shape.join(', ')}]: ${O} rows (out) × ${I} columns (in)</div></div>
                <div class="kernels"><heat-maps data-testid="weights-map-${k}" .data=${t.data} channels=${O * I} h=${KH} w=${KW} columns=${I} scale=${scale(KH, KW)} gap=${GAP} fixed kernels
                  kind="diverging" label="weights"></heat-maps></div>
                ${
                  delta
                    ? html`<div class="kernels"><heat-maps .data=${delta} channels=${O * I} h=${KH} w=${KW} columns=${I} scale=${scale(KH, KW)} gap=${GAP} fixed kernels kind="diverging" label="change"></heat-maps>
                      <div class="muted" data-testid="weights-delta-${k}" data-value=${maxDelta}>largest change ${fmt(maxDelta, 3)}</div></div>`
                    : null
                }
              </div>`;
            })}`
      }
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-weights-cell': WeightsCell;
  }
}
