// Cells 6–7: the plots (train/test loss and accuracy) and the look inside (misclassified digits,
// confusion matrix with per-class accuracy, a digit you draw).
import { html } from 'lit';
import { customElement } from 'lit/decorators.js';
import '../../ui/draw-pad';
import '../../ui/line-chart';
import type { Series } from '../../ui/line-chart';
import '../../ui/nb-cell';
import type { EpochLog } from '../../train/trainer';
import '../mnist-views';
import { SessionElement } from './base';

@customElement('mnist-plots-cell')
export class PlotsCell extends SessionElement {
  override render() {
    const s = this.s;
    const test = (f: (l: EpochLog) => number, label: string): Series[] => [{ label, points: s.epochs.map((l) => ({ x: l.epoch, y: f(l) })) }];
    return html`<nb-cell index="6" heading="Plots" status=${s.status.plots ?? 'idle'} message=${s.messages.plots ?? ''} no-run ?restored=${Boolean(s.saved)}>
      <div class="charts" style="display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px">
        <line-chart data-testid="mnist-chart-train-loss" heading="Training loss" x-label="epoch" integer-x .series=${[{ label: 'train loss', points: s.trainPoints }]}></line-chart>
        <line-chart data-testid="mnist-chart-train-acc" heading="Training accuracy (%)" x-label="epoch" integer-x .series=${[{ label: 'train accuracy', points: s.trainAccPoints }]}></line-chart>
        <line-chart data-testid="mnist-chart-test-loss" heading="Test loss" x-label="epoch" integer-x .series=${test((l) => l.testLoss, 'test loss')}></line-chart>
        <line-chart data-testid="mnist-chart-test-acc" heading="Test accuracy (%)" x-label="epoch" integer-x .series=${test((l) => l.testAcc, 'test accuracy')}></line-chart>
      </div>
    </nb-cell>`;
  }
}

@customElement('mnist-inspect-cell')
export class InspectCell extends SessionElement {
  /** A misclassified digit clicked: cell 8 shows it, and comes into view. */
  private openInside(image: number) {
    this.session.reveal(8);
    void this.session.inside.show({ image: String(image) });
  }

  override render() {
    const s = this.s;
    const probs = s.probs;
    const best = probs ? probs.indexOf(Math.max(...probs)) : -1;
    return html`<nb-cell index="7" heading="Look inside" status=${s.status.inspect ?? 'idle'} message=${s.messages.inspect ?? ''}
        ?run-disabled=${!s.built || s.training} @run=${this.session.runInspect}>
      ${
        s.inspection
          ? html`<mnist-inspection .inspection=${s.inspection} @inside=${(e: CustomEvent<number>) => this.openInside(e.detail)}></mnist-inspection>`
          : html`<p class="muted">Run after training to see what the model gets wrong.</p>`
      }
      <div class="grid2" style="margin-top:12px">
        <draw-pad @digit=${(e: CustomEvent<Float32Array | null>) => this.session.predict(e.detail)}></draw-pad>
        <div>
          <div class="muted">Draw a digit: the model's probabilities</div>
          <table data-testid="mnist-probs">
            ${(probs ?? new Array(10).fill(0)).map(
              (p, c) => html`<tr style=${c === best ? 'font-weight:700' : ''}><td>${c}</td>
                <td><span class="bar" style="width:${160 * p}px"></span></td><td>${probs ? `${(100 * p).toFixed(1)}%` : ''}</td></tr>`,
            )}
          </table>
        </div>
      </div>
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-plots-cell': PlotsCell;
    'mnist-inspect-cell': InspectCell;
  }
}
