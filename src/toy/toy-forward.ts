// Cell 2: the forward pass, every quantity as a formula, with the numbers, and its value.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { katexStyles, tex } from '../ui/tex';
import { forwardLines } from './toy-math';
import { num, toyBase, toyFormula, toyTheme } from './toy-styles';
import type { ToySetup, ToyState } from './toy';

@customElement('toy-forward')
export class ToyForward extends LitElement {
  @property({ attribute: false }) state: ToyState | null = null;
  @property({ attribute: false }) setup: ToySetup | null = null;
  @property() status: CellStatus = 'idle';
  /** Shown instead of the table while there is nothing to show. */
  @property() waiting = '';
  static override styles = [katexStyles, toyTheme, toyBase, toyFormula, css`td, th { text-align: left; vertical-align: middle; padding: 5px 8px; }`];

  override render() {
    const s = this.state;
    const u = this.setup;
    return html`<nb-cell index="2" heading="Forward pass" status=${this.status} ?run-disabled=${!u}>
      ${
        s && u
          ? html`<p class="muted">Iteration ${s.iteration}.</p>
            <table>
              <tr><th>formula</th><th>with the numbers</th><th>value</th></tr>
              ${forwardLines(s, u).map((l) => html`<tr><td>${tex(l.tex)}</td><td>${tex(`= ${l.subst}`)}</td><td>${num(l.name, l.value)}</td></tr>`)}
            </table>`
          : html`<p class="muted">${this.waiting}</p>`
      }
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-forward': ToyForward;
  }
}
