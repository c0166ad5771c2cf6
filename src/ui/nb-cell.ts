import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { fmtSeconds } from './format';

/**
 * 'queued': Run all will reach this cell; it has not yet. 'restored': shows a finished run brought
 * back from this browser's storage, not one run on this page.
 */
export type CellStatus = 'idle' | 'queued' | 'running' | 'done' | 'error' | 'restored';

/**
 * Asked (bubbling, composed) when a cell finishes a run: the notebook answers with the next
 * execution count in `detail.count`, one sequence for the whole page, as a kernel numbers cells.
 */
export type CellRanEvent = CustomEvent<{ count: number }>;

/**
 * A notebook cell: number, title, run state ([n] after its n-th run of the page, [*] while
 * running, queued, the last run's time), run button, status, then its controls and output.
 * Shift+Enter runs it and moves to the next cell, Ctrl/Cmd+Enter runs it in place, also from a
 * field inside it.
 */
@customElement('nb-cell')
export class NbCell extends LitElement {
  @property({ type: Number }) index = 1;
  @property() heading = '';
  @property() status: CellStatus = 'idle';
  @property({ attribute: 'run-label' }) runLabel = 'Run';
  @property({ type: Boolean, attribute: 'run-disabled' }) runDisabled = false;
  @property({ type: Boolean, attribute: 'no-run' }) noRun = false;
  @property() message = '';
  /** Shown from a saved run after a reload, not run on this page. */
  @property({ type: Boolean }) restored = false;
  @state() private count = 0;
  @state() private elapsedMs: number | null = null;
  private startedAt = 0;

  constructor() {
    super();
    this.addEventListener('keydown', this.onKey);
  }

  /** Counts and times a run from the status its owner sets: running → done or error. */
  protected override willUpdate(changed: PropertyValues<this>) {
    const was = changed.get('status');
    if (!changed.has('status') || was === undefined) return;
    if (this.status === 'running') this.startedAt = performance.now();
    else if (was === 'running' && (this.status === 'done' || this.status === 'error')) {
      this.elapsedMs = performance.now() - this.startedAt;
      const ask: CellRanEvent = new CustomEvent('cell-ran', { bubbles: true, composed: true, detail: { count: 0 } });
      this.dispatchEvent(ask);
      this.count = ask.detail.count;
    }
  }

  private onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || !(e.shiftKey || e.ctrlKey || e.metaKey) || e.altKey || e.isComposing) return;
    e.preventDefault();
    e.stopPropagation();
    if (!this.runDisabled && this.status !== 'running') this.run();
    if (e.shiftKey) this.next()?.focusCell();
  };

  /**
   * Focus the cell itself (Shift+Enter in the cell before). It is focusable only while focused: a
   * shadow host that keeps tabindex="-1" takes its contents out of the Tab order (Shift+Tab back
   * into the toy's chain-rule factors skipped them).
   */
  focusCell(): void {
    if (this.hasAttribute('tabindex')) return this.focus();
    this.tabIndex = -1;
    this.addEventListener('blur', () => this.removeAttribute('tabindex'), { once: true });
    this.focus();
  }

  /** The next cell of this notebook section: the nb-cell of the next sibling element that has one. */
  private next(): NbCell | null {
    const root = this.getRootNode();
    let el = root instanceof ShadowRoot ? root.host.nextElementSibling : this.nextElementSibling;
    for (; el; el = el.nextElementSibling) {
      const c = el instanceof NbCell ? el : el.shadowRoot?.querySelector('nb-cell');
      if (c && !(c.closest('[hidden]') ?? (el as HTMLElement).hidden)) return c;
    }
    return null;
  }

  static override styles = css`
    :host { display: block; background: var(--surface); border: 1px solid var(--border-2); border-radius: 10px; margin: 0 0 16px;
      box-shadow: 0 1px 2px rgb(15 23 42 / 5%); color: var(--fg); }
    header { display: flex; align-items: center; gap: 10px; padding: 10px 14px; border-bottom: 1px solid var(--border-2); }
    :host(:focus-visible) { outline: 2px solid var(--accent); outline-offset: 2px; }
    .num { font: 12px ui-monospace, monospace; color: var(--muted); min-width: 2.5em; }
    .exec { font: 12px ui-monospace, monospace; color: var(--muted); white-space: nowrap; }
    h2 { font-size: 15px; margin: 0; flex: 1; font-weight: 600; }
    button { font: inherit; font-size: 13px; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: not-allowed; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .status { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: var(--surface-2); color: var(--muted); }
    .status.running { background: var(--busy-bg); color: var(--busy); }
    .status.queued { background: var(--surface-2); color: var(--fg-2); border: 1px dashed var(--border); }
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

  /** [n] after a run, [*] while running, [r] restored, [ ] never run on this page. */
  private execText(): string {
    if (this.status === 'running') return '[*]';
    if (this.count) return `[${this.count}]`;
    return this.restored || this.status === 'restored' ? '[r]' : '[ ]';
  }

  override render() {
    const shown = this.restored && this.status === 'idle' ? 'restored' : this.status;
    const ran = this.elapsedMs !== null && this.status !== 'running';
    return html`
      <header>
        <span class="num">${this.index}</span>
        <h2 id="h">${this.heading}</h2>
        <span class="exec" data-testid="cell-count" title="execution count: the page's n-th cell run">${this.execText()}</span>
        ${ran ? html`<span class="exec" data-testid="cell-elapsed" data-value=${this.elapsedMs!.toFixed(0)} title="the last run took">${fmtSeconds(this.elapsedMs! / 1000)}</span>` : null}
        <span class="status ${shown}" data-testid="cell-status" role="status" aria-label="cell ${this.index}: ${shown}">${shown}</span>
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
