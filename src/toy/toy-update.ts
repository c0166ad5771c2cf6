// Cell 4: the update, old weight, gradient, η and new weight for every parameter.
import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { fmt } from '../ui/format';
import { katexStyles, tex } from '../ui/tex';
import { num, toyBase, toyFormula, toyTheme } from './toy-styles';
import type { ToySetup, ToyState } from './toy';

@customElement('toy-update')
export class ToyUpdate extends LitElement {
  @property({ attribute: false }) state: ToyState | null = null;
  @property({ attribute: false }) setup: ToySetup | null = null;
  @property() status: CellStatus = 'idle';
  @property() waiting = '';
  static override styles = [katexStyles, toyTheme, toyBase, toyFormula];

  private table(s: ToyState, u: ToySetup) {
    const rows: [string, number, number, boolean][] = s.w.map((w, k) => [`w${k + 1}`, w, s.dw[k], true]);
    if (u.biases) rows.push(['b1', s.b1, s.db1, u.learnBiases], ['b2', s.b2, s.db2, u.learnBiases]);
    return html`<p>${tex('w \\leftarrow w - \\eta\\, \\dfrac{\\partial E_{total}}{\\partial w}')}, every weight at once, with η = ${fmt(u.lr)}.</p>
      <table>
        <tr><th>parameter</th><th>now</th><th>∂E/∂w</th><th>next = now − η·∂E/∂w</th></tr>
        ${rows.map(
          ([name, w, g, learned]) => html`<tr>
            <td>${tex(name.replace(/(\d)/, '_$1'))}</td><td>${num(name, w)}</td><td class="num">${fmt(g, 9)}</td>
            <td class="num" data-testid="toy-next-${name}" data-value=${String(learned ? w - u.lr * g : w)}>${learned ? fmt(w - u.lr * g, 9) : `${fmt(w, 9)} (fixed)`}</td>
          </tr>`,
        )}
      </table>`;
  }

  override render() {
    const s = this.state;
    const u = this.setup;
    return html`<nb-cell index="4" heading="Update" status=${this.status} ?run-disabled=${!u}>
      ${s && u ? this.table(s, u) : html`<p class="muted">${this.waiting}</p>`}
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-update': ToyUpdate;
  }
}
