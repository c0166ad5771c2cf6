// Cell 4: the model as an editable JSON spec, checked as it is typed, with its torchsummary table.
import { css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import '../../ui/nb-cell';
import { DEFAULT_SPEC_TEXT } from '../form';
import '../mnist-views';
import '../targets';
import './pytorch-io';
import { SessionElement } from './base';

@customElement('mnist-model-cell')
export class ModelCell extends SessionElement {
  static override styles = [
    ...SessionElement.styles,
    css`textarea { width: 100%; box-sizing: border-box; min-height: 180px; font: 13px/1.35 ui-monospace, monospace; }`,
  ];

  override render() {
    const s = this.s;
    const spec = s.spec;
    return html`<nb-cell index="4" heading="Model" status=${s.status.model ?? 'idle'} message=${s.messages.model ?? ''} @run=${this.session.runModel}>
      <label>model spec (JSON)
        <textarea data-testid="mnist-spec" spellcheck="false" rows="14" aria-invalid=${spec.error ? 'true' : 'false'} .value=${s.specText}
          @input=${(e: Event) => this.session.setSpec((e.target as HTMLTextAreaElement).value)}></textarea></label>
      <div class="row"><button @click=${() => this.session.setSpec(DEFAULT_SPEC_TEXT)}>Default model</button>
        <span class="muted">PyTorch class names and arguments; "name" is a layer's module path in a pasted Net (its state_dict prefix).</span></div>
      <mnist-pytorch-io .session=${this.session}></mnist-pytorch-io>
      ${spec.error ? html`<div class="warn" role="alert" data-testid="mnist-spec-error">${spec.error}</div>` : null}
      <mnist-targets .session=${this.session}></mnist-targets>
      ${spec.summary ? html`<model-summary .summary=${spec.summary}></model-summary>` : null}
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-model-cell': ModelCell;
  }
}
