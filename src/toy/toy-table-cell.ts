// Cell 7: the iterations as rows, like the ERA sheet (iteration, w1…w8, E_total, ∂E/∂w1…∂E/∂w8,
// and the biases when there are some): the latest rows on the page, all of them (0 up to the
// iteration shown) copied tab-separated or downloaded as CSV, at full precision.
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { float32Text, fmt } from '../ui/format';
import { toyBase, toyTheme } from './toy-styles';
import type { ToySetup, ToyState } from './toy';

/** Rows on the page (the copy and the CSV have all of them). */
export const SHOWN_ROWS = 40;

export function tableColumns(biases: boolean): { name: string; get: (s: ToyState) => number }[] {
  const w = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({ name: `w${k + 1}`, get: (s: ToyState) => s.w[k] }));
  const g = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({ name: `dE/dw${k + 1}`, get: (s: ToyState) => s.dw[k] }));
  return [
    { name: 'iteration', get: (s) => s.iteration },
    ...w,
    ...(biases
      ? [
          { name: 'b1', get: (s: ToyState) => s.b1 },
          { name: 'b2', get: (s: ToyState) => s.b2 },
        ]
      : []),
    { name: 'E_total', get: (s) => s.E_total },
    ...g,
    ...(biases
      ? [
          { name: 'dE/db1', get: (s: ToyState) => s.db1 },
          { name: 'dE/db2', get: (s: ToyState) => s.db2 },
        ]
      : []),
  ];
}

/**
 * The rows as text: a header, then one line per iteration. The GPU's float32 values are written
 * in the fewest digits that read back to the same float32 (0.15, not 0.15000000596046448), the
 * CPU reference's float64 values in full.
 */
export function tableText(states: ToyState[], biases: boolean, sep: '\t' | ',', precision: 'float32' | 'float64' = 'float32'): string {
  const cols = tableColumns(biases);
  const text = precision === 'float32' ? float32Text : String;
  const lines = [cols.map((c) => c.name).join(sep), ...states.map((s) => cols.map((c) => text(c.get(s))).join(sep))];
  return `${lines.join('\n')}\n`;
}

/** The first iteration from which no number of a row changes any more (float32 has stopped moving), or null. */
export function frozenFrom(states: ToyState[], biases: boolean): number | null {
  const cols = tableColumns(biases).slice(1);
  const same = (a: ToyState, b: ToyState) => cols.every((c) => Object.is(c.get(a), c.get(b)));
  let k = states.length - 1;
  while (k > 0 && same(states[k], states[k - 1])) k--;
  return k < states.length - 1 ? states[k].iteration : null;
}

@customElement('toy-table-cell')
export class ToyTableCell extends LitElement {
  @property({ attribute: false }) history: ToyState[] = [];
  @property({ attribute: false }) setup: ToySetup | null = null;
  @property({ type: Number }) iteration = 0;
  @property() status: CellStatus = 'idle';
  /** What computed the rows: the GPU (float32) or the CPU reference (float64). */
  @property() precision: 'float32' | 'float64' = 'float32';
  @state() private message = '';
  private shown: ToyState[] = [];
  static override styles = [
    toyTheme,
    toyBase,
    css`
      .scroll { overflow: auto; max-height: 420px; border: 1px solid var(--border-2); border-radius: 6px; }
      th { position: sticky; top: 0; background: var(--surface); white-space: nowrap; }
      td { white-space: nowrap; }
      tr.now td { background: var(--toy-hot-bg); }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('history') || changed.has('iteration')) {
      const end = Math.min(this.iteration + 1, this.history.length);
      this.shown = this.history.slice(Math.max(0, end - SHOWN_ROWS), end);
    }
    if (changed.has('setup')) this.message = '';
  }

  /** Iterations 0 … the one shown. */
  private rows(): ToyState[] {
    return this.history.slice(0, Math.min(this.iteration + 1, this.history.length));
  }

  private async copy() {
    const rows = this.rows();
    try {
      await navigator.clipboard.writeText(tableText(rows, Boolean(this.setup?.biases), '\t', this.precision));
      this.message = `Copied ${rows.length} rows (tab-separated: paste into a spreadsheet).`;
    } catch (e) {
      this.message = `The clipboard refused: ${(e as Error).message}. Use Download CSV.`;
    }
  }

  private download() {
    const rows = this.rows();
    const url = URL.createObjectURL(new Blob([tableText(rows, Boolean(this.setup?.biases), ',', this.precision)], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `backprop-iterations-0-${rows.length - 1}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.message = `Downloaded ${rows.length} rows as CSV.`;
  }

  override render() {
    const ready = Boolean(this.setup && this.shown.length);
    const cols = tableColumns(Boolean(this.setup?.biases));
    const first = this.shown[0]?.iteration ?? 0;
    const upTo = this.rows();
    const frozen = ready ? frozenFrom(upTo, Boolean(this.setup?.biases)) : null;
    const last = upTo[upTo.length - 1];
    return html`<nb-cell index="7" heading="Iterations as a table" status=${this.status} no-run>
      <div class="row">
        <button data-testid="toy-table-copy" ?disabled=${!ready} @click=${this.copy}>Copy (tab-separated)</button>
        <button data-testid="toy-table-csv" ?disabled=${!ready} @click=${this.download}>Download CSV</button>
        <span class="muted" role="status" data-testid="toy-table-message">${this.message}</span>
      </div>
      ${
        ready
          ? html`<p class="muted">
              Iterations ${first}–${this.iteration} (the latest ${SHOWN_ROWS} at most); Copy and CSV hold every iteration from 0 to ${this.iteration},
              ${
                this.precision === 'float32'
                  ? 'each value in the fewest digits that read back to the same float32 (0.15 is stored as 0.15000000596046448, and written 0.15).'
                  : 'at float64 precision (the CPU reference).'
              }
              Weights are those of the iteration's forward pass; the gradients give the next row's weights.
            </p>
            ${
              frozen !== null
                ? html`<p class="warn" data-testid="toy-table-frozen" data-value=${frozen}>From iteration ${frozen} on, ${this.precision} no longer changes any
                    number in a row: ${
                      last && last.E_total === 0 && last.dw.every((g) => g === 0)
                        ? 'the outputs round to their targets, so E_total and every ∂E/∂w are exactly 0 and the weights stop moving'
                        : `each update is smaller than ${this.precision} can add to the weights`
                    }. The rows after it repeat.</p>`
                : null
            }
            <div class="scroll" tabindex="0" role="region" aria-label="Iterations table">
              <table data-testid="toy-table">
                <tr>${cols.map((c) => html`<th scope="col">${c.name}</th>`)}</tr>
                ${this.shown.map(
                  (s) =>
                    html`<tr class=${s.iteration === this.iteration ? 'now' : ''}>${cols.map((c, i) => (i ? html`<td class="num">${fmt(c.get(s), 6)}</td>` : html`<td class="num">${s.iteration}</td>`))}</tr>`,
                )}
              </table>
            </div>`
          : null
      }
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-table-cell': ToyTableCell;
  }
}
