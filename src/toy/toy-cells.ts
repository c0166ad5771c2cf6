// The read-only cells of the backprop section: forward pass, partial derivatives, update.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { fmt } from '../ui/format';
import { katexStyles, tex, texNum } from '../ui/tex';
import type { PathId } from './toy-diagram';
import { forwardLines, partials } from './toy-math';
import type { ToySetup, ToyState } from './toy';

/** A number as the notebook shows it: readable text, full precision in data-value. */
export const num = (name: string, v: number, digits = 9) =>
  html`<span class="num" data-testid="toy-${name}" data-value=${String(v)} title=${String(v)}>${fmt(v, digits)}</span>`;

const shared = css`
  :host { display: block; }
  .num { font-family: ui-monospace, SFMono-Regular, monospace; font-size: 13px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { padding: 5px 8px; border-bottom: 1px solid #f1f5f9; text-align: left; vertical-align: middle; }
  th { font-weight: 600; font-size: 12px; color: #475569; }
  .katex { font-size: 1.02em; }
`;

@customElement('toy-forward')
export class ToyForward extends LitElement {
  @property({ attribute: false }) state!: ToyState;
  @property({ attribute: false }) setup!: ToySetup;
  static override styles = [katexStyles, shared];

  override render() {
    return html`<table>
      <tr><th>formula</th><th>with the numbers</th><th>value</th></tr>
      ${forwardLines(this.state, this.setup).map(
        (l) => html`<tr><td>${tex(l.tex)}</td><td>${tex(`= ${l.subst}`)}</td><td>${num(l.name, l.value)}</td></tr>`,
      )}
    </table>`;
  }
}

/** Chain-rule products per weight; hovering a factor emits `highlight` with its path on the diagram. */
@customElement('toy-partials')
export class ToyPartials extends LitElement {
  @property({ attribute: false }) state!: ToyState;
  @property({ attribute: false }) setup!: ToySetup;
  static override styles = [
    katexStyles,
    shared,
    css`
      .p { padding: 8px 0; border-bottom: 1px solid #f1f5f9; }
      .factors { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 0; align-items: center; }
      .f { border: 1px solid #e2e8f0; border-radius: 6px; padding: 4px 8px; background: #f8fafc; cursor: default; }
      .f:hover, .f:focus { border-color: #ca8a04; background: #fef9c3; outline: none; }
      .f small { display: block; color: #475569; }
      .res { font-weight: 600; }
      .sum { margin: 6px 0 0 12px; font-size: 13px; color: #334155; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    `,
  ];

  private hl(path: PathId[]) {
    this.dispatchEvent(new CustomEvent('highlight', { detail: new Set(path), bubbles: true, composed: true }));
  }

  override render() {
    const clear = () => this.hl([]);
    return html`${partials(this.state, this.setup).map(
      (p) => html`<div class="p">
        <div>${tex(p.tex)}</div>
        <div class="factors">
          ${p.factors.map(
            (f, i) => html`${i ? html`<span>·</span>` : null}
              <span class="f" tabindex="0" @mouseenter=${() => this.hl(f.path)} @focus=${() => this.hl(f.path)} @mouseleave=${clear} @blur=${clear}>
                ${tex(f.tex)} <small>${tex(`= ${f.formula} = ${texNum(f.value)}`)}</small>
              </span>`,
          )}
          <span>=</span> <span class="res">${num(`dE_d${p.param}`, p.value)}</span>
        </div>
        ${p.sum
          ? html`<div class="sum">
              both outputs' errors reach it:
              ${p.sum.terms.map(
                (t, i) => html`${i ? ' + ' : ' '}<span class="f" tabindex="0" @mouseenter=${() => this.hl(t.path)} @focus=${() => this.hl(t.path)} @mouseleave=${clear} @blur=${clear}
                  >${tex(`${t.tex} = ${t.formula} = ${texNum(t.value)}`)}</span>`,
              )}
            </div>`
          : null}
      </div>`,
    )}`;
  }
}

/** Old weight, gradient, η, new weight, for every parameter. */
@customElement('toy-update')
export class ToyUpdate extends LitElement {
  @property({ attribute: false }) state!: ToyState;
  @property({ attribute: false }) setup!: ToySetup;
  static override styles = [katexStyles, shared];

  override render() {
    const s = this.state;
    const u = this.setup;
    const rows: [string, number, number, boolean][] = s.w.map((w, k) => [`w${k + 1}`, w, s.dw[k], true]);
    if (u.biases) rows.push(['b1', s.b1, s.db1, u.learnBiases], ['b2', s.b2, s.db2, u.learnBiases]);
    return html`<p>${tex('w \\leftarrow w - \\eta\\, \\frac{\\partial E_{total}}{\\partial w}')}, every weight at once, with η = ${fmt(u.lr)}.</p>
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
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-forward': ToyForward;
    'toy-partials': ToyPartials;
    'toy-update': ToyUpdate;
  }
}
