// The side panel: the diagram, what computes it (GPU float32 or the CPU float64 reference), how far
// the GPU is from the float64 reference (with abs + rel tolerance, and float32's limit explained
// where it shows), and the section's live status line.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { fmt } from '../ui/format';
import './toy-diagram';
import type { PathId } from './toy-diagram';
import { ABS, f32SpacingExponent, REL } from './toy-compare';
import { toyBase, toyTheme } from './toy-styles';
import type { ToySetup, ToyState } from './toy';

@customElement('toy-engine-panel')
export class ToyEnginePanel extends LitElement {
  @property({ attribute: false }) state: ToyState | null = null;
  /** The float64 reference at the same iteration. */
  @property({ attribute: false }) reference: ToyState | null = null;
  @property({ attribute: false }) setup: ToySetup | null = null;
  @property({ attribute: false }) highlight: Set<PathId> = new Set();
  @property() engine: 'gpu' | 'cpu' | '' = '';
  @property() note = '';
  /** max |got − want| / (ABS + REL·|want|) over iterations 0 … the one shown. */
  @property({ type: Number }) agreement = 0;
  /** First iteration where float32's resolution shows, if it is ≤ the one shown. */
  @property({ attribute: false }) limitedFrom: number | null = null;
  @property() live = '';
  @property({ attribute: false }) lastRun = { ms: 0, iterations: 0 };
  static override styles = [
    toyTheme,
    toyBase,
    css`
      :host { font-size: 13px; }
      .engine { color: var(--fg-2); margin: 4px 0 0; }
      .engine b { color: var(--ok); }
      .engine.cpu b { color: var(--busy); }
      .bad { color: var(--err); font-weight: 600; }
      .f32 { background: var(--surface-2); border: 1px solid var(--border-2); border-radius: 6px; padding: 6px 8px; color: var(--fg-2); margin: 6px 0; }
      .live { color: var(--fg-2); border-top: 1px solid var(--border-2); padding-top: 6px; min-height: 1.4em; }
    `,
  ];

  private float32Note(cur: ToyState, ref: ToyState) {
    const t = this.setup!.t1;
    const k = f32SpacingExponent(t);
    const sup = (n: number) =>
      String(n)
        .replace(/-/g, '⁻')
        .replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]);
    return html`<div class="f32" data-testid="toy-float32-limit">
      <b>float32's limit, not a GPU error.</b> From iteration ${this.limitedFrom}, the outputs a_o are within a few float32 steps of
      their targets (float32's spacing near t1 = ${fmt(t, 4)} is 2${sup(k)} ≈ ${(2 ** k).toExponential(1)}; ε = 2⁻²³ ≈ 1.2e-7 relative),
      so t − a_o is 0 or a few such steps:
      on the GPU E_total = ${fmt(cur.E_total, 3)} and ∂E/∂w5 = ${fmt(cur.dw[4], 3)}, where float64 has ${fmt(ref.E_total, 3)} and
      ${fmt(ref.dw[4], 3)} (float32 also has nothing below ~1e-38 but 0 and a few subnormals). Relative differences mean
      nothing there; the differences themselves are far below the tolerance.
    </div>`;
  }

  override render() {
    const cur = this.state;
    const ref = this.reference;
    const ok = this.agreement <= 1;
    return html`<toy-diagram .state=${cur} .setup=${this.setup} .highlight=${this.highlight}></toy-diagram>
      <p class="engine ${this.engine}" data-testid="toy-engine" data-engine=${this.engine}>
        ${
          this.engine === 'gpu'
            ? html`<b>GPU</b> (float32, the engine's matmul, sigmoid, ½·SSE and SGD kernels) on ${this.note}.
              Against the float64 CPU reference, iterations 0–${cur?.iteration ?? 0}: max |GPU − float64| / (${ABS.toExponential(0)} + ${REL.toExponential(0)}·|float64|) =
              <span class="num ${ok ? '' : 'bad'}" data-testid="toy-agreement" data-value=${String(this.agreement)}>${this.agreement.toPrecision(2)}</span>
              ${ok ? '(≤ 1: the same numbers to float32 precision).' : '(> 1: the GPU differs from float64 by more than float32 rounding explains).'}`
            : this.engine === 'cpu'
              ? html`<b>CPU reference (float64)</b> — no GPU: ${this.note}`
              : 'Starting…'
        }
      </p>
      ${this.engine === 'gpu' && cur && ref && this.limitedFrom !== null && this.limitedFrom <= cur.iteration ? this.float32Note(cur, ref) : null}
      ${this.lastRun.iterations ? html`<p class="muted">Last run: ${this.lastRun.iterations} iterations in ${this.lastRun.ms.toFixed(0)} ms.</p>` : null}
      <p class="live" role="status" aria-live="polite" data-testid="toy-live">${this.live}</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-engine-panel': ToyEnginePanel;
  }
}
