// Cell 6: the same network trained with several learning rates, 1,000 iterations each: progress
// while it runs, E_total on a log scale, and the table. A table for another list than the one
// typed is marked stale; an invalid list clears it.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '../ui/line-chart';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { fmt } from '../ui/format';
import { parseLrList } from './toy-form';
import { LR_ITERATIONS, OVERSHOOT_LRS, type LrSweep, type LrSweepRunner } from './toy-lr-sweep';
import { toyBase, toyTheme } from './toy-styles';

@customElement('toy-lr-cell')
export class ToyLrCell extends LitElement {
  @property({ attribute: false }) runner!: LrSweepRunner;
  @property({ attribute: false }) sweep!: LrSweep;
  @property() text = '';
  @property({ type: Boolean }) stale = false;
  @property({ type: Boolean }) ready = false;
  @property() status: CellStatus = 'idle';
  @property() message = '';
  static override styles = [
    toyTheme,
    toyBase,
    css`
      .stale table, .stale line-chart { opacity: 0.45; }
      label.grow { flex: 1; }
      caption { caption-side: bottom; text-align: left; font-size: 12px; color: var(--muted); padding-top: 6px; }
    `,
  ];

  private table() {
    const { rows } = this.sweep;
    return html`<table data-testid="toy-lr-table" data-for=${this.sweep.shownFor}>
      <caption data-testid="toy-lr-caption">E after 1 step: E_total after the first update. E at iteration 67: E_total after 67 updates, one fixed
        point early in training at which the rates are compared side by side (by then η = 0.5 is still well above 1e-3). Iterations to E &lt; 1e-3 and &lt; 1e-4: the first iteration below each.</caption>
      <tr><th>η</th><th>E after 1 step</th><th>E at iteration 67</th><th>iterations to E &lt; 1e-3</th><th>to E &lt; 1e-4</th></tr>
      ${rows.map(
        (r, i) => html`<tr data-lr=${String(r.lr)}>
            <td>${r.lr}</td>
            <td class="num" data-testid="toy-lr-${i}-e1" data-value=${String(r.e1)}>${fmt(r.e1, 10)}</td>
            <td class="num" data-testid="toy-lr-${i}-e67" data-value=${String(r.e67)}>${fmt(r.e67, 10)}</td>
            <td class="num" data-testid="toy-lr-${i}-to3" data-value=${String(r.to3)}>${r.to3 ?? `> ${LR_ITERATIONS}`}</td>
            <td class="num" data-testid="toy-lr-${i}-to4" data-value=${String(r.to4)}>${r.to4 ?? `> ${LR_ITERATIONS}`}</td>
          </tr>
          ${r.note ? html`<tr><td colspan="5"><div class="warn" data-testid="toy-lr-${i}-note">${r.note}</div></td></tr>` : null}`,
      )}
    </table>`;
  }

  /** Enter in the list runs it, as the cell's Run does. */
  private onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || !this.ready || this.sweep.running) return;
    e.preventDefault();
    void this.runner.run();
  };

  /** The rates that overshoot: their rows say where E_total rose. */
  private overshoot = () => {
    this.runner.setText(OVERSHOOT_LRS);
    void this.runner.run(OVERSHOOT_LRS);
  };

  override render() {
    const w = this.sweep;
    // Checked as it is typed, not only on Run.
    const parsed = parseLrList(this.text);
    const listError = 'error' in parsed ? parsed.error : '';
    const frac = w.total ? w.done / w.total : 0;
    return html`<nb-cell index="6" heading="Learning rates side by side" status=${this.status} message=${this.message} ?run-disabled=${!this.ready || w.running}
      @run=${() => this.runner.run()}>
      <div class="row">
        <label class="grow"
          >learning rates η (comma-separated)
          <input type="text" data-testid="toy-lr-list" .value=${this.text} aria-invalid=${listError ? 'true' : 'false'} aria-describedby="lr-list-error"
            @input=${(e: Event) => this.runner.setText((e.target as HTMLInputElement).value)} @keydown=${this.onKey} />
          <span class="err" id="lr-list-error" data-testid="toy-lr-list-error">${listError}</span></label
        >
        <button data-testid="toy-lr-overshoot" ?disabled=${!this.ready || w.running} @click=${this.overshoot}>Too large: η = ${OVERSHOOT_LRS}</button>
      </div>
      ${
        w.running || w.done
          ? html`<div class="row">
            <progress data-testid="toy-lr-progress" data-value=${String(frac)} max="1" .value=${frac} aria-label="learning-rate runs done"></progress>
            <span class="muted">${w.running ? `${Math.round(100 * frac)}% · ${w.rows.length} of ${w.runs} runs of ${LR_ITERATIONS} iterations done` : `${w.rows.length} runs of ${LR_ITERATIONS} iterations`}</span>
          </div>`
          : null
      }
      ${w.error && w.error !== listError ? html`<div class="warn" role="alert" data-testid="toy-lr-error">${w.error}</div>` : null}
      ${
        this.stale
          ? html`<div class="warn" data-testid="toy-lr-stale">The table and chart are for η = ${w.shownFor}, not the list above: run the cell again.</div>`
          : null
      }
      <div class=${this.stale ? 'stale' : ''}>
        <line-chart heading="E_total by learning rate (log scale)" x-label="iteration" y-label="E_total" log .series=${w.series}
          data-testid="toy-lr-chart" style="--chart-height: 260px"></line-chart>
        ${w.rows.length ? this.table() : null}
      </div>
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-lr-cell': ToyLrCell;
  }
}
