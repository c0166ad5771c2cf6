// Cell 12: the kept runs. A table (name editable, parameters, best test accuracy and its epoch,
// the first epoch at 99.4%, epochs, time, adapter, the assignment's target met or not; sorted by
// any column), load or delete a run, 2–4 of them overlaid, all of them out to and in from a JSON
// file, and how much of the browser's storage the site uses.
import { css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../../ui/nb-cell';
import { fmtBytes, fmtSeconds } from '../../ui/format';
import { SessionController } from '../state';
import { SessionElement } from '../cells/base';
import { standing, TARGET, type RunRecord } from './run-record';
import type { RunsKeeper } from './runs-keeper';
import { runBytes } from './run-store';
import './runs-overlay';

type Col = 'name' | 'params' | 'best' | 'first' | 'epochs' | 'seconds' | 'adapter' | 'init' | 'target';
const COLS: [Col, string][] = [
  ['name', 'name'],
  ['params', 'parameters'],
  ['best', 'best test acc (epoch)'],
  ['first', `first epoch ≥ ${TARGET.acc}%`],
  ['epochs', 'epochs'],
  ['seconds', 'time'],
  ['adapter', 'adapter'],
  ['init', 'initial weights'],
  ['target', 'target'],
];

function key(r: RunRecord, c: Col): number | string {
  const st = standing(r);
  return { name: r.name, params: r.params, best: st.best?.acc ?? -1, first: st.firstAtTarget ?? Infinity, epochs: r.history.length, seconds: r.seconds, adapter: r.adapter, init: r.init ?? '', target: st.met ? 1 : 0 }[c];
}

@customElement('mnist-runs-cell')
export class RunsCell extends SessionElement {
  private keeper: RunsKeeper | null = null;
  private kctl = new SessionController(this);
  /** null: the order they were kept in. */
  @state() private sort: { col: Col; dir: 1 | -1 } | null = null;

  static override styles = [
    ...SessionElement.styles,
    css`
      .table-wrap { overflow-x: auto; }
      /* One line per run; a narrow screen scrolls the table sideways. */
      td { white-space: nowrap; }
      td.met, td.notmet { white-space: normal; min-width: 14em; }
      th button { font: inherit; font-weight: 600; background: none; border: 0; color: inherit; cursor: pointer; padding: 0; text-align: left; }
      td input.name { width: 10em; }
      .met { color: var(--ok); font-weight: 600; }
      .notmet { color: var(--err); }
    `,
  ];

  protected override willUpdate(changed: Map<PropertyKey, unknown>) {
    super.willUpdate(changed as never);
    if (changed.has('session') && this.session) {
      this.keeper = this.session.runs;
      this.kctl.attach(this.keeper);
    }
  }

  private sorted(): RunRecord[] {
    if (!this.sort) return this.keeper?.runs ?? [];
    const { col, dir } = this.sort;
    return [...(this.keeper?.runs ?? [])].sort((a, b) => {
      const x = key(a, col);
      const y = key(b, col);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
  }

  private header(c: Col, label: string) {
    const dir = this.sort?.col === c ? this.sort.dir : 0;
    const flip = () => (this.sort = { col: c, dir: dir === 1 ? -1 : 1 });
    return html`<th aria-sort=${dir === 1 ? 'ascending' : dir === -1 ? 'descending' : 'none'}>
      <button data-testid="runs-sort-${c}" @click=${flip}>${label}${dir === 1 ? ' ▲' : dir === -1 ? ' ▼' : ''}</button></th>`;
  }

  private row(r: RunRecord) {
    const k = this.keeper!;
    const st = standing(r);
    const picked = k.picked.includes(r.id);
    return html`<tr data-testid="runs-row" data-id=${r.id}>
      <td><input type="checkbox" aria-label="overlay ${r.name}" data-testid="runs-pick" .checked=${picked} ?disabled=${!picked && k.picked.length >= 4}
        @change=${(e: Event) => k.pick(r.id, (e.target as HTMLInputElement).checked)} /></td>
      <td><input class="name" data-testid="runs-name" aria-label="name of ${r.name}" .value=${r.name} @change=${(e: Event) => k.rename(r.id, (e.target as HTMLInputElement).value)} /></td>
      <td data-testid="runs-params">${r.params.toLocaleString('en-US')}</td>
      <td data-testid="runs-best" data-value=${st.best?.acc ?? ''}>${st.best ? `${st.best.acc.toFixed(2)}% (${st.best.epoch})` : '—'}</td>
      <td data-testid="runs-first">${st.firstAtTarget ?? '—'}</td>
      <td>${r.history.length}${r.ended === 'stopped' ? ` of ${r.config.epochs} (stopped)` : ''}</td>
      <td>${fmtSeconds(r.seconds)}</td>
      <td>${r.adapter}</td>
      <td data-testid="runs-init" title="runs with the same hash started from the same weights">${r.init ?? '—'}</td>
      <td data-testid="runs-target" class=${st.met ? 'met' : 'notmet'}>${st.met ? 'met' : html`not met: ${st.why}`}</td>
      <td><button data-testid="runs-load" ?disabled=${this.s.training} @click=${() => k.load(r.id)}>Load</button>
        <button data-testid="runs-delete" @click=${() => k.remove(r.id)}>Delete</button></td>
    </tr>`;
  }

  private download() {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([this.keeper!.exportText()], { type: 'application/json' }));
    a.download = 'mnist-runs.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  private onImport(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void this.keeper!.importFile(file);
  }

  override render() {
    const k = this.keeper;
    if (!k) return null;
    const runs = this.sorted();
    const overlay = k.picked.map((id) => k.runs.find((r) => r.id === id)!).filter(Boolean);
    const kept = k.runs.reduce((s, r) => s + runBytes(r), 0);
    return html`<nb-cell index="12" heading="Runs" status=${k.runs.length ? 'done' : 'idle'} no-run>
      <p class="muted">Every finished or stopped run is kept in this browser. Target: ≥ ${TARGET.acc}% test accuracy on all 10,000 test images within
        ${TARGET.epochs} epochs, with fewer than ${TARGET.params.toLocaleString('en-US')} parameters. Tick 2 to 4 runs to overlay them.</p>
      <p class="muted" data-testid="runs-storage">${k.runs.length} run${k.runs.length === 1 ? '' : 's'} kept, about ${fmtBytes(kept)}${
        k.storage ? `; this site uses ${fmtBytes(k.storage.usage)} of the ${fmtBytes(k.storage.quota)} the browser allows it (offline cache included)` : ''
      }.</p>
      ${k.error ? html`<div class="warn" role="alert" data-testid="runs-error">${k.error}</div>` : null}
      ${k.note ? html`<p role="status" data-testid="runs-note">${k.note}</p>` : null}
      ${k.bad.map((b) => html`<div class="warn" data-testid="runs-bad">A kept run cannot be read: ${b.error}. <button @click=${() => k.remove(b.id)}>Delete it</button></div>`)}
      <div class="row">
        <button data-testid="runs-export" ?disabled=${!k.runs.length} @click=${this.download}>Export runs (JSON)</button>
        <label style="flex-direction:row;align-items:center;gap:6px">Import runs
          <input type="file" accept=".json,application/json" data-testid="runs-import" @change=${(e: Event) => this.onImport(e)} /></label>
      </div>
      ${
        runs.length
          ? html`<div class="table-wrap"><table data-testid="runs-table">
              <tr><th><span class="muted">overlay</span></th>${COLS.map(([c, l]) => this.header(c, l))}<th></th></tr>
              ${runs.map((r) => this.row(r))}
            </table></div>`
          : html`<p class="muted">No runs kept yet: train one in cell 5.</p>`
      }
      ${overlay.length >= 2 ? html`<runs-overlay data-testid="runs-overlay" .runs=${overlay}></runs-overlay>` : null}
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-runs-cell': RunsCell;
  }
}
