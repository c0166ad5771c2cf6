// "Copy link" for the MNIST section: a URL that opens the page with these fields and this model
// spec (mnistQuery in form.ts); when the clipboard is not offered, the link itself is shown.
import { html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { mnistQuery } from '../form';
import { SessionElement } from './base';

@customElement('mnist-copy-link')
export class MnistCopyLink extends SessionElement {
  @state() private said = '';
  @state() private error = false;

  private async copy() {
    const r = mnistQuery(this.s.form, this.s.specText);
    if ('error' in r) {
      [this.said, this.error] = [r.error, true];
      return;
    }
    const url = `${location.origin}${location.pathname}?${r.query}`;
    this.error = false;
    try {
      await navigator.clipboard.writeText(url);
      this.said = 'Link copied: it opens this section with these fields and this model.';
    } catch {
      this.said = url;
    }
    this.dataset.url = url;
  }

  override render() {
    return html`<span class="row" style="margin:0"><button data-testid="mnist-copy-link" @click=${this.copy}>Copy link</button>
      <span class=${this.error ? 'err' : 'muted'} data-testid="mnist-copied" role="status" style="word-break:break-all">${this.said}</span></span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-copy-link': MnistCopyLink;
  }
}
