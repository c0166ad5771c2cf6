// Presentational pieces of the MNIST section: the torchsummary table and the look inside.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Summary } from '../engine/summary';
import '../ui/digit-grid';
import { fmtInt } from '../ui/format';
import { tableStyles } from '../ui/styles';
import type { Inspection } from './protocol';

const viewStyles = [
  tableStyles,
  css`
    :host { display: block; }
    .wide { overflow-x: auto; }
    .note { margin: 0 0 6px; font-size: 13px; color: var(--muted); }
    pre { font: 12px/1.4 ui-monospace, monospace; background: var(--surface-2); color: var(--fg); border: 1px solid var(--border-2); border-radius: 6px; padding: 8px; overflow: auto; }
  `,
];

/** The model as torchsummary prints it for input (1, 28, 28), plus multiply-adds. */
@customElement('model-summary')
export class ModelSummary extends LitElement {
  @property({ attribute: false }) summary!: Summary;
  static override styles = viewStyles;

  override render() {
    const s = this.summary;
    return html`<p class="note" data-testid="mnist-summary-note">“layer” is the layer's index in the spec, from 0: the prefix of its
        <code>state_dict</code> names (<code>4.weight</code>) and the number every other cell and error uses. torchsummary's names count from 1.</p>
      <div class="wide" tabindex="0" role="region" aria-label="torchsummary table"><table data-testid="mnist-summary">
        <tr><th>layer</th><th>Layer (type)</th><th>Output Shape</th><th>Param #</th><th>Mult-adds</th></tr>
        ${s.rows.map((r, i) => html`<tr><td data-testid="summary-layer">${i}</td><td>${r.name}</td><td>[-1, ${r.outShape.join(', ')}]</td><td>${fmtInt(r.params)}</td><td>${r.macs ? fmtInt(r.macs) : ''}</td></tr>`)}
      </table></div>
      <pre>Total params: <span data-testid="mnist-total-params" data-value=${s.totalParams}>${fmtInt(s.totalParams)}</span>
Trainable params: ${fmtInt(s.trainableParams)}
Non-trainable params: ${s.nonTrainableParams}
Input size (MB): ${s.inputMB.toFixed(2)}
Forward/backward pass size (MB): ${s.forwardBackwardMB.toFixed(2)}
Params size (MB): ${s.paramsMB.toFixed(2)}
Estimated Total Size (MB): ${s.totalMB.toFixed(2)}
Multiply-adds per image: <span data-testid="mnist-macs">${fmtInt(s.macs)}</span></pre>`;
  }
}

/** What the trained model gets wrong: misclassified test digits and the confusion matrix. */
@customElement('mnist-inspection')
export class MnistInspection extends LitElement {
  @property({ attribute: false }) inspection!: Inspection;
  static override styles = [
    ...viewStyles,
    css`.cm td { min-width: 34px; text-align: center; padding: 2px 4px; font-size: 12px; } .cm tr.acc td { font-weight: 600; }`,
  ];

  override render() {
    const i = this.inspection;
    const images = new Uint8Array(i.misclassified.length * 784);
    i.misclassified.forEach((m, k) => images.set(m.image, k * 784));
    const tested = i.confusion.flat().reduce((a, b) => a + b, 0);
    const wrong = tested - i.confusion.reduce((a, row, r) => a + row[r], 0);
    const shown = i.misclassified.length;
    return html`<p data-testid="mnist-wrong" data-value=${wrong}>Test accuracy ${i.accuracy.toFixed(2)}%: ${fmtInt(wrong)} of ${fmtInt(tested)} test digits are misclassified${
      wrong > shown ? `; the first ${shown} are shown` : wrong ? '; all of them are shown' : ''
    }${wrong ? ' (true → predicted, confidence):' : '.'}</p>
      <digit-grid data-testid="mnist-misclassified" .images=${images} columns="12" scale="2" title="click a digit to look inside it (cell 8)"
        @pick=${(e: CustomEvent<number>) => this.dispatchEvent(new CustomEvent('inside', { detail: i.misclassified[e.detail].index, bubbles: true, composed: true }))}
        .captions=${i.misclassified.map((m) => `${m.label}→${m.pred} ${(100 * m.prob).toFixed(0)}%`)}></digit-grid>
      <p>Confusion matrix (rows: true digit, columns: predicted):</p>
      <table class="cm" data-testid="mnist-confusion">
        <tr><th></th>${[...Array(10).keys()].map((c) => html`<th>${c}</th>`)}</tr>
        ${i.confusion.map((row, r) => {
          const total = row.reduce((a, b) => a + b, 0) || 1;
          // Tints light enough for the digits to stay readable in light and dark mode.
          const shade = (v: number, c: number) =>
            r === c ? `rgba(22,163,74,${(0.45 * v) / total})` : v ? `rgba(220,38,38,${Math.min(0.45, (2.5 * v) / total)})` : 'transparent';
          return html`<tr><th>${r}</th>${row.map((v, c) => html`<td style="background:${shade(v, c)}">${v || ''}</td>`)}</tr>`;
        })}
        <tr class="acc" data-testid="mnist-class-accuracy"><th title="per-class accuracy: the diagonal over the row's total">acc %</th>
          ${i.confusion.map((row, r) => {
            const total = row.reduce((a, b) => a + b, 0);
            return html`<td data-value=${total ? (100 * row[r]) / total : ''}>${total ? ((100 * row[r]) / total).toFixed(1) : '—'}</td>`;
          })}</tr>
      </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'model-summary': ModelSummary;
    'mnist-inspection': MnistInspection;
  }
}
