// Two to four kept runs' test accuracy and test loss per epoch in one chart each, one line per
// run, the legend naming them.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '../../ui/line-chart';
import type { Series } from '../../ui/line-chart';
import type { RunRecord } from './run-record';

@customElement('runs-overlay')
export class RunsOverlay extends LitElement {
  @property({ attribute: false }) runs: RunRecord[] = [];

  static override styles = css`
    :host { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; margin-top: 10px; }
  `;

  override render() {
    const series = (f: (h: RunRecord['history'][number]) => number): Series[] =>
      this.runs.map((r) => ({ label: r.init ? `${r.name} (init ${r.init})` : r.name, points: r.history.map((h) => ({ x: h.epoch, y: f(h) })) }));
    return html`<line-chart data-testid="runs-overlay-acc" heading="Test accuracy (%)" x-label="epoch" integer-x .series=${series((h) => h.testAcc)}></line-chart>
      <line-chart data-testid="runs-overlay-loss" heading="Test loss" x-label="epoch" integer-x .series=${series((h) => h.testLoss)}></line-chart>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'runs-overlay': RunsOverlay;
  }
}
