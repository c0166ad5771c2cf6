// Cell 10: training dynamics, per layer over the steps of the run: gradient norm, weight norm and
// the update-to-weight ratio (log scale), the learning rate, and each BatchNorm's running mean and
// variance per channel. Reduced on the GPU inside the step (src/train/dynamics.ts), read a few
// times a second. A layer whose gradient vanishes or explodes is named.
import { html } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { DynamicsSample } from '../../train/dynamics';
import { fmt } from '../../ui/format';
import '../../ui/line-chart';
import type { Series } from '../../ui/line-chart';
import '../../ui/nb-cell';
import { SessionElement } from './base';

/** Gradient norms outside these bounds are marked (vanishing / exploding). */
export const VANISH = 1e-6;
export const EXPLODE = 1e2;

/** Norms per layer (all of a layer's tensors together), one series per layer. */
function perLayer(samples: DynamicsSample[], steps: number, f: (g2: number, w2: number, u2: number) => number): Series[] {
  const layers = [...new Set(samples[0]?.tensors.map((t) => t.layer) ?? [])];
  return layers.map((layer) => ({
    label: `layer ${layer}`,
    points: samples.map((s) => {
      const ts = s.tensors.filter((t) => t.layer === layer);
      const sum = (k: 'gradNorm' | 'weightNorm' | 'updateNorm') => ts.reduce((a, t) => a + t[k] ** 2, 0);
      return { x: s.step / steps, y: f(sum('gradNorm'), sum('weightNorm'), sum('updateNorm')) };
    }),
  }));
}

@customElement('mnist-dynamics-cell')
export class DynamicsCell extends SessionElement {
  override render() {
    const s = this.s;
    const d = s.dynamics;
    const steps = s.built?.stepsPerEpoch || 1;
    const last = d[d.length - 1];
    const grad = perLayer(d, steps, (g) => Math.sqrt(g));
    const marked = last
      ? [...new Set(last.tensors.map((t) => t.layer))].flatMap((layer) => {
          const g = Math.sqrt(last.tensors.filter((t) => t.layer === layer).reduce((a, t) => a + t.gradNorm ** 2, 0));
          return !Number.isFinite(g) || g > EXPLODE
            ? [`layer ${layer}: gradient norm ${fmt(g, 3)} (exploding)`]
            : g < VANISH
              ? [`layer ${layer}: gradient norm ${fmt(g, 3)} (vanishing)`]
              : [];
        })
      : [];
    return html`<nb-cell index="10" heading="Training dynamics" status=${d.length ? (s.training ? 'running' : 'done') : 'idle'} no-run>
      ${
        !d.length
          ? html`<p class="muted">Run training (cell 5): per layer, the gradient norm, the weight norm and the update-to-weight ratio, sampled on the GPU inside the step a few times a second.</p>`
          : html`<p class="muted" data-testid="dynamics-count" data-value=${d.length}>${d.length} samples, the last after step ${last.step + 1} (x: epochs).
              Normal: ratios around 1e-3; gradients between 1e-6 and 100.</p>
            ${marked.length ? html`<div class="warn" role="alert" data-testid="dynamics-marked">${marked.join('; ')}</div>` : null}
            <div style="display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px">
              <line-chart data-testid="dynamics-grad" heading="Gradient norm ‖∂L/∂w‖ per layer" x-label="epoch" integer-x log .series=${grad}></line-chart>
              <line-chart data-testid="dynamics-weight" heading="Weight norm ‖w‖ per layer" x-label="epoch" integer-x log .series=${perLayer(d, steps, (_g, w) => Math.sqrt(w))}></line-chart>
              <line-chart data-testid="dynamics-ratio" heading="Update / weight ‖lr·v‖ / ‖w‖" x-label="epoch" integer-x log
                .series=${perLayer(d, steps, (_g, w, u) => (w > 0 ? Math.sqrt(u / w) : 0))}></line-chart>
              <line-chart data-testid="dynamics-lr" heading="Learning rate" x-label="epoch" integer-x .series=${[{ label: 'lr', points: d.map((x) => ({ x: x.step / steps, y: x.lr })) }]}></line-chart>
              ${last.running.map(
                (r) => html`<line-chart data-testid="dynamics-bn-${r.layer}" heading="BatchNorm layer ${r.layer}: running statistics now" x-label="channel"
                  .series=${[
                    { label: 'mean', points: r.mean.map((y, x) => ({ x, y })) },
                    { label: 'variance', points: r.var.map((y, x) => ({ x, y })) },
                  ]}></line-chart>`,
              )}
            </div>`
      }
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-dynamics-cell': DynamicsCell;
  }
}
