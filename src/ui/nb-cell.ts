import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';

/** 'restored': shows a finished run brought back from this browser's storage, not one run on this page. */
export type CellStatus = 'idle' | 'running' | 'done' | 'error' | 'restored';

/** A notebook cell: number, title, run button, status, then its controls and output. */
@customElement('nb-cell')
export class NbCell extends LitElement {
  @property({ type: Number }) index = 1;
  @property() heading = '';
  @property() status: CellStatus = 'idle';
  @property({ attribute: 'run-label' }) runLabel = 'Run';
  @property({ type: Boolean, attribute: 'run-disabled' }) runDisabled = false;
  @property({ type: Boolean, attribute: 'no-run' }) noRun = false;
  @property() message = '';

  static override styles = css`
    :host { display: block; background: var(--surface); border: 1px solid var(--border-2); border-radius: 10px; margin: 0 0 16px;
      box-shadow: 0 1px 2px rgb(15 23 42 / 5%); color: var(--fg); }
    header { display: flex; align-items: center; gap: 10px; padding: 10px 14px; border-bottom: 1px solid var(--border-2); }
    .num { font: 12px ui-monospace, monospace; color: var(--muted); min-width: 2.5em; }
    h2 { font-size: 15px; margin: 0; flex: 1; font-weight: 600; }
    button { font: inherit; font-size: 13px; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: not-allowed; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .status { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: var(--surface-2); color: var(--muted); }
    .status.running { background: var(--busy-bg); color: var(--busy); }
    .status.done, .status.restored { background: var(--ok-bg); color: var(--ok); }
    .status.error { background: var(--err-bg); color: var(--err); }
    .body { padding: 12px 14px; }
    .msg { margin: 0 14px 12px; padding: 8px 10px; border-radius: 6px; font-size: 13px; }
    .msg.error { background: var(--err-bg); color: var(--err); border: 1px solid var(--err-border); }
    .msg.info { background: var(--surface-2); color: var(--fg-2); border: 1px solid var(--border-2); }
  `;

  /** Ask the owner to run this cell (the owner does the work and sets `status`). */
  private run() {
    this.dispatchEvent(new CustomEvent('run', { bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <header>
        <span class="num">[${this.index}]</span>
        <h2 id="h">${this.heading}</h2>
        <span class="status ${this.status}" data-testid="cell-status" role="status" aria-label="cell ${this.index}: ${this.status}">${this.status}</span>
        ${
          this.noRun
            ? null
            : html`<button data-testid="cell-run" aria-label="${this.runLabel} cell ${this.index}: ${this.heading}" ?disabled=${this.runDisabled || this.status === 'running'} @click=${this.run}>${this.runLabel}</button>`
        }
      </header>
      ${this.message ? html`<div class="msg ${this.status === 'error' ? 'error' : 'info'}" role="status">${this.message}</div>` : null}
      <div class="body"><slot></slot></div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'nb-cell': NbCell;
  }
}
