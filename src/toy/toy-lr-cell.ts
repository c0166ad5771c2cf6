// Cell 6: the same network trained with several learning rates, 1,000 iterations each: progress
// while it runs, E_total on a log scale, and the table. A table for another list than the one
// typed is marked stale; an invalid list clears it.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '../ui/line-chart';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { fmt } from '../ui/format';
import { LR_ITERATIONS, type LrSweep, type LrSweepRunner } from './toy-lr-sweep';
import { toyBase, toyTheme } from './toy-styles';

@customElement('toy-lr-cell')
export class ToyLrCell extends LitElement {
  @property({ attribute: false }) runner!: LrSweepRunner;
  @property({ attribute: false }) sweep!: LrSweep;
  @property() text = '';
  @property({ type: Boolean }) stale = false;
  @property({ type: Boolean }) ready = false;
  @property() status: CellStatus = 'idle';
  static override styles = [
    toyTheme,
    toyBase,
    css`
      .stale table, .stale line-chart { opacity: 0.45; }
      label.grow { flex: 1; }
    `,
  ];

  private table() {
    const { rows } = this.sweep;
    return html`<table data-testid="toy-lr-table" data-for=${this.sweep.shownFor}>
      <tr><th>η</th><th>E after 1 step</th><th>E at iteration 67</th><th>iterations to E &lt; 1e-3</th><th>to E &lt; 1e-4</th></tr>
      ${rows.map(
        (r, i) => html`<tr data-lr=${String(r.lr)}>
            <td>${r.lr}</td>
            <td class="num" data-testid="toy-lr-${i}-e1" data-value=${String(r.e1)}>${fmt(r.e1, 10)}</td>
            <td class="num" data-testid="toy-lr-${i}-e67" data-value=${String(r.e67)}>${fmt(r.e67, 10)}</td>
            <td class="num" data-testid="toy-lr-${i}-to3" data-value=${String(r.to3)}>${r.to3 ?? `> ${LR_ITERATIONS}`}</td>
            <td class="num" data-testid="toy-lr-${i}-to4" data-value=${String(r.to4)}>${r.to4 ?? `> ${LR_ITERATIONS}`}</td>
          </tr>
          ${r.note ? html`<tr><td colspan="5"><div class="warn">${r.note}</div></td></tr>` : null}`,
      )}
    </table>`;
  }

  override render() {
    const w = this.sweep;
    const frac = w.total ? w.done / w.total : 0;
    return html`<nb-cell index="6" heading="Learning rates side by side" status=${this.status} ?run-disabled=${!this.ready || w.running}
      @run=${() => this.runner.run()}>
      <div class="row">
        <label class="grow"
          >learning rates η (comma-separated)
          <input type="text" data-testid="toy-lr-list" .value=${this.text}
            @input=${(e: Event) => this.runner.setText((e.target as HTMLInputElement).value)} /></label
        >
      </div>
      ${
        w.running || w.done
          ? html`<div class="row">
            <progress data-testid="toy-lr-progress" data-value=${String(frac)} max="1" .value=${frac} aria-label="learning-rate runs done"></progress>
            <span class="muted">${w.running ? `${Math.round(100 * frac)}% · ${w.rows.length} of ${w.runs} runs of ${LR_ITERATIONS} iterations done` : `${w.rows.length} runs of ${LR_ITERATIONS} iterations`}</span>
          </div>`
          : null
      }
      ${w.error ? html`<div class="warn" role="alert" data-testid="toy-lr-error">${w.error}</div>` : null}
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
