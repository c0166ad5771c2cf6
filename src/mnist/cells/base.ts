// What every MNIST cell element shares: the session it shows (and re-renders with), the shared
// styles, and a text field bound to one form field with its error under it.
import { LitElement, html, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { fmtBytes } from '../../ui/format';
import { baseStyles, formStyles, tableStyles } from '../../ui/styles';
import type { Form } from '../form';
import { SessionController, type MnistSession, type MnistState } from '../session';

export class SessionElement extends LitElement {
  @property({ attribute: false }) session!: MnistSession;
  private ctl = new SessionController(this);

  static override styles = [baseStyles, formStyles, tableStyles];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('session')) this.ctl.attach(this.session);
  }

  protected get s(): MnistState {
    return this.session.state;
  }

  protected field(k: keyof Form, label: string) {
    const err = this.s.parsed.errors[k];
    return html`<label>${label}
      <input type="text" data-testid="mnist-${k}" .value=${this.s.form[k]} aria-invalid=${err ? 'true' : 'false'}
        @input=${(e: Event) => this.session.setForm(k, (e.target as HTMLInputElement).value)} />
      <span class="err" data-testid="mnist-error-${k}">${err ?? ''}</span></label>`;
  }
}

/** MNIST's download progress, while it loads. */
export function loadingBar(s: MnistState) {
  const l = s.loading;
  if (!l) return null;
  return html`<div class="row"><progress max=${l.total} value=${l.loaded} aria-label="MNIST download"></progress>
    <span class="muted" role="status">${l.stage === 'verify' ? 'checking' : 'downloading'} MNIST: ${fmtBytes(l.loaded)} / ${fmtBytes(l.total)}</span></div>`;
}
