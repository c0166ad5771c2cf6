// The keyboard shortcuts: a "?" button in the header, and the "?" key anywhere outside a text
// field, open a dialog that lists them (Escape or Close shuts it).
import { LitElement, css, html } from 'lit';
import { customElement, query } from 'lit/decorators.js';

const KEYS: [string, string][] = [
  ['Shift + Enter', 'run the focused cell and move to the next one (also while typing in a field of the cell)'],
  ['Ctrl + Enter (⌘ + Enter)', 'run the focused cell and stay on it'],
  ['Enter', 'its usual meaning in a field (a new line in the model spec, a press on a button)'],
  ['← → Home End', 'move between the section tabs'],
  ['?', 'this list (outside a text field)'],
  ['Escape', 'close this list'],
];

/** Where "?" is text being typed, not a request for help. */
function typing(e: KeyboardEvent): boolean {
  const el = e.composedPath()[0];
  if (!(el instanceof HTMLElement)) return false;
  return (
    el.isContentEditable ||
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    (el instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'range', 'file'].includes(el.type))
  );
}

@customElement('shortcut-help')
export class ShortcutHelp extends LitElement {
  @query('dialog') private dialog!: HTMLDialogElement;

  static override styles = css`
    button { font: inherit; font-size: 14px; padding: 6px 12px; border-radius: 8px; border: 1px solid var(--border); background: var(--surface); color: var(--fg); cursor: pointer; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    dialog { border: 1px solid var(--border); border-radius: 10px; background: var(--surface); color: var(--fg); max-width: min(560px, 92vw); padding: 16px 20px; }
    dialog::backdrop { background: rgb(0 0 0 / 35%); }
    h2 { font-size: 16px; margin: 0 0 10px; }
    table { border-collapse: collapse; font-size: 14px; }
    th { text-align: left; white-space: nowrap; padding: 4px 14px 4px 0; font: 13px ui-monospace, monospace; vertical-align: top; }
    td { padding: 4px 0; }
    .close { margin-top: 12px; }
  `;

  private onKey = (e: KeyboardEvent) => {
    if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey || typing(e) || this.dialog?.open) return;
    e.preventDefault();
    this.open();
  };

  override connectedCallback() {
    super.connectedCallback();
    addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener('keydown', this.onKey);
  }

  open() {
    this.dialog.showModal();
  }

  override render() {
    return html`<button data-testid="shortcuts" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" @click=${this.open}>?</button>
      <dialog data-testid="shortcut-help" aria-labelledby="kh">
        <h2 id="kh">Keyboard shortcuts</h2>
        <table>
          ${KEYS.map(([k, what]) => html`<tr><th scope="row">${k}</th><td>${what}</td></tr>`)}
        </table>
        <button class="close" @click=${() => this.dialog.close()}>Close</button>
      </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shortcut-help': ShortcutHelp;
  }
}
