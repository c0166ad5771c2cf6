// Cell 3: the chain rule, one product per parameter. Its ~30 factors are one tab stop (a roving
// tabindex: Tab enters the group at the last factor visited, the arrow keys, Home and End move inside
// it); hovering or focusing a factor emits `highlight` with its path on the diagram.
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { katexStyles, tex, texNum } from '../ui/tex';
import type { PathId } from './toy-diagram';
import { partials, type Factor, type Partial } from './toy-math';
import { num, toyBase, toyFormula, toyTheme } from './toy-styles';
import type { ToySetup, ToyState } from './toy';

@customElement('toy-partials')
export class ToyPartials extends LitElement {
  @property({ attribute: false }) state: ToyState | null = null;
  @property({ attribute: false }) setup: ToySetup | null = null;
  @property() status: CellStatus = 'idle';
  @property() waiting = '';
  /** The factor that holds the group's tab stop. */
  @state() private active = 0;
  private rows: Partial[] = [];
  static override styles = [
    katexStyles,
    toyTheme,
    toyBase,
    toyFormula,
    css`
      .p { padding: 8px 0; border-bottom: 1px solid var(--border-2); }
      .factors { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 0; align-items: center; }
      .f { display: inline-block; border: 1px solid var(--border-2); border-radius: 6px; padding: 4px 8px; background: var(--surface-2); cursor: default; }
      .f:hover, .f:focus { border-color: var(--toy-hot); background: var(--toy-hot-bg); }
      .f:focus-visible { outline: 2px solid var(--toy-hot); outline-offset: 1px; }
      .res { font-weight: 600; }
      .sum { margin: 6px 0 0 12px; font-size: 13px; color: var(--fg-2); display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>) {
    if ((changed.has('state') || changed.has('setup')) && this.state && this.setup) {
      this.rows = partials(this.state, this.setup);
      const total = this.rows.reduce((t, p) => t + p.factors.length + (p.sum?.terms.length ?? 0), 0);
      if (this.active >= total) this.active = 0;
    }
  }

  private hl(path: PathId[]) {
    this.dispatchEvent(new CustomEvent('highlight', { detail: new Set(path), bubbles: true, composed: true }));
  }

  private factors(): HTMLElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLElement>('.f')];
  }

  private onKey(e: KeyboardEvent) {
    const all = this.factors();
    const i = all.indexOf(e.target as HTMLElement);
    if (i < 0) return;
    const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const k = Math.max(0, Math.min(all.length - 1, to));
    this.active = k;
    all[k].focus();
  }

  private onFocus(e: FocusEvent) {
    const i = this.factors().indexOf(e.target as HTMLElement);
    if (i >= 0) this.active = i;
  }

  override render() {
    const u = this.setup;
    return html`<nb-cell index="3" heading="Partial derivatives (chain rule)" status=${this.status} ?run-disabled=${!u}>
      ${this.state && u ? this.renderRows() : html`<p class="muted">${this.waiting}</p>`}
    </nb-cell>`;
  }

  private renderRows() {
    let n = 0;
    const clear = () => this.hl([]);
    const factor = (f: Factor, body: unknown) => {
      const k = n++;
      return html`<span class="f" data-testid="toy-factor" tabindex=${k === this.active ? 0 : -1}
        @mouseenter=${() => this.hl(f.path)} @focus=${() => this.hl(f.path)} @mouseleave=${clear} @blur=${clear}>${body}</span>`;
    };
    return html`<p class="muted">
        Hover a factor, or Tab to the factors and move with the arrow keys, to see its path on the diagram. Values at iteration
        ${this.state!.iteration}; the result is the gradient the engine's backward kernels computed.
      </p>
      <div role="group" aria-label="Chain-rule factors: the arrow keys move between them" @keydown=${this.onKey} @focusin=${this.onFocus}>
        ${this.rows.map(
          (p) => html`<div class="p">
            <div>${tex(p.tex)}</div>
            <div class="factors">
              ${p.factors.map(
                (f, i) => html`${i ? html`<span>·</span>` : null}
                  ${factor(f, tex(`${f.tex} = ${f.formula} = ${texNum(f.value)}`))}`,
              )}
              <span>=</span> <span class="res">${num(`dE_d${p.param}`, p.value)}</span>
            </div>
            ${
              p.sum
                ? html`<div class="sum">
                  both outputs' errors reach it:
                  ${p.sum.terms.map((t, i) => html`${i ? ' + ' : ' '}${factor(t, tex(`${t.tex} = ${t.formula} = ${texNum(t.value)}`))}`)}
                </div>`
                : null
            }
          </div>`,
        )}
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-partials': ToyPartials;
  }
}
